/**
 * @fileoverview `npm run bench:alloc`: per data set and seed, fp32 (whose run is the float phase every other method
 * starts from), every uniform code, layer-level and default NMP at four weight budgets, and default NMP at the file bytes
 * of each uniform code; every model scored through the runtime; then tools/train/ALLOCATION.md.
 *
 * Resumable: each finished run is one JSON file under tools/bench/alloc/runs/ (committed: the report is rebuilt from
 * them with --report-only); float phases are cached in .cache/alloc/ so that a resumed data set and seed reuse theirs.
 *
 *   node dist/tools/bench/alloc/run.js [--datasets letter,covertype,shuttle,higgs,qoe] [--seeds 1,2,3,4,5] [--jobs 2]
 *     [--configs fp32,uniform1.58,nmp-w2,...]
 *     [--report-only] [--data ../shared/datasets]
 */

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import { writeFileAtomic } from '../../../formats/node-io.js';
import { commitOf, listArg, runtimeMetrics, wholeArg, writeJson } from '../suite.js';
import type { Dataset, Split } from '../../train/data.js';
import type { FloatPhase, TrainOptions } from '../../train/index.js';
import { resolveOptions } from '../../train/options.js';
import { bytesOf, f32Of } from '../../train/checkpoint.js';
import { startTraining } from '../../pipeline/training.js';
import { ablation, CACHE_DIR, configs, datasetOf, DATASETS, RUNS_DIR, runsOf, SUITE_DIR, type AllocConfig, type AllocDataset, type AllocRecord } from './configs.js';
import { writeAllocation } from './report.js';

const packr = new Packr({ useRecords: false } as ConstructorParameters<typeof Packr>[0]);

export const recordPath = (dataset: string, config: string, seed: number, root = RUNS_DIR) => join(root, dataset, `${config}.s${seed}.json`);
const floatPath = (dataset: string, seed: number) => join(CACHE_DIR, dataset, `fp32.s${seed}.float`);


/** Caches a float phase (msgpack keeps a typed array's bytes, not its type: stored as bytes, read back as float32). */
export async function saveFloatPhase(path: string, phase: FloatPhase): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, packr.pack({ ...phase, snapshot: phase.snapshot.map(bytesOf) }));
}

export async function loadFloatPhase(path: string): Promise<FloatPhase> {
  const cached = packr.unpack(await readFile(path)) as Omit<FloatPhase, 'snapshot'> & { snapshot: Uint8Array[] };
  return { ...cached, snapshot: cached.snapshot.map(f32Of) };
}

/** Options of one run (byte-matched runs need the matched uniform run's record for their budget). */
function optionsOf(d: AllocDataset, c: AllocConfig, seed: number): TrainOptions | null {
  const o: TrainOptions = { ...c.options, seed, createdAt: '2026-01-01T00:00:00.000Z', datasetName: d.id };
  if (!c.matchBytesOf) return o;
  const p = recordPath(d.id, c.matchBytesOf, seed);
  if (!existsSync(p)) return null;
  return { ...o, targetBytes: (JSON.parse(readFileSync(p, 'utf8')) as AllocRecord).trainer.model_bytes };
}

/** Every option as the trainer resolves it for this split: a changed default retrains the run, not only a changed option. */
const resolvedOf = (o: TrainOptions, split: Split) => JSON.stringify(resolveOptions(o, split.train.rows));

/** A record counts only if it was trained with the options, and the trainer defaults, this run would use now. */
function isCurrent(d: AllocDataset, c: AllocConfig, seed: number, split: Split): boolean {
  const p = recordPath(d.id, c.id, seed);
  if (!existsSync(p)) return false;
  const rec = JSON.parse(readFileSync(p, 'utf8')) as AllocRecord;
  const o = optionsOf(d, c, seed);
  return o !== null && JSON.stringify(rec.options) === JSON.stringify(o) && rec.resolved === resolvedOf(o, split);
}


/** Trains every run of one data set and seed that has no current record; returns the failures. */
async function runUnit(d: AllocDataset, ds: Dataset, seed: number, commit: string, log: string, only?: string[]): Promise<string[]> {
  const split: Split = d.split(ds, seed);
  const failures: string[] = [];
  // --configs also orders the runs, so that the runs that matter most finish first when a sitting is cut short.
  const runs = runsOf(d.id, seed);
  const wanted = only ? only.flatMap((id) => runs.filter((c) => c.id === id)) : runs;
  const todo = wanted.filter((c) => !isCurrent(d, c, seed, split));
  if (!todo.length) return failures;
  const fp = floatPath(d.id, seed);
  let floatPhase: FloatPhase | undefined = existsSync(fp) ? await loadFloatPhase(fp) : undefined;
  /** Trains one run and writes its record (fp32: also caches its float phase). */
  const run = async (c: AllocConfig) => {
    const name = `${d.id}/${c.id}.s${seed}`;
    const options = optionsOf(d, c, seed);
    if (!options) throw new Error(`no record of ${c.matchBytesOf} to take the byte budget from`);
    const r = await startTraining(split, { ...options, ...(c.id === 'fp32' ? {} : { floatPhase }) }, (line) => appendFileSync(log, `[${name}] ${line}`)).done;
    if (c.id === 'fp32') {
      floatPhase = r.floatPhase;
      await saveFloatPhase(fp, floatPhase!);
    }
    const rt = await runtimeMetrics(r.bytes, split.test);
    const equal = Object.entries(rt).every(([k, v]) => r.metrics[`test_${k}`] === v);
    const record: AllocRecord = {
      dataset: d.id, config: c.id, seed, commit, options, resolved: resolvedOf(options, split),
      rows: { train: split.train.rows, val: split.val.rows, test: split.test.rows },
      seconds: Math.round(r.seconds * 10) / 10, trainer: r.metrics, runtimeEqualsTrainer: equal, warnings: r.warnings.slice(0, 10),
    };
    const rp = recordPath(d.id, c.id, seed);
    await mkdir(dirname(rp), { recursive: true });
    await writeJson(rp, record);
    const metric = r.metrics.test_accuracy !== undefined ? `acc ${r.metrics.test_accuracy.toFixed(4)}` : `mse ${r.metrics.test_mse.toFixed(4)}`;
    console.log(`${name}: ${metric}  w ${r.metrics.avg_weight_bits.toFixed(2)}  a ${r.metrics.avg_act_bits.toFixed(2)}  in ${(r.metrics.avg_input_bits ?? 0).toFixed(2)}  ${r.metrics.model_bytes} B  ${r.seconds.toFixed(0)} s  runtime ${equal ? '==' : '!='} trainer`);
    if (!equal) throw new Error(`runtime metrics ${JSON.stringify(rt)} differ from the trainer's`);
  };
  const fp32 = configs()[0];
  for (const c of todo) {
    try {
      if (c.id === fp32.id) { await run(c); continue; }
      if (!floatPhase) await run(fp32);
      try {
        await run(c);
      } catch (e) {
        // A float phase cached by older code belongs to other float options: train it again, once.
        if (!/floatPhase belongs to another/.test((e as Error).message)) throw e;
        await run(fp32);
        await run(c);
      }
    } catch (e) {
      failures.push(`${d.id}/${c.id}.s${seed}: ${(e as Error).message}`);
      console.error(`${d.id}/${c.id}.s${seed}: FAILED - ${(e as Error).message}`);
    }
  }
  return failures;
}


async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const known = new Set(['--datasets', '--seeds', '--configs', '--jobs', '--data', '--report-only']);
  for (const a of args) if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a} - expected one of ${[...known].join(', ')}`);
  const datasets = (listArg(args, '--datasets') ?? DATASETS.map((d) => d.id)).map(datasetOf);
  const seeds = (listArg(args, '--seeds') ?? ['1', '2', '3', '4', '5']).map((v) => wholeArg('--seeds', v));
  // A subset of the runs (ids as in configs.ts), for data sets too big to train every run on this machine in one sitting.
  const only = listArg(args, '--configs');
  const ids = new Set([...configs(), ...ablation()].map((c) => c.id));
  for (const c of only ?? []) if (!ids.has(c)) throw new Error(`--configs: unknown run '${c}' - expected ids such as ${[...ids].slice(0, 6).join(', ')}, ... (tools/bench/alloc/configs.ts)`);
  const jobs = wholeArg('--jobs', listArg(args, '--jobs')?.[0] ?? '2');
  const dataRoot = resolve(listArg(args, '--data')?.[0] ?? join(SUITE_DIR, '../../../../shared/datasets'));
  if (!args.includes('--report-only')) {
    if (!existsSync(dataRoot)) throw new Error(`${dataRoot}: no such directory - expected the shared data sets (pass --data DIR)`);
    await mkdir(CACHE_DIR, { recursive: true });
    const log = join(CACHE_DIR, 'progress.log');
    const commit = commitOf(SUITE_DIR);
    // Seed-major, so that an interrupted run still covers every data set.
    const units = seeds.flatMap((seed) => datasets.map((d) => ({ d, seed })));
    console.log(`${units.length} data set x seed units, ${configs().length} runs each (plus the ablation on some), ${jobs} at a time; progress in ${log}`);
    const loaded = new Map<string, Promise<Dataset>>();
    const failures: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, units.length)) }, async () => {
      while (next < units.length) {
        const { d, seed } = units[next++];
        if (!loaded.has(d.id)) loaded.set(d.id, d.load(dataRoot));
        failures.push(...await runUnit(d, await loaded.get(d.id)!, seed, commit, log, only));
      }
    }));
    console.log(`wrote ${await writeAllocation()}`);
    if (failures.length) throw new Error(`${failures.length} run(s) failed (rerun to retry them):\n  ${failures.join('\n  ')}`);
    return;
  }
  console.log(`wrote ${await writeAllocation()}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: Error) => {
    console.error(`bench:alloc: ${e.message}`);
    process.exit(1);
  });
}
