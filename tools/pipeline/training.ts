/** @fileoverview Training in worker threads: one run with its progress lines, or several methods on one split, `jobs` at a time. */

import { Worker } from 'node:worker_threads';
import type { Dataset } from '../train/data.js';
import type { FloatPhase, TrainOptions } from '../train/index.js';
import { optionsFor } from './methods.js';

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
  /** The run's float phase (or, for fp32, the run itself), reusable by other methods on the same split. */
  floatPhase?: FloatPhase;
}

/**
 * One training run in a worker thread: its progress lines (terminal control codes stripped) go to `onProgress`, `done`
 * settles when the worker exits. The worker is returned so that a caller can terminate it.
 */
export function startTraining(split: { train: Dataset; val: Dataset; test?: Dataset }, options: TrainOptions & { floatPhase?: FloatPhase }, onProgress: (line: string) => void): { worker: Worker; done: Promise<TrainingDone> } {
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
 * Trains several methods (names of METHODS) on one split, `jobs` at a time in worker threads (each run single-threaded
 * and seeded, so the bytes are the same for any `jobs`). fp32 trains first, alone: it is the float phase every quantised
 * method starts from, so they share it instead of each training its own. Each run's progress lines go to `onProgress`
 * with its method. Results in `methods` order (fp32 only if asked for).
 */
export async function trainInWorkers(
  split: { train: Dataset; val: Dataset; test: Dataset }, methods: string[], options: TrainOptions, jobs: number,
  onProgress: (method: string, line: string) => void,
): Promise<WorkerResult[]> {
  const results: WorkerResult[] = new Array(methods.length);
  const running = new Set<Worker>();
  let floatPhase: FloatPhase | undefined;
  const runOne = async (method: string): Promise<WorkerResult> => {
    const { worker, done } = startTraining(split, { ...optionsFor(method, options), ...(floatPhase ? { floatPhase } : {}) }, (line) => onProgress(method, line));
    running.add(worker);
    try {
      const m = await done;
      floatPhase ??= m.floatPhase;
      return { method, bytes: m.bytes, metrics: m.metrics, warnings: m.warnings, seconds: m.seconds };
    } catch (e) {
      throw new Error(`${method}: ${(e as Error).message}`);
    } finally {
      running.delete(worker);
    }
  };
  const quantised = methods.filter((m) => m !== 'fp32');
  const fp32 = methods.indexOf('fp32');
  let next = 0, failed = false;
  try {
    if (fp32 >= 0 || quantised.length > 1) {
      const r = await runOne('fp32');
      if (fp32 >= 0) results[fp32] = r;
    }
    const lanes = Array.from({ length: Math.max(1, Math.min(jobs, quantised.length)) }, async () => {
      while (next < quantised.length && !failed) {
        const method = quantised[next++];
        results[methods.indexOf(method)] = await runOne(method);
      }
    });
    await Promise.all(lanes);
  } catch (e) {
    // One failure ends the comparison: stop the lanes and the trainings still running.
    failed = true;
    await Promise.all([...running].map((w) => w.terminate()));
    throw e;
  }
  return results;
}
