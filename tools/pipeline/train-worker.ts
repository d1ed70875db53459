/** @fileoverview One training run in a worker thread (started by training.ts); seeded and single-threaded, so its bytes do not depend on how many run at once. */

import { parentPort, workerData } from 'node:worker_threads';
import { train, type FloatPhase, type TrainOptions } from '../train/index.js';
import type { Dataset } from '../train/data.js';

const { split, options } = workerData as { split: { train: Dataset; val: Dataset; test: Dataset }; options: TrainOptions & { floatPhase?: FloatPhase } };
// Progress lines go to the parent, which prefixes them with the method and prints them.
const progress = { isTTY: false, write: (line: string) => parentPort!.postMessage({ type: 'progress', line }) };
const t0 = performance.now();
const result = await train(split, { ...options, progress: progress as unknown as NodeJS.WritableStream });
parentPort!.postMessage({
  type: 'done',
  bytes: result.bytes,
  metrics: result.metrics,
  warnings: result.log.warnings,
  seconds: (performance.now() - t0) / 1000,
  bestEpoch: result.log.bestEpoch,
  epochsRun: result.log.epochs.length,
  floatPhase: result.floatPhase,
});
