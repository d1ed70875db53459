/**
 * @fileoverview End-to-end trainer tests on a small Letter slice: trained == deployed (integer forward vs the format
 * reference, 0 mismatches), reproducibility, baselines, pruning, budgets, logs, checkpoint/resume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { forwardCodes, quantizeInput, readModel, dequantizeOutput, unpackRow } from '../../../formats/index.js';
import { readCsv, splitDataset, subset } from '../../../tools/train/data.js';
import { IntegerForward, evaluateModel, requantExact } from '../../../tools/train/intforward.js';
import { train, type TrainOptions } from '../../../tools/train/index.js';
import { requantize } from '../../../formats/index.js';
import { Rng } from '../../../tools/train/rng.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const letter = await readCsv(join(ROOT, 'tools/data/letter.csv.gz'), { target: 'lettr', maxRows: 3000 });
const split = splitDataset(letter, { seed: 5, valFraction: 0.15, testFraction: 0.15 });
const dir = await mkdtemp(join(tmpdir(), 'nmp-train-'));
const SMALL: TrainOptions = { hidden: [48, 32], epochs: 3, batchSize: 32, lr: 0.005, seed: 11, createdAt: '2026-01-01T00:00:00.000Z', lrStrength: 0.01 };

/** Runs the decoded model through formats/reference row by row and compares everything with IntegerForward. */
function assertZeroMismatches(bytes: Uint8Array, ds = split.test): void {
  const model = readModel(bytes);
  const fwd = new IntegerForward(model, 128);
  const hidden = model.layers.filter((l) => l.act).map((l) => new Int32Array(ds.rows * l.outFeatures));
  const C = model.layers[model.layers.length - 1].outFeatures;
  const acc = new Int32Array(ds.rows * C);
  for (let s = 0; s < ds.rows; s += 128) {
    const n = Math.min(128, ds.rows - s);
    acc.set(fwd.runBatch(ds.x, s, n, hidden), s * C);
  }
  let mismatches = 0;
  for (let r = 0; r < ds.rows; r++) {
    const x = ds.x.subarray(r * ds.features, (r + 1) * ds.features);
    const ref = forwardCodes(model, quantizeInput(model, x));
    for (let j = 0; j < C; j++) if (ref.acc[j] !== acc[r * C + j]) mismatches++;
    ref.acts.forEach((a, l) => {
      for (let j = 0; j < a.length; j++) if (a[j] !== hidden[l][r * a.length + j]) mismatches++;
    });
    const y = dequantizeOutput(model, ref.acc);
    const mine = fwd.predict(x, 1);
    for (let j = 0; j < C; j++) if (!Object.is(y[j], mine[j])) mismatches++;
  }
  assert.equal(mismatches, 0, 'integer forward of the trainer vs formats/reference');
}

test('requantExact › equals the BigInt reference on edges and random values', () => {
  const rng = new Rng(99);
  const cases: Array<[number, number, number]> = [
    [2147483647, 2147483647, 62], [-2147483647, 2147483647, 1], [2147483647, 1, 1], [1, 1073741824, 31],
    [-1, 1073741824, 31], [32767, 1 << 30, 16], [-32769, (1 << 30) + 12345, 17], [123456789, 2147483647, 53], [5, 3, 2],
  ];
  for (let i = 0; i < 20000; i++) {
    cases.push([(rng.nextU32() | 0) >> rng.int(31), 1 + rng.int(2147483647), 1 + rng.int(62)]);
  }
  for (const [acc, mult, shift] of cases) {
    for (const bits of [1, 4, 8, 16]) {
      assert.equal(requantExact(acc, mult, shift, 2 ** bits - 1), requantize(acc, mult, shift, bits), `acc ${acc} mult ${mult} shift ${shift} bits ${bits}`);
    }
  }
});

test('train › NMP-QAT weights+activations: exported model == formats/reference (0 mismatches), metrics from the integer model', async () => {
  const res = await train(split, { ...SMALL, method: 'nmp' });
  assertZeroMismatches(res.bytes);
  const model = readModel(res.bytes);
  // Reported metrics are those of the exported integer model.
  const m = evaluateModel(model, split.test);
  assert.equal(res.metrics.test_accuracy, m.accuracy);
  assert.equal(model.meta.provenance.metrics.test_accuracy, m.accuracy);
  assert.ok(m.accuracy > 0.3, `learns something: ${m.accuracy}`);
  // Widths come from the menus.
  for (const l of model.layers) {
    for (const b of l.weightBits) assert.ok([1, 2, 4, 8].includes(b), `weight bits ${b}`);
    if (l.act) for (const b of l.act.bits) assert.ok([4, 8, 16].includes(b), `act bits ${b}`);
  }
  assert.equal(res.log.epochs.length, 3);
  assert.equal(res.metrics.model_bytes, res.bytes.length);
});

test('train › same seed, same bytes; another seed differs (plain-JS GEMM gives the same bytes too)', async () => {
  const a = await train(split, { ...SMALL, method: 'nmp', epochs: 2 });
  const b = await train(split, { ...SMALL, method: 'nmp', epochs: 2 });
  const js = await train(split, { ...SMALL, method: 'nmp', epochs: 2, useWasm: false });
  const c = await train(split, { ...SMALL, method: 'nmp', epochs: 2, seed: 12 });
  assert.deepEqual(a.bytes, b.bytes);
  assert.deepEqual(a.bytes, js.bytes);
  assert.notDeepEqual(a.bytes, c.bytes);
});

test('train › baselines: fp32, uniform 1 / 1.58 / 2 / 4 / 8 with 8-bit activations, layer-level, weights-only', async () => {
  const fp = await train(split, { ...SMALL, method: 'fp32', epochs: 2 });
  assertZeroMismatches(fp.bytes);
  for (const ub of [1, 1.58, 2, 4, 8]) {
    const res = await train(split, { ...SMALL, method: 'uniform', uniformBits: ub, epochs: 1 });
    const model = readModel(res.bytes);
    const bits = ub === 1.58 ? 2 : ub;
    for (const l of model.layers) {
      assert.ok(l.weightBits.every((b) => b === bits), `uniform ${ub}: all weights ${bits}-bit`);
      if (l.act) assert.ok(l.act.bits.every((b) => b === 8), 'activations 8-bit');
    }
    if (ub === 1.58) {
      const l = model.layers[1];
      const row = unpackRow(l.weights, l.rowOffsets[3], l.inFeatures, 2);
      assert.ok(row.every((v) => v >= -1 && v <= 1), 'ternary codes only');
    }
    assert.equal(model.meta.provenance.method, `uniform:${ub}`);
  }
  const layer = await train(split, { ...SMALL, method: 'layer', epochs: 3, lrStrength: 0.05 });
  for (const l of readModel(layer.bytes).layers) {
    assert.equal(new Set(l.weightBits).size, 1, 'one weight width per layer');
    if (l.act) assert.equal(new Set(l.act.bits).size, 1, 'one activation width per layer');
  }
  const wo = await train(split, { ...SMALL, method: 'nmp', quantizeActivations: false, epochs: 1 });
  for (const l of readModel(wo.bytes).layers) if (l.act) assert.ok(l.act.bits.every((b) => b === 16));
  assertZeroMismatches(wo.bytes);
});

test('train › pruning and bit menus: 0-bit neurons export as pruned (empty rows), budget pushes bits down', async () => {
  const res = await train(split, { ...SMALL, method: 'nmp', prune: true, weightBitsMenu: [1, 4], actBitsMenu: [4, 8], epochs: 4, targetBits: 0.6, budgetRate: 0.5, lrStrength: 0.05 });
  const model = readModel(res.bytes);
  let pruned = 0;
  for (const l of model.layers) {
    for (let j = 0; j < l.outFeatures; j++) {
      assert.ok([0, 1, 4].includes(l.weightBits[j]));
      if (l.weightBits[j] === 0) {
        pruned++;
        assert.equal(l.rowOffsets[j + 1] - l.rowOffsets[j], 0, 'pruned row is empty');
      }
    }
    if (l.act) for (const b of l.act.bits) assert.ok([4, 8].includes(b));
  }
  // Nothing but the budget pushes strengths down (neurons start at 1 bit), so pruned neurons prove it acts.
  assert.ok(pruned > 0, 'some neurons pruned under a 0.6-bit budget');
  assert.ok(res.metrics.avg_weight_bits < 1, `budget respected-ish: ${res.metrics.avg_weight_bits}`);
  assertZeroMismatches(res.bytes);
});

test("train › budget 'fill': a budget the controller did not reach by the freeze is topped up to it; 'cap' is not", async () => {
  // lrStrength 0: nothing moves the strengths, so every width is still the initial one (1-bit / 4-bit) at the freeze.
  const o: TrainOptions = { ...SMALL, method: 'nmp', epochs: 2, freezeAt: 1, lrStrength: 0, targetBits: 3, targetActBits: 8 };
  const fill = await train(split, o);
  // The largest single move is 4 -> 8 bits on a 48-input neuron: 4 * 48 of 3136 weights.
  assert.ok(fill.metrics.avg_weight_bits <= 3 + 1e-9 && fill.metrics.avg_weight_bits > 3 - (4 * 48) / 3136, `weight bits ${fill.metrics.avg_weight_bits}`);
  assert.ok(fill.metrics.avg_act_bits <= 8 + 1e-9 && fill.metrics.avg_act_bits > 8 - 8 / 80, `act bits ${fill.metrics.avg_act_bits}`);
  assert.ok(fill.log.warnings.some((w) => /neurons moved up one weight width to fill the budget/.test(w)), fill.log.warnings.join('; '));
  assertZeroMismatches(fill.bytes);
  const cap = await train(split, { ...o, budgetMode: 'cap' });
  assert.equal(cap.metrics.avg_weight_bits, 1);
  assert.equal(cap.metrics.avg_act_bits, 4);
});

test('train › per-epoch histograms, progress lines (non-TTY) and the JSON log', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } });
  const jsonLog = join(dir, 'run.jsonl');
  const seen: number[] = [];
  const res = await train(split, { ...SMALL, epochs: 2, progress: sink, jsonLog }, { onEpoch: (r) => seen.push(r.epoch) });
  assert.deepEqual(seen, [1, 2]);
  for (const rec of res.log.epochs) {
    assert.equal(rec.histogram.length, 3);
    const total = (h: Record<string, number>) => Object.values(h).reduce((a, b) => a + b, 0);
    assert.deepEqual(rec.histogram.map((h) => total(h.weights)), [48, 32, 26]);
    assert.deepEqual(rec.histogram.map((h) => total(h.acts)), [48, 32, 0]);
  }
  assert.match(lines[0], /^epoch 1\/2 {2}loss \d+\.\d+ {2}val_acc 0\.\d+ {2}wbits \d\.\d\d {2}abits \d+\.\d\d {2}\d+ samples\/s\n$/);
  assert.ok(!lines.join('').includes('\r'), 'no carriage returns when not a TTY');
  const recs = (await readFile(jsonLog, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(recs.map((r) => r.type), ['epoch', 'epoch', 'final']);
  assert.equal(recs[2].metrics.test_accuracy, res.metrics.test_accuracy);
});

test('train › an interrupted run resumes from its checkpoint to the same bytes', async () => {
  // Interrupted right after the last epoch before the freeze (the freeze and its budget enforcement run on resume).
  const budget = { freezeAt: 2, targetBits: 1.2, lrStrength: 0.05 };
  const full = await train(split, { ...SMALL, ...budget, epochs: 3 });
  const checkpoint = join(dir, 'ck.bin');
  const opts: TrainOptions = { ...SMALL, ...budget, epochs: 3, checkpoint, resume: true };
  await assert.rejects(train(split, opts, { onEpoch: (r) => { if (r.epoch === 2) throw new Error('interrupted'); } }), /interrupted/);
  assert.ok((await stat(checkpoint)).size > 0);
  const out = join(dir, 'model.nmp');
  const resumed = await train(split, { ...opts, out });
  assert.deepEqual(new Uint8Array(await readFile(out)), resumed.bytes);
  assert.equal(resumed.log.epochs.length, 3);
  assert.deepEqual(resumed.bytes, full.bytes);
  await assert.rejects(train(split, { ...opts, hidden: [40, 32] }), /checkpoint of a different run/);
});

test('train › a constant column trains, exports code 0 for it, and is reported', async () => {
  const x = Float32Array.from(split.train.x);
  for (let r = 0; r < split.train.rows; r++) x[r * 16 + 3] = 7;
  const res = await train({ ...split, train: { ...split.train, x } }, { ...SMALL, epochs: 1 });
  assert.ok(res.log.warnings.some((w) => /feature "high" is constant/.test(w)), res.log.warnings.join('; '));
  const model = readModel(res.bytes);
  assert.equal(quantizeInput(model, new Float32Array(16).fill(7))[3], 0);
  assert.equal(quantizeInput(model, new Float32Array(16).fill(15))[3], 0);
});

test('train › regression (MSE, two targets) exports and matches the reference', async () => {
  const T = 2;
  const mk = (ds: typeof split.train) => {
    const targets = new Float32Array(ds.rows * T);
    for (let r = 0; r < ds.rows; r++) {
      targets[r * T] = ds.x[r * 16] * 0.5 + ds.x[r * 16 + 1];
      targets[r * T + 1] = 100 - ds.x[r * 16 + 2] * 3;
    }
    return { ...ds, task: 'regression' as const, labels: null, classes: null, targets, targetNames: ['t1', 't2'] };
  };
  const reg = { train: mk(split.train), val: mk(split.val), test: mk(subset(split.test, [0, 1, 2, 3, 4, 5, 6, 7])) };
  const res = await train(reg, { ...SMALL, epochs: 4 });
  assertZeroMismatches(res.bytes, reg.test);
  assert.ok(res.metrics.val_mse < 20, `fits a linear target: ${res.metrics.val_mse}`);
  assert.deepEqual(readModel(res.bytes).meta.outputNames, ['t1', 't2']);
});

test('train › a whole data set is split with the run seed (same as splitDataset)', async () => {
  const opts: TrainOptions = { ...SMALL, epochs: 1, seed: 5 };
  const a = await train(letter, { ...opts, valFraction: 0.15, testFraction: 0.15 });
  const b = await train(splitDataset(letter, { seed: 5, valFraction: 0.15, testFraction: 0.15 }), opts);
  assert.deepEqual(a.bytes, b.bytes);
  assert.equal(a.log.data.trainRows, 2100);
});

test('train › targetBytes: the exported file fits the byte budget', async () => {
  const one = await train(split, { ...SMALL, method: 'uniform', uniformBits: 1, epochs: 1 });
  const four = await train(split, { ...SMALL, method: 'uniform', uniformBits: 4, epochs: 1 });
  const targetBytes = Math.round((2 * one.bytes.length + four.bytes.length) / 3);
  const res = await train(split, { ...SMALL, epochs: 3, lrStrength: 0.05, freezeAt: 2, targetBytes });
  assert.ok(res.bytes.length <= targetBytes, `${res.bytes.length} bytes > targetBytes ${targetBytes}`);
  assert.ok(res.metrics.avg_weight_bits > 1, `uses the budget: ${res.metrics.avg_weight_bits}`);
});

test('train › variants: SGD, paper-literal clip activations with the fold gradient, layer-granular activations, hysteresis', async () => {
  const sgd = await train(split, { ...SMALL, optimizer: 'sgd', lr: 0.05, epochs: 3 });
  const losses = sgd.log.epochs.map((e) => e.loss);
  assert.ok(losses[2] < losses[0], `SGD lowers the loss: ${losses}`);
  const clip = await train(split, { ...SMALL, actScale: 'clip', lrStrength: 0.05, epochs: 2 });
  assertZeroMismatches(clip.bytes);
  const m = readModel(clip.bytes);
  // clip mode: code scale = clip / (2^b - 1), so scales differ by width for equal clips; check the export is consistent.
  for (const l of m.layers) if (l.act) for (let j = 0; j < l.outFeatures; j++) assert.ok(l.act.scale[j] > 0);
  const lay = await train(split, { ...SMALL, actGranularity: 'layer', lrStrength: 0.05, epochs: 2 });
  for (const l of readModel(lay.bytes).layers) if (l.act) assert.equal(new Set(l.act.bits).size, 1);
  const hy = await train(split, { ...SMALL, hysteresis: 0.05, lrStrength: 0.05, epochs: 2 });
  assertZeroMismatches(hy.bytes);
});

test('train › initialWeightBits / initialActBits: widths start there; a width off the menu is refused', async () => {
  // Strengths frozen in place (lrStrength 0), so the exported widths are the initial ones.
  const res = await train(split, { ...SMALL, epochs: 1, lrStrength: 0, initialWeightBits: 4, initialActBits: 8 });
  assertZeroMismatches(res.bytes);
  for (const l of readModel(res.bytes).layers) {
    assert.deepEqual([...new Set(l.weightBits)], [4]);
    if (l.act) assert.deepEqual([...new Set(l.act.bits)], [8]);
  }
  const low = await train(split, { ...SMALL, epochs: 1, lrStrength: 0 });
  for (const l of readModel(low.bytes).layers) {
    assert.deepEqual([...new Set(l.weightBits)], [1]);
    if (l.act) assert.deepEqual([...new Set(l.act.bits)], [4]);
  }
  await assert.rejects(train(split, { ...SMALL, initialWeightBits: 3 }), /initialWeightBits must be one of the weight menu 1, 2, 4, 8 - got 3/);
  await assert.rejects(train(split, { ...SMALL, initialActBits: 5 }), /initialActBits must be one of the activation menu 4, 8, 16 - got 5/);
});

test('train › progress on a TTY rewrites the line', async () => {
  const chunks: string[] = [];
  const sink = Object.assign(new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } }), { isTTY: true });
  await train(split, { ...SMALL, epochs: 1, progress: sink });
  assert.ok(chunks[0].startsWith('\r\x1b[2Kepoch 1/1'), JSON.stringify(chunks[0]));
});
