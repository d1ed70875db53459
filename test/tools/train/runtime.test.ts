/**
 * @fileoverview Trained == deployed: a model fresh from the trainer runs through the project runtime (SIMD and scalar
 * WASM backends) and gives the same int32 output accumulators as the trainer's evaluation path, 0 mismatches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../../runtime/index.js';
import { readModel } from '../../../formats/index.js';
import { readCsv, splitDataset } from '../../../tools/train/data.js';
import { IntegerForward } from '../../../tools/train/intforward.js';
import { train } from '../../../tools/train/index.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

test('runtime › NMP-QAT w+a model: trainer evaluation == runtime (simd and scalar) on 450 held-out rows', async () => {
  const ds = await readCsv(join(ROOT, 'tools/data/letter.csv.gz'), { target: 'lettr', maxRows: 3000 });
  const split = splitDataset(ds, { seed: 9, valFraction: 0.15, testFraction: 0.15 });
  // The allocator mixes widths (0..8 weights, 2..16 activations, 2..8 inputs) within layers.
  const res = await train(split, { hidden: [64, 48], floatEpochs: 2, epochs: 3, batchSize: 32, lr: 0.005, seed: 4, targetBits: 3 });
  const model = readModel(res.bytes);
  const widths = new Set(model.layers.flatMap((l) => Array.from(l.weightBits)));
  assert.ok(widths.size >= 3, `mixed weight widths: ${[...widths]}`);
  const mine = new IntegerForward(model, 64).accumulators(split.test.x, split.test.rows);
  const C = model.meta.outputNames.length;
  for (const backend of ['simd', 'scalar'] as const) {
    const rt = await loadModel(res.bytes, { backend });
    let mismatches = 0;
    const out = new Int32Array(C);
    for (let r = 0; r < split.test.rows; r++) {
      rt.predictAccumulators(split.test.x.subarray(r * 16, r * 16 + 16), out);
      for (let j = 0; j < C; j++) if (out[j] !== mine[r * C + j]) mismatches++;
    }
    rt.dispose();
    assert.equal(mismatches, 0, `${backend}: accumulators differing from the trainer's evaluation`);
  }
});
