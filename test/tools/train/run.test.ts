/**
 * @fileoverview train() end to end on a small Letter slice: trained == deployed (integer forward vs the format reference,
 * 0 mismatches), reproducibility, the float phase (shared, resumed, refused when foreign), distillation, baselines, logs,
 * checkpoint/resume. The paper's strength method is in strengths.test.ts, the allocators in sensitivity.test.ts.
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
const SMALL: TrainOptions = { hidden: [48, 32], floatEpochs: 2, epochs: 3, batchSize: 32, lr: 0.005, seed: 11, createdAt: '2026-01-01T00:00:00.000Z' };

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

test('train › NMP (defaults): exported model == formats/reference (0 mismatches), metrics from the integer model', async () => {
  const res = await train(split, { ...SMALL, method: 'nmp' });
  assertZeroMismatches(res.bytes);
  const model = readModel(res.bytes);
  // Reported metrics are those of the exported integer model.
  const m = evaluateModel(model, split.test);
  assert.equal(res.metrics.test_accuracy, m.accuracy);
  assert.equal(model.meta.provenance.metrics.test_accuracy, m.accuracy);
  assert.ok(m.accuracy > 0.3, `learns something: ${m.accuracy}`);
  // Widths come from the default menus and meet the default budgets (2 weight bits, 4 activation bits).
  for (const l of model.layers) {
    for (const b of l.weightBits) assert.ok(b >= 0 && b <= 8, `weight bits ${b}`);
    if (l.act) for (const b of l.act.bits) assert.ok(b >= 2 && b <= 16, `act bits ${b}`);
  }
  assert.ok(res.metrics.avg_weight_bits <= 2 && res.metrics.avg_act_bits <= 4, `${res.metrics.avg_weight_bits} / ${res.metrics.avg_act_bits}`);
  assert.ok(new Set(model.layers.flatMap((l) => Array.from(l.weightBits))).size > 2, 'widths differ per neuron');
  assert.equal(res.log.epochs.length, 3);
  assert.equal(res.log.float!.epochs.length, 2);
  assert.equal(res.metrics.model_bytes, res.bytes.length);
  // The float phase, exported as fp32 exports, comes with the result.
  assert.ok(res.floatModel && res.floatModel.metrics.test_accuracy > 0.3);
  assertZeroMismatches(res.floatModel.bytes);
});

test('train › the float phase: fp32 is it, a quantised run reuses it for the same bytes, a foreign one is refused', async () => {
  const fp = await train(split, { ...SMALL, method: 'fp32', epochs: 2 });
  assert.ok(fp.floatPhase);
  const alone = await train(split, { ...SMALL, method: 'uniform', uniformBits: 2, epochs: 2 });
  const shared = await train(split, { ...SMALL, method: 'uniform', uniformBits: 2, epochs: 2, floatPhase: fp.floatPhase });
  assert.deepEqual(shared.bytes, alone.bytes);
  assert.deepEqual(alone.floatModel!.bytes, fp.bytes);
  await assert.rejects(train(split, { ...SMALL, hidden: [40, 32], epochs: 1, floatPhase: fp.floatPhase }), /floatPhase belongs to another split or other float options/);
  // Without distillation the run differs (the teacher's targets enter the loss).
  const plain = await train(split, { ...SMALL, method: 'uniform', uniformBits: 2, epochs: 2, floatPhase: fp.floatPhase, distill: 0 });
  assert.notDeepEqual(plain.bytes, shared.bytes);
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

test('train › baselines: fp32, uniform 1 / 1.58 / 2 / 3 / 4 / 8 with 8-bit activations, weights-only NMP', async () => {
  const fp = await train(split, { ...SMALL, method: 'fp32', epochs: 2 });
  assertZeroMismatches(fp.bytes);
  for (const ub of [1, 1.58, 2, 3, 4, 8]) {
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
  const wo = await train(split, { ...SMALL, method: 'nmp', quantizeActivations: false, epochs: 1 });
  for (const l of readModel(wo.bytes).layers) if (l.act) assert.ok(l.act.bits.every((b) => b === 16));
  assertZeroMismatches(wo.bytes);
});

test('train › on a terminal: a live bar per epoch (rows, ETA, current widths), the warm-up epoch labelled', async () => {
  let text = '';
  const tty = Object.assign(new Writable({ write(chunk, _e, cb) { text += String(chunk); cb(); } }), { isTTY: true });
  await train(split, { ...SMALL, epochs: 2, batchSize: 32, progress: tty });
  const rows = split.train.rows;
  // The bar draws after the first batch of every epoch (then at most every 100 ms).
  for (const title of ['float epoch 1/2', 'float epoch 2/2', 'epoch 1/2', 'epoch 2/2']) {
    assert.match(text, new RegExp(`\\r\\x1b\\[2K${title} \\[#*-+\\] 32/${rows} rows  ETA \\d+s  wbits \\d\\.\\d\\d  abits \\d+\\.\\d\\d`), title);
  }
  const done = text.split('\n').map((l) => l.slice(l.lastIndexOf('\x1b[2K') + 4)).filter((l) => /samples\/s/.test(l));
  assert.equal(done.length, 4);
  assert.deepEqual(done.map((l) => l.endsWith('(warm-up epoch: slower while the code compiles)')), [true, false, true, false], 'the first epoch of each phase');
});

test('train › per-epoch histograms, progress lines (non-TTY) and the JSON log, float phase first', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } });
  const jsonLog = join(dir, 'run.jsonl');
  const seen: string[] = [];
  const res = await train(split, { ...SMALL, epochs: 2, progress: sink, jsonLog }, { onEpoch: (r) => seen.push(`${r.phase} ${r.epoch}`) });
  assert.deepEqual(seen, ['float 1', 'float 2', 'main 1', 'main 2']);
  for (const rec of res.log.epochs) {
    assert.equal(rec.histogram.length, 3);
    const total = (h: Record<string, number>) => Object.values(h).reduce((a, b) => a + b, 0);
    assert.deepEqual(rec.histogram.map((h) => total(h.weights)), [48, 32, 26]);
    assert.deepEqual(rec.histogram.map((h) => total(h.acts)), [48, 32, 0]);
  }
  assert.match(lines[0], /^float epoch 1\/2 {2}loss \d+\.\d+ {2}val_accuracy 0\.\d+ {2}wbits \d\.\d\d {2}abits \d+\.\d\d {2}\d+ samples\/s\n$/);
  assert.match(lines[2], /^epoch 1\/2 {2}loss \d+\.\d+ {2}val_accuracy 0\.\d+ {2}wbits \d\.\d\d {2}abits \d+\.\d\d {2}\d+ samples\/s\n$/);
  assert.ok(!lines.join('').includes('\r'), 'no carriage returns when not a TTY');
  const recs = (await readFile(jsonLog, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(recs.map((r) => `${r.type} ${r.phase ?? ''}`), ['epoch float', 'epoch float', 'epoch main', 'epoch main', 'final ']);
  assert.equal(recs[4].metrics.test_accuracy, res.metrics.test_accuracy);
});

test('train › an interrupted run resumes from its checkpoint to the same bytes, in the float phase or after it', async () => {
  const o: TrainOptions = { ...SMALL, targetBits: 1.5, epochs: 3 };
  const full = await train(split, o);
  for (const stopAt of ['float', 'main'] as const) {
    const checkpoint = join(dir, `ck-${stopAt}.bin`);
    const opts: TrainOptions = { ...o, checkpoint, resume: true };
    const hooks = { onEpoch: (r: { phase: string; epoch: number }) => { if (r.phase === stopAt && r.epoch === (stopAt === 'float' ? 1 : 2)) throw new Error('interrupted'); } };
    await assert.rejects(train(split, opts, hooks), /interrupted/);
    assert.ok((await stat(checkpoint)).size > 0);
    const out = join(dir, `model-${stopAt}.nmp`);
    const resumed = await train(split, { ...opts, out });
    assert.deepEqual(new Uint8Array(await readFile(out)), resumed.bytes);
    assert.equal(resumed.log.epochs.length, 3);
    assert.equal(resumed.log.float!.epochs.length, 2);
    assert.deepEqual(resumed.bytes, full.bytes, `resumed after an interruption in the ${stopAt} phase`);
  }
  await assert.rejects(train(split, { ...o, checkpoint: join(dir, 'ck-main.bin'), resume: true, hidden: [40, 32] }), /checkpoint of a different run/);
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
  const res = await train(split, { ...SMALL, epochs: 2, targetBytes });
  assert.ok(res.bytes.length <= targetBytes, `${res.bytes.length} bytes > targetBytes ${targetBytes}`);
  assert.ok(res.metrics.avg_weight_bits > 1, `uses the budget: ${res.metrics.avg_weight_bits}`);
});

test('train › progress on a TTY rewrites the line', async () => {
  const chunks: string[] = [];
  const sink = Object.assign(new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } }), { isTTY: true });
  await train(split, { ...SMALL, epochs: 1, progress: sink });
  assert.ok(chunks[0].startsWith('\r\x1b[2Kfloat epoch 1/2'), JSON.stringify(chunks[0]));
});
