/**
 * @fileoverview The steps `train`, `compare` and the main job share: method names to trainer options, training with
 * progress, and the deployment check (the runtime's integer outputs must equal the trainer's, bit for bit).
 */

import { loadOnBackend } from './data.js';
import type { Dataset } from '../train/data.js';
import { IntegerForward, type AnyModel } from '../train/intforward.js';
import { Worker } from 'node:worker_threads';
import type { TrainOptions } from '../train/index.js';
import { UsageError } from './args.js';

export const METHODS = ['nmp', 'fp32', 'uniform:1', 'uniform:1.58', 'uniform:2', 'uniform:4', 'uniform:8', 'layer'] as const;

/** Trainer options of a CLI method name (`uniform:2`, `nmp`, ...). */
export function methodOptions(method: string): Pick<TrainOptions, 'method' | 'uniformBits'> {
  if (method === 'nmp' || method === 'fp32' || method === 'layer') return { method };
  const m = /^uniform:(1|1\.58|2|4|8)$/.exec(method);
  if (m) return { method: 'uniform', uniformBits: Number(m[1]) };
  throw new UsageError(`unknown method '${method}' - expected one of ${METHODS.join(', ')}`);
}

export function parseHidden(v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  const widths = String(v).split(',').map((s) => Number(s.trim()));
  if (!widths.length || widths.some((w) => !Number.isInteger(w) || w < 1 || w > 4096)) {
    throw new UsageError(`--hidden takes comma-separated layer widths 1..4096, e.g. 256,256 - got '${String(v)}'`);
  }
  return widths;
}

export interface DeployCheck {
  rows: number;
  outputs: number;
  /** Accumulators that differ between the trainer's integer forward and the runtime (must be 0). */
  mismatches: number;
  backends: string[];
}

/**
 * Runs `rows` of `ds` through the trainer's integer forward pass and through every runtime backend on this host and
 * counts differing output accumulators. What the trainer reports is then what the runtime deploys.
 */
export async function checkDeployment(result: { model: AnyModel; bytes: Uint8Array }, ds: Dataset): Promise<DeployCheck> {
  const expected = new IntegerForward(result.model).accumulators(ds.x, ds.rows);
  const O = expected.length / Math.max(1, ds.rows);
  let mismatches = 0;
  const backends: string[] = [];
  const acc = new Int32Array(O);
  for (const backend of ['simd', 'scalar'] as const) {
    const rt = await loadOnBackend(result.bytes, backend);
    if (!rt) continue; // this engine has no such backend
    backends.push(backend);
    for (let r = 0; r < ds.rows; r++) {
      rt.predictAccumulators(ds.x.subarray(r * ds.features, (r + 1) * ds.features), acc);
      for (let j = 0; j < O; j++) if (acc[j] !== expected[r * O + j]) mismatches++;
    }
    rt.dispose();
  }
  // A check that compared nothing must not read as a pass.
  if (backends.length === 0) throw new Error('no runtime backend could load the model, so trainer and runtime were not compared');
  if (ds.rows === 0) throw new Error('the test split is empty, so trainer and runtime were not compared; use more rows');
  return { rows: ds.rows, outputs: O, mismatches, backends };
}

export interface WorkerResult {
  method: string;
  bytes: Uint8Array;
  metrics: Record<string, number>;
  warnings: string[];
  seconds: number;
}

/** What a training worker (train-worker.ts) reports when it finishes. */
export interface TrainingDone {
  bytes: Uint8Array;
  metrics: Record<string, number>;
  warnings: string[];
  seconds: number;
  bestEpoch: number;
  epochsRun: number;
}

/**
 * One training run in a worker thread: its progress lines (terminal control codes stripped) go to `onProgress`, `done`
 * settles when the worker exits. The worker is returned so that a caller can terminate it.
 */
export function startTraining(split: { train: Dataset; val: Dataset; test?: Dataset }, options: TrainOptions, onProgress: (line: string) => void): { worker: Worker; done: Promise<TrainingDone> } {
  const worker = new Worker(new URL('./train-worker.js', import.meta.url), { workerData: { split, options } });
  const done = new Promise<TrainingDone>((resolve, reject) => {
    let result: TrainingDone | null = null;
    worker.on('message', (m: { type: string; line?: string } & TrainingDone) => {
      if (m.type === 'progress') onProgress(m.line!.replace(/^\r\x1b\[2K/, ''));
      else result = m;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`training worker exited with code ${code}`))));
  });
  return { worker, done };
}

/**
 * Trains several methods on one split, `jobs` at a time in worker threads (each run single-threaded and seeded, so the
 * bytes are the same for any `jobs`). Progress lines go to stderr prefixed with the method. Results in `methods` order.
 */
export async function trainInWorkers(split: { train: Dataset; val: Dataset; test: Dataset }, methods: string[], options: TrainOptions, jobs: number): Promise<WorkerResult[]> {
  const results: WorkerResult[] = new Array(methods.length);
  const running = new Set<Worker>();
  let next = 0, failed = false;
  const runOne = async (i: number) => {
    const method = methods[i];
    const { worker, done } = startTraining(split, { ...methodOptions(method), ...options }, (line) => process.stderr.write(`[${method}] ${line}`));
    running.add(worker);
    try {
      const m = await done;
      results[i] = { method, bytes: m.bytes, metrics: m.metrics, warnings: m.warnings, seconds: m.seconds };
    } catch (e) {
      throw new Error(`${method}: ${(e as Error).message}`);
    } finally {
      running.delete(worker);
    }
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(jobs, methods.length)) }, async () => {
    while (next < methods.length && !failed) await runOne(next++);
  });
  try {
    await Promise.all(lanes);
  } catch (e) {
    // One failure ends the comparison: stop the lanes and the trainings still running.
    failed = true;
    await Promise.all([...running].map((w) => w.terminate()));
    throw e;
  }
  return results;
}
