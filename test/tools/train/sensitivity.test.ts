/**
 * @fileoverview The allocators of `nmp` and `layer` on a small Letter slice: budgets met exactly (bits, bytes,
 * activation and input bits), output neurons never pruned, infeasible budgets refused before training with the
 * smallest feasible value, one width per layer for `layer`; and the row-perturbation loss estimate against a direct sum.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModel, rowBytes } from '../../../formats/index.js';
import { readCsv, splitDataset } from '../../../tools/train/data.js';
import { Arena } from '../../../tools/train/gemm.js';
import { checkOptions, train, type TrainOptions } from '../../../tools/train/index.js';
import type { LayerState } from '../../../tools/train/network.js';
import { quantizeRow } from '../../../tools/train/quant.js';
import { Rng } from '../../../tools/train/rng.js';
import { weightTable, type Calibration } from '../../../tools/train/sensitivity.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const letter = await readCsv(join(ROOT, 'tools/data/letter.csv.gz'), { target: 'lettr', maxRows: 3000 });
const split = splitDataset(letter, { seed: 5, valFraction: 0.15, testFraction: 0.15 });
const SMALL: TrainOptions = { hidden: [48, 32], floatEpochs: 2, epochs: 2, batchSize: 32, seed: 11, createdAt: '2026-01-01T00:00:00.000Z' };

/** Sum over neurons of fan-in x weight bits, activation bits and input bits of a written model. */
function usage(bytes: Uint8Array) {
  const m = readModel(bytes);
  let wbits = 0, weights = 0, abits = 0, hidden = 0;
  for (const l of m.layers) {
    for (const b of l.weightBits) { wbits += b * l.inFeatures; weights += l.inFeatures; }
    if (l.act) for (const b of l.act.bits) { abits += b; hidden++; }
  }
  return { m, wbits, weights, abits, hidden, inputBits: Array.from(m.input.bits) };
}

test('nmp › weight, activation and input budgets are met exactly from below; output neurons keep their rows', async () => {
  const res = await train(split, { ...SMALL, targetBits: 1.5, targetActBits: 3, targetInputBits: 5 });
  const u = usage(res.bytes);
  const cap = Math.floor(1.5 * u.weights);
  assert.ok(u.wbits <= cap, `${u.wbits} weight bits over ${cap}`);
  // Filled to within the smallest move: one more bit on the cheapest row (fan-in 16).
  assert.ok(u.wbits > cap - 16, `${u.wbits} weight bits leave more than one move below ${cap}`);
  assert.ok(u.abits <= 3 * u.hidden && u.abits > 3 * u.hidden - 1, `activation bits ${u.abits} for ${u.hidden} neurons`);
  const inSum = u.inputBits.reduce((a, b) => a + b, 0);
  assert.ok(inSum <= 5 * 16 && u.inputBits.every((b) => b >= 2 && b <= 8), `input bits ${u.inputBits}`);
  const last = u.m.layers[u.m.layers.length - 1];
  assert.ok(last.weightBits.every((b) => b >= 1), `output widths ${Array.from(last.weightBits)}`);
  assert.equal(res.metrics.avg_input_bits, inSum / 16);
  assert.ok(res.metrics.test_accuracy > 0.3, `learns: ${res.metrics.test_accuracy}`);
});

test('nmp › a byte budget holds for the file; layer gives every layer one width and prunes none', async () => {
  const two = await train(split, { ...SMALL, method: 'uniform', uniformBits: 2, floatEpochs: 1, epochs: 1 });
  const res = await train(split, { ...SMALL, targetBytes: two.bytes.length });
  assert.ok(res.bytes.length <= two.bytes.length, `${res.bytes.length} bytes over ${two.bytes.length}`);
  const biggest = Math.max(...readModel(res.bytes).layers.map((l) => rowBytes(l.inFeatures, 1)));
  assert.ok(res.bytes.length > two.bytes.length - 8 * biggest - 64, `uses the budget: ${res.bytes.length} of ${two.bytes.length}`);
  const layer = await train(split, { ...SMALL, method: 'layer', targetBits: 1 });
  for (const l of readModel(layer.bytes).layers) {
    assert.equal(new Set(l.weightBits).size, 1, 'one weight width per layer');
    assert.ok(l.weightBits[0] > 0, 'no layer pruned whole');
    if (l.act) assert.equal(new Set(l.act.bits).size, 1, 'one activation width per layer');
  }
});

test('nmp › hgq: learned widths meet the budgets exactly after the freeze', async () => {
  const res = await train(split, { ...SMALL, allocator: 'hgq', epochs: 3, freezeAt: 2, targetBits: 2, targetActBits: 4 });
  const u = usage(res.bytes);
  assert.ok(u.wbits <= Math.floor(2 * u.weights) && u.wbits > 2 * u.weights - 8 * 48, `weight bits ${u.wbits} of ${2 * u.weights}`);
  assert.ok(u.abits <= 4 * u.hidden, `activation bits ${u.abits}`);
  assert.ok(u.m.layers[u.m.layers.length - 1].weightBits.every((b) => b >= 1));
});

test('nmp › an infeasible budget is refused before training, naming the smallest feasible value', () => {
  assert.throws(() => checkOptions(split, { ...SMALL, targetBits: 0.05 }), /targetBits 0.05 is below the smallest feasible average 0\.\d+/);
  assert.throws(() => checkOptions(split, { ...SMALL, targetBytes: 500 }), /targetBytes 500 is below the smallest feasible model of \d+ bytes/);
  // layer-level never prunes a whole layer, so 1 bit everywhere is its floor.
  assert.throws(() => checkOptions(split, { ...SMALL, method: 'layer', targetBits: 0.9 }), /targetBits 0\.9 is below the smallest feasible average 1 /);
  assert.throws(() => checkOptions(split, { ...SMALL, targetBits: 9 }), /targetBits 9 is outside its menu 0\.\.8/);
  assert.throws(() => checkOptions(split, { ...SMALL, targetActBits: 1 }), /targetActBits 1 is outside its menu 2\.\.16/);
  assert.throws(() => checkOptions(split, { ...SMALL, method: 'uniform', targetBits: 2 }), /targetBits applies to the learned methods/);
  assert.throws(() => checkOptions(split, { ...SMALL, quantizeActivations: false, targetActBits: 4 }), /need quantised activations/);
});

test('weightTable › the loss of a width is ½ Σ g² (Δz − mean Δz)² along its row, computed here directly', () => {
  const rng = new Rng(3);
  const fin = 20, n = 6, N = 50;
  const st = { in: fin, out: n, W: Float32Array.from({ length: fin * n }, () => rng.normal()), inScale: Float64Array.from({ length: fin }, () => 0.5 + rng.next()) } as unknown as LayerState;
  const cal = { rows: N, layerIn: [Float32Array.from({ length: N * fin }, () => rng.normal())], zGrad: [Float32Array.from({ length: N * n }, () => rng.normal())] } as unknown as Calibration;
  const menu = [0, 1, 2, 4];
  const tab = weightTable(st, cal, 0, menu, 'ternary', new Arena(1 << 16, false));
  const q = new Int32Array(fin), wp = new Float64Array(fin);
  for (let j = 0; j < n; j++) {
    for (let m = 0; m < menu.length; m++) {
      for (let k = 0; k < fin; k++) wp[k] = st.W[j * fin + k] * st.inScale[k];
      const S = menu[m] ? quantizeRow(wp, 0, fin, menu[m], 'ternary', q, 0) : 0;
      const dz = Array.from({ length: N }, (_, i) => {
        let s = 0;
        for (let k = 0; k < fin; k++) s += (menu[m] ? Math.fround(Math.fround(S * q[k]) / st.inScale[k] - st.W[j * fin + k]) : -st.W[j * fin + k]) * cal.layerIn[0][i * fin + k];
        return s;
      });
      const mean = dz.reduce((a, b) => a + b, 0) / N;
      const want = 0.5 * dz.reduce((a, d, i) => a + cal.zGrad[0][i * n + j] ** 2 * (d - mean) ** 2, 0);
      assert.ok(Math.abs(tab.loss[j * menu.length + m] - want) <= 1e-3 * want + 1e-9, `neuron ${j} width ${menu[m]}: ${tab.loss[j * menu.length + m]} vs ${want}`);
    }
    assert.ok(tab.loss[j * menu.length + 3] < tab.loss[j * menu.length + 0], 'four bits lose less than pruning');
  }
});
