/** @fileoverview Model benchmarking: batch-1 latency (p50/p99 of individually timed calls), batch-256 samples/s and exact memory, per backend. */

import type { Model } from '../../runtime/index.js';
import { BACKENDS, loadOnBackend } from './backend.js';
import { uniformInputs } from './inputs.js';

/** One model on one backend: what `nmp bench`, the main job and the report show. */
export interface BackendBench {
  backend: string;
  p50us: number;
  p99us: number;
  samplesPerSecond: number;
  memory: ReturnType<Model['memory']>;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Measures one loaded model; `seconds` bounds the whole measurement. */
export function benchModel(model: Model, seconds = 1): BackendBench {
  const F = model.info.features, O = model.info.outputs;
  const inputs = uniformInputs(256, F, 1);
  const out = new Float32Array(256 * O);
  const one = new Float32Array(O);
  for (let i = 0; i < 200; i++) model.predict(inputs.subarray((i % 256) * F, (i % 256) * F + F), one); // warm-up
  // The budget starts after the warm-up, and at least one call is timed: on a loaded machine the warm-up alone can
  // outlast a short budget, which left no samples (p50 NaN).
  const deadline = performance.now() + seconds * 500;
  const samples: number[] = [];
  do {
    const x = inputs.subarray((samples.length % 256) * F, (samples.length % 256) * F + F);
    const t0 = performance.now();
    model.predict(x, one);
    samples.push(performance.now() - t0);
  } while (performance.now() < deadline && samples.length < 20000);
  const sorted = Float64Array.from(samples).sort();
  let batches = 0;
  const t0 = performance.now();
  do { model.predictBatch(inputs, 256, out); batches++; } while (performance.now() - t0 < seconds * 500);
  const elapsed = (performance.now() - t0) / 1000;
  return {
    backend: model.info.backend, p50us: percentile(sorted, 0.5) * 1000, p99us: percentile(sorted, 0.99) * 1000,
    samplesPerSecond: (batches * 256) / elapsed, memory: model.memory(),
  };
}

/** benchModel on every backend this host supports, one after the other (a backend it lacks is skipped). */
export async function measureBackends(bytes: Uint8Array, seconds = 1): Promise<BackendBench[]> {
  const rows: BackendBench[] = [];
  for (const backend of BACKENDS) {
    const m = await loadOnBackend(bytes, backend);
    if (!m) continue;
    rows.push(benchModel(m, seconds));
    m.dispose();
  }
  return rows;
}
