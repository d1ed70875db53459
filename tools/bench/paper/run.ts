/**
 * @fileoverview `npm run bench:paper`: trains the paper's 4x512 MLP tables (grid), the ablation and the Covertype target
 * runs on ../shared/datasets, scores every exported model through the runtime, measures its latency, and writes
 * tools/bench/paper/RESULTS.md.
 *
 * Resumable: each finished run is one JSON file under tools/bench/paper/runs/ (committed: the report is regenerated from
 * them without retraining); its model goes to .cache/paper/ (not committed) for the latency pass.
 *
 *   node dist/tools/bench/paper/run.js [--suites grid,ablation,target] [--datasets covertype,higgs,vod,qoe]
 *     [--seeds 1,2,3] [--jobs 2] [--report-only] [--data ../shared/datasets]
 */

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModel, summarizeModel } from '../../../formats/index.js';
import { writeFileAtomic } from '../../../formats/node-io.js';
import { commitOf, listArg, runtimeMetrics, wholeArg, writeJson } from '../suite.js';
import { loadModel } from '../../../runtime/index.js';
import type { Dataset, Split } from '../../train/data.js';
import type { TrainOptions } from '../../train/index.js';
import { startTraining } from '../../pipeline/training.js';
import { sampleLatency } from '../harness.js';
import { ABLATION_DATASET, ablationConfigs, CACHE_DIR, gridConfigs, PROTOCOL, RUNS_DIR, SUITE_DIR, TARGET, targetConfigs, type LatencyRecord, type RunConfig, type RunRecord, type Suite } from './configs.js';
import { datasetById, DATASETS, stratifiedSplit, type PaperDataset } from './datasets.js';
import { writeResults } from './report.js';

export interface Task {
  suite: Suite;
  data: PaperDataset;
  config: RunConfig;
  seed: number;
  epochs: number;
}

export function runPath(suite: Suite, dataset: string, config: string, seed: number, root = RUNS_DIR): string {
  return join(root, suite, dataset, `${config}.s${seed}.json`);
}
const modelPath = (t: { suite: Suite; dataset: string; config: string; seed: number }) => join(CACHE_DIR, t.suite, t.dataset, `${t.config}.s${t.seed}.nmp`);

/** Round by round (seed 1 of everything first), so that an interrupted run still covers every data set and method. */
export function tasks(suites: Suite[], datasets: string[], seeds: number[], targetSeeds: number[]): Task[] {
  const out: Task[] = [];
  const cov = datasetById('covertype');
  const target: PaperDataset = { ...cov, epochs: TARGET.epochs, split: (ds, seed) => stratifiedSplit(ds, seed, TARGET) };
  const ablation = datasetById(ABLATION_DATASET);
  for (const seed of [...new Set([...seeds, ...targetSeeds])].sort((a, b) => a - b)) {
    if (suites.includes('grid') && seeds.includes(seed)) {
      for (const id of datasets) for (const config of gridConfigs()) out.push({ suite: 'grid', data: datasetById(id), config, seed, epochs: datasetById(id).epochs });
    }
    if (suites.includes('target') && targetSeeds.includes(seed)) {
      for (const config of targetConfigs()) out.push({ suite: 'target', data: target, config, seed, epochs: TARGET.epochs });
    }
    // The ablation's default row is the grid's nmp-wa run (same options, same bytes): not trained twice.
    if (suites.includes('ablation') && seeds.includes(seed)) {
      for (const config of ablationConfigs().filter((c) => c.id !== 'default')) out.push({ suite: 'ablation', data: ablation, config, seed, epochs: ablation.epochs });
    }
  }
  return out;
}



/**
 * Averages over neurons, each counted once (the paper's b-bar, Eq. 8), beside the trainer's per-weight average (which
 * sets the bytes): the first layer has a quarter of the hidden neurons but under 4 % of the weights.
 */
export function perNeuronBits(bytes: Uint8Array): { weight: number; act: number } {
  const summary = summarizeModel(readModel(bytes), bytes.length);
  let w = 0, n = 0;
  for (const l of summary.layers) l.weightBitsHistogram.forEach((count, bits) => { w += bits * count; n += count; });
  return { weight: w / n, act: summary.avgActBits ?? 0 };
}

const optionsOf = (t: Task): TrainOptions => ({ ...PROTOCOL, epochs: t.epochs, seed: t.seed, ...t.config.options, createdAt: '2026-01-01T00:00:00.000Z', datasetName: t.data.id });

/** A record counts only if it was trained with the options this task would use now; otherwise it is retrained. */
function isCurrent(t: Task): boolean {
  const path = runPath(t.suite, t.data.id, t.config.id, t.seed);
  if (!existsSync(path)) return false;
  const rec = JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
  return JSON.stringify(rec.options) === JSON.stringify(optionsOf(t));
}


/** Records written before perNeuron existed get it from their cached model, when it is still there. */
async function backfill(list: Task[]): Promise<void> {
  for (const t of list) {
    const rp = runPath(t.suite, t.data.id, t.config.id, t.seed);
    const mp = modelPath({ suite: t.suite, dataset: t.data.id, config: t.config.id, seed: t.seed });
    if (!existsSync(rp) || !existsSync(mp)) continue;
    const rec = JSON.parse(await readFile(rp, 'utf8')) as RunRecord;
    if (rec.perNeuron) continue;
    rec.perNeuron = perNeuronBits(new Uint8Array(await readFile(mp)));
    await writeJson(rp, rec);
  }
}

/** Trains every task without a current record; a failed run is reported and the others go on. Returns the failures. */
async function runAll(list: Task[], jobs: number, dataRoot: string): Promise<string[]> {
  const commit = commitOf(SUITE_DIR);
  const failures: string[] = [];
  const loaded = new Map<string, Promise<Dataset>>();
  const splits = new Map<string, Split>();
  const logFile = join(CACHE_DIR, 'progress.log');
  await mkdir(CACHE_DIR, { recursive: true });
  await backfill(list);
  const todo = list.filter((t) => !isCurrent(t));
  for (const t of todo) if (existsSync(runPath(t.suite, t.data.id, t.config.id, t.seed))) console.log(`${t.suite}/${t.data.id}/${t.config.id}.s${t.seed}: record trained with other options; retraining it`);
  console.log(`${list.length} runs, ${list.length - todo.length} already done, ${todo.length} to train (${jobs} at a time); progress in ${logFile}`);
  let next = 0;
  let finished = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < todo.length) {
      const t = todo[next++];
      const name = `${t.suite}/${t.data.id}/${t.config.id}.s${t.seed}`;
      try {
        await runOne(t, name);
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message}`);
        console.error(`${name}: FAILED - ${(e as Error).message}`);
      }
    }
  };
  const runOne = async (t: Task, name: string) => {
    if (!loaded.has(t.data.id)) loaded.set(t.data.id, t.data.load(dataRoot));
    const ds = await loaded.get(t.data.id)!;
    const splitKey = `${t.suite === 'target' ? 'target' : 'std'}/${t.data.id}/${t.seed}`;
    if (!splits.has(splitKey)) splits.set(splitKey, t.data.split(ds, t.seed));
    const split = splits.get(splitKey)!;
    const options = optionsOf(t);
    const r = await startTraining(split, options, (line) => appendFileSync(logFile, `[${name}] ${line}`)).done;
    const rt = await runtimeMetrics(r.bytes, split.test);
    const equal = Object.entries(rt).every(([k, v]) => r.metrics[`test_${k}`] === v);
    const record: RunRecord = {
      suite: t.suite,
      dataset: t.data.id,
      config: t.config.id,
      seed: t.seed,
      commit,
      options,
      rows: { train: split.train.rows, val: split.val.rows, test: split.test.rows },
      seconds: Math.round(r.seconds * 10) / 10,
      bestEpoch: r.bestEpoch,
      epochsRun: r.epochsRun,
      trainer: r.metrics,
      runtime: rt,
      runtimeEqualsTrainer: equal,
      perNeuron: perNeuronBits(r.bytes),
      warnings: r.warnings.slice(0, 20),
    };
    const mp = modelPath({ suite: t.suite, dataset: t.data.id, config: t.config.id, seed: t.seed });
    await mkdir(dirname(mp), { recursive: true });
    await writeFileAtomic(mp, r.bytes);
    const rp = runPath(t.suite, t.data.id, t.config.id, t.seed);
    await mkdir(dirname(rp), { recursive: true });
    await writeJson(rp, record);
    finished++;
    const metric = t.data.task === 'classification' ? `acc ${rt.accuracy.toFixed(4)}` : `mse ${rt.mse.toFixed(3)}`;
    const eta = ((performance.now() - t0) / 1000 / finished) * (todo.length - finished);
    console.log(`${name}: ${metric}  w ${r.metrics.avg_weight_bits.toFixed(2)}  a ${r.metrics.avg_act_bits.toFixed(2)}  ${r.metrics.model_bytes} B  ${r.seconds.toFixed(0)} s  runtime ${equal ? '==' : '!='} trainer  [${finished}/${todo.length}, ~${Math.round(eta / 60)} min left]`);
    if (!equal) console.error(`${name}: runtime metrics ${JSON.stringify(rt)} differ from the trainer's ${JSON.stringify(r.metrics)}`);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, todo.length)) }, lane));
  return failures;
}

/** p50 latency of the seed-1 model of every (suite, data set, config), one at a time on an otherwise idle process. */
async function measureLatencies(): Promise<void> {
  const path = join(RUNS_DIR, 'latency.json');
  // Models no longer in the cache (a fresh clone) keep their committed figures.
  const out: Record<string, LatencyRecord> = existsSync(path) ? JSON.parse(await readFile(path, 'utf8')) : {};
  for (const suite of ['grid', 'ablation', 'target'] as Suite[]) {
    const dir = join(CACHE_DIR, suite);
    if (!existsSync(dir)) continue;
    for (const ds of (await readdir(dir)).sort()) {
      for (const f of (await readdir(join(dir, ds))).sort()) {
        const m = /^(.*)\.s1\.nmp$/.exec(f);
        if (!m) continue;
        const bytes = new Uint8Array(await readFile(join(dir, ds, f)));
        const rec: Partial<LatencyRecord> = {};
        for (const backend of ['simd', 'scalar'] as const) {
          const model = await loadModel(bytes, { backend });
          const x = new Float32Array(model.info.features).map((_, i) => ((i * 7919) % 13) / 7 - 0.9);
          const y = new Float32Array(model.info.outputs);
          const lat = sampleLatency(() => model.predict(x, y), { warmup: 200, warmupMs: 100, samples: backend === 'simd' ? 2000 : 300 });
          rec[backend === 'simd' ? 'simdP50' : 'scalarP50'] = Math.round(lat.p50 * 10) / 10;
          model.dispose();
        }
        out[`${suite}/${ds}/${m[1]}`] = rec as LatencyRecord;
        console.log(`latency ${suite}/${ds}/${m[1]}: simd ${rec.simdP50} us, scalar ${rec.scalarP50} us`);
      }
    }
  }
  if (Object.keys(out).length) await writeJson(path, out);
}


async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const known = new Set(['--suites', '--datasets', '--seeds', '--target-seeds', '--jobs', '--data', '--report-only', '--no-latency']);
  for (const a of args) if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a} - expected one of ${[...known].join(', ')}`);
  const suites = (listArg(args, '--suites') ?? ['grid', 'ablation', 'target']) as Suite[];
  for (const s of suites) if (!['grid', 'ablation', 'target'].includes(s)) throw new Error(`unknown suite '${s}' - expected grid, ablation or target`);
  const datasets = listArg(args, '--datasets') ?? DATASETS.map((d) => d.id);
  datasets.forEach(datasetById);
  const seeds = (listArg(args, '--seeds') ?? ['1', '2', '3']).map((v) => wholeArg('--seeds', v));
  const targetSeeds = (listArg(args, '--target-seeds') ?? ['1']).map((v) => wholeArg('--target-seeds', v));
  const jobs = wholeArg('--jobs', listArg(args, '--jobs')?.[0] ?? '2');
  const dataRoot = resolve(listArg(args, '--data')?.[0] ?? join(SUITE_DIR, '../../../../shared/datasets'));
  if (!args.includes('--report-only')) {
    if (!existsSync(dataRoot)) throw new Error(`${dataRoot}: no such directory - expected the shared data sets (pass --data DIR)`);
    const failures = await runAll(tasks(suites, datasets, seeds, targetSeeds), jobs, dataRoot);
    if (!args.includes('--no-latency')) await measureLatencies();
    const file = await writeResults();
    console.log(`wrote ${file}`);
    if (failures.length) throw new Error(`${failures.length} run(s) failed (rerun to retry them):\n  ${failures.join('\n  ')}`);
    return;
  }
  console.log(`wrote ${await writeResults()}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: Error) => {
    console.error(`bench:paper: ${e.message}`);
    process.exit(1);
  });
}
