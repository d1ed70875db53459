/**
 * @fileoverview The paper-table suite's own logic: stratified splits, the VoD join, the run list, the statistics and
 * the Pareto verdict in RESULTS.md. Real shared data sets are read only when present (skipped cleanly otherwise).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { gridConfigs, type RunRecord } from '../../../tools/bench/paper/configs.js';
import { datasetById, stratifiedSplit } from '../../../tools/bench/paper/datasets.js';
import { dominators, meanStd, writeResults } from '../../../tools/bench/paper/report.js';
import { perNeuronBits, tasks } from '../../../tools/bench/paper/run.js';
import { readModel } from '../../../formats/index.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, readFileSync } from 'node:fs';
import type { Dataset } from '../../../tools/train/data.js';
import { hasSharedDatasets, repoRoot, sharedDatasets, testdataDir } from '../../support/paths.js';

function toyClassification(rows: number, classes: number[]): Dataset {
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) labels[i] = classes[i % classes.length];
  const x = Float32Array.from({ length: rows }, (_, i) => i);
  return { source: 'toy', task: 'classification', featureNames: ['i'], rows, features: 1, x, labels, classes: ['a', 'b', 'c'], targets: null, targetNames: ['y'] };
}

test('stratifiedSplit › disjoint parts of the requested sizes, class shares kept, same rows for the same seed', () => {
  // Class 0 is 3/4 of the rows, class 2 one in 8.
  const ds = toyClassification(8000, [0, 0, 0, 0, 0, 0, 1, 2]);
  const s = stratifiedSplit(ds, 7, { train: 4000, val: 1000, test: 2000 });
  assert.deepEqual([s.train.rows, s.val.rows, s.test.rows], [4000, 1000, 2000]);
  const seen = new Set<number>();
  for (const part of [s.train, s.val, s.test]) for (const v of part.x) { assert.ok(!seen.has(v), `row ${v} in two parts`); seen.add(v); }
  const share = (d: Dataset, c: number) => d.labels!.filter((l) => l === c).length;
  assert.deepEqual([share(s.train, 0), share(s.train, 1), share(s.train, 2)], [3000, 500, 500]);
  assert.deepEqual([share(s.test, 0), share(s.test, 1), share(s.test, 2)], [1500, 250, 250]);
  assert.deepEqual(stratifiedSplit(ds, 7, { train: 4000, val: 1000, test: 2000 }).train.x, s.train.x);
  assert.notDeepEqual(stratifiedSplit(ds, 8, { train: 4000, val: 1000, test: 2000 }).train.x, s.train.x);
  assert.throws(() => stratifiedSplit(ds, 1, { train: 8000, val: 1, test: 0 }), /8001 rows requested, 8000 available/);
});

test('vod › X and Y are joined on TimeStamp; a row whose instants differ is refused with its row number', async () => {
  const root = await mkdtemp(join(tmpdir(), 'nmp-paper-'));
  await mkdir(join(root, 'kth_vod'));
  const x = 'TimeStamp,a,b\n100,1,2\n101,3,4\n102,5,6\n';
  await writeFile(join(root, 'kth_vod', 'vod_ep2420_X.csv.gz'), gzipSync(x));
  await writeFile(join(root, 'kth_vod', 'vod_ep2420_Y.csv.gz'), gzipSync('TimeStamp,DispFrames\n100.0,10\n101.0,20\n102.0,30\n'));
  const ds = await datasetById('vod').load(root);
  assert.equal(ds.task, 'regression');
  assert.deepEqual(ds.featureNames, ['a', 'b']);
  assert.deepEqual([...ds.x], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...ds.targets!], [10, 20, 30]);
  await writeFile(join(root, 'kth_vod', 'vod_ep2420_Y.csv.gz'), gzipSync('TimeStamp,DispFrames\n100.0,10\n101.5,20\n102.0,30\n'));
  await assert.rejects(datasetById('vod').load(root), /row 2: X TimeStamp 101 and Y TimeStamp 101.5 differ/);
});

test('shared data sets › VoD, QoE and HIGGS load as the suite describes them', { skip: hasSharedDatasets ? false : `${sharedDatasets} absent` }, async () => {
  const vod = await datasetById('vod').load(sharedDatasets);
  assert.deepEqual([vod.rows, vod.features], [3600, 12]);
  const mean = vod.targets!.reduce((a, b) => a + b, 0) / vod.rows;
  assert.ok(Math.abs(mean - 20.283) < 1e-3, `DispFrames mean ${mean}`);
  const qoe = await datasetById('qoe').load(sharedDatasets);
  assert.equal(qoe.rows, 1543);
  assert.ok(!qoe.featureNames.some((f) => f.startsWith('QoF_') || f === 'id' || f === 'user_id'), qoe.featureNames.join(','));
  assert.deepEqual(qoe.classes, ['1', '2', '3', '4', '5']);
  const higgs = await datasetById('higgs').load(sharedDatasets);
  assert.deepEqual([higgs.rows, higgs.features, higgs.classes!.length], [10984, 28, 2]);
});

test('tasks › seed-major order, fp32 once per seed and data set, the ablation default reuses the grid run', () => {
  const list = tasks(['grid', 'ablation', 'target'], ['qoe'], [1, 2], [1]);
  assert.equal(gridConfigs().length, 15);
  assert.equal(list.filter((t) => t.suite === 'grid').length, 30);
  assert.equal(list.filter((t) => t.suite === 'target').length, 3);
  assert.equal(list.filter((t) => t.suite === 'ablation').length, 18);
  assert.ok(!list.some((t) => t.suite === 'ablation' && t.config.id === 'default'));
  const firstSeed2 = list.findIndex((t) => t.seed === 2);
  assert.ok(list.slice(0, firstSeed2).every((t) => t.seed === 1) && list.slice(firstSeed2).every((t) => t.seed === 2));
  assert.equal(list.filter((t) => t.seed === 1 && t.config.id === 'fp32' && t.suite === 'grid').length, 1);
});

test('meanStd and dominators › sample std; the Pareto verdict for higher- and lower-is-better metrics', () => {
  const m = meanStd([1, 2, 3]);
  assert.deepEqual([m.mean, m.std, m.n], [2, 1, 3]);
  assert.equal(meanStd([5]).std, 0);
  const ours = { bytes: 100, metric: 0.8 };
  assert.deepEqual(dominators(ours, [{ bytes: 90, metric: 0.79 }, { bytes: 200, metric: 0.9 }, { bytes: 100, metric: 0.8 }], true), []);
  assert.deepEqual(dominators(ours, [{ bytes: 90, metric: 0.8 }], true), [{ bytes: 90, metric: 0.8 }]);
  assert.deepEqual(dominators(ours, [{ bytes: 100, metric: 0.81 }], true), [{ bytes: 100, metric: 0.81 }]);
  // MSE: lower is better.
  assert.deepEqual(dominators({ bytes: 100, metric: 5 }, [{ bytes: 50, metric: 6 }], false), []);
  assert.deepEqual(dominators({ bytes: 100, metric: 5 }, [{ bytes: 50, metric: 4 }], false), [{ bytes: 50, metric: 4 }]);
});

test('writeResults › tables with the paper beside ours, runtime agreement and the Pareto verdict from run records', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nmp-paper-runs-'));
  const record = (config: string, seed: number, acc: number, bytes: number, avgWeightBits: number): RunRecord => ({
    suite: 'grid', dataset: 'higgs', config, seed, commit: 'abc1234', options: {}, rows: { train: 8, val: 1, test: 1 }, seconds: 1, bestEpoch: 1, epochsRun: 2,
    trainer: { test_accuracy: acc, test_f1_macro: acc, avg_weight_bits: avgWeightBits, avg_act_bits: 6, model_bytes: bytes },
    runtime: { accuracy: acc, f1_macro: acc }, runtimeEqualsTrainer: true, warnings: [],
  });
  await mkdir(join(dir, 'grid', 'higgs'), { recursive: true });
  const put = (r: RunRecord) => writeFile(join(dir, 'grid', 'higgs', `${r.config}.s${r.seed}.json`), JSON.stringify(r));
  for (const seed of [1, 2, 3]) {
    await put(record('fp32', seed, 0.7, 800000, 8));
    await put(record('uniform1-wa', seed, 0.6 + seed / 100, 150000, 1));
    await put(record('nmpbudget-wa', seed, 0.66, 190000, 1.5));
  }
  const analysis = join(dir, 'analysis.md');
  await writeFile(analysis, '## Analysis\n\nHand-written text.\n');
  const out = await writeResults({ runsDir: dir, analysis, out: join(dir, 'RESULTS.md') });
  const md = await readFile(out, 'utf8');
  assert.match(md, /9 runs, trained at commit `abc1234`/);
  assert.match(md, /For 9 of 9 runs the runtime's test metrics equal the trainer's exactly/);
  assert.match(md, /Hand-written text\./);
  assert.match(md, /## Higgs, weights \+ activations \(paper Table 1\)/);
  // Paper cell beside ours: uniform 1-bit, Table 1, Higgs accuracy 0.667 ± 0.001; ours mean 0.62 with sample std 0.01.
  assert.match(md, /\| uniform 1 \| 0\.667 ± 0\.001 \| 0\.620 ± 0\.010 \|/);
  assert.match(md, /budgeted NMP-QAT is on the front/);
  // The figure beside it: a standalone SVG (namespace and styles inside) with one point per method.
  assert.match(md, /!\[Higgs, weights \+ activations: test accuracy against file bytes \(mean of seeds\)\]\(figures\/higgs-wa\.svg\)/);
  const svg = await readFile(join(dir, 'figures', 'higgs-wa.svg'), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*><style>/);
  assert.equal(svg.match(/<circle /g)?.length, 3);
  assert.equal(svg.match(/class="pt hl"/g)?.length, 1);
  await put(record('uniform1-wa', 1, 0.7, 150000, 1));
  await put(record('uniform1-wa', 2, 0.7, 150000, 1));
  await put(record('uniform1-wa', 3, 0.7, 150000, 1));
  const md2 = await readFile(await writeResults({ runsDir: dir, analysis, out: join(dir, 'RESULTS.md') }), 'utf8');
  assert.match(md2, /budgeted NMP-QAT is dominated\*\* by uniform 1 \(0\.700, 146\.5 KiB\)/);
});

test('perNeuronBits › each neuron counted once, unlike the per-weight average', () => {
  for (const f of readdirSync(testdataDir).filter((n) => n.endsWith('.nmp'))) {
    const bytes = new Uint8Array(readFileSync(join(testdataDir, f)));
    const m = readModel(bytes);
    const ws = m.layers.flatMap((l) => [...l.weightBits]);
    const as = m.layers.flatMap((l) => (l.act ? [...l.act.bits] : []));
    const got = perNeuronBits(bytes);
    assert.equal(got.weight, ws.reduce((a, b) => a + b, 0) / ws.length, f);
    assert.equal(got.act, as.length ? as.reduce((a, b) => a + b, 0) / as.length : 0, f);
  }
});

test('run.js › a malformed option stops before any training, naming the option', async () => {
  const run = join(repoRoot, 'dist/tools/bench/paper/run.js');
  for (const [args, msg] of [[['--jobs', 'abc'], /--jobs takes whole numbers >= 1 - got 'abc'/], [['--seeds', '1,x'], /--seeds takes whole numbers >= 1 - got 'x'/], [['--sutes', 'grid'], /unknown option --sutes/]] as const) {
    await assert.rejects(promisify(execFile)(process.execPath, [run, ...args]), (e: Error & { code?: number; stderr?: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr!, msg);
      return true;
    });
  }
});
