/**
 * @fileoverview Real data sets from `<repo>/../shared/datasets` (skipped cleanly when absent): Covertype's integer
 * and one-hot columns read, train, export and match the format reference on held-out rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forwardCodes, quantizeInput, readModel } from '../../../formats/index.js';
import { exists, readCsv, splitDataset } from '../../../tools/train/data.js';
import { IntegerForward } from '../../../tools/train/intforward.js';
import { train } from '../../../tools/train/index.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const COVTYPE = join(ROOT, '../shared/datasets/covertype/covtype.csv.gz');
const have = await exists(COVTYPE);

test('covertype › first 4000 rows: read, train NMP-QAT w+a, 0 mismatches vs formats/reference', { skip: have ? false : `${COVTYPE} absent` }, async () => {
  const ds = await readCsv(COVTYPE, { target: 'Cover_Type', maxRows: 4000 });
  assert.equal(ds.features, 54);
  assert.equal(ds.featureNames[0], 'Elevation');
  assert.deepEqual(Array.from(ds.x.subarray(0, 3)), [2596, 51, 3]);
  const split = splitDataset(ds, { seed: 2, valFraction: 0.1, testFraction: 0.1 });
  const res = await train(split, { hidden: [32, 32], floatEpochs: 1, epochs: 2, batchSize: 64, lr: 0.005, seed: 3 });
  const model = readModel(res.bytes);
  const fwd = new IntegerForward(model, 64);
  const acc = fwd.accumulators(split.test.x, split.test.rows);
  const C = model.meta.outputNames.length;
  let mismatches = 0;
  for (let r = 0; r < split.test.rows; r++) {
    const ref = forwardCodes(model, quantizeInput(model, split.test.x.subarray(r * 54, r * 54 + 54))).acc;
    for (let j = 0; j < C; j++) if (ref[j] !== acc[r * C + j]) mismatches++;
  }
  assert.equal(mismatches, 0);
  assert.ok(res.metrics.test_accuracy > 0.4, `accuracy ${res.metrics.test_accuracy}`);
});
