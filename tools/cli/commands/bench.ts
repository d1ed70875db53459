/**
 * @fileoverview `nmp bench model.nmp`: batch-1 latency (p50/p99) and batch-256 throughput per backend on this host,
 * with the model's exact memory. Percentiles come from individually timed calls (benchmark.js reports none).
 */

import type { CommandSpec } from '../args.js';
import { loadOnBackend, readModelArg } from '../data.js';
import { formatBytes, table } from '../format.js';
import type { Model } from '../../../runtime/index.js';
import { rng } from '../../../formats/testdata/random.js';

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
  const r = rng(1);
  const inputs = Float32Array.from({ length: 256 * F }, () => (r() - 0.5) * 4);
  const out = new Float32Array(256 * O);
  const one = new Float32Array(O);
  const deadline = performance.now() + seconds * 500;
  for (let i = 0; i < 200; i++) model.predict(inputs.subarray((i % 256) * F, (i % 256) * F + F), one); // warm-up
  const samples: number[] = [];
  while (performance.now() < deadline && samples.length < 20000) {
    const x = inputs.subarray((samples.length % 256) * F, (samples.length % 256) * F + F);
    const t0 = performance.now();
    model.predict(x, one);
    samples.push(performance.now() - t0);
  }
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

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'Measure a model on this host: p50/p99 latency at batch 1, samples/s at batch 256, per backend, and its exact memory.',
  positionals: [{ name: 'model', help: 'model file (.nmp)' }],
  flags: [
    { name: 'seconds', type: 'number', help: 'time per backend', default: 2 },
    { name: 'json', type: 'boolean', help: 'print JSON' },
  ],
  examples: ['nmp bench model.nmp', 'nmp bench model.nmp --seconds 5 --json'],
  async run(args) {
    const m = await readModelArg(args.positionals[0]);
    const seconds = (args.flags.seconds as number | undefined) ?? 2;
    const results: BackendBench[] = [];
    for (const backend of ['simd', 'scalar'] as const) {
      const model = await loadOnBackend(m.bytes, backend);
      if (!model) continue; // not supported on this host
      results.push(benchModel(model, seconds));
      model.dispose();
    }
    if (args.flags.json) return void console.log(JSON.stringify({ model: m.path, node: process.version, results }, null, 2));
    console.log(`${m.path}: ${m.bytes.length} bytes on ${process.version} (${process.platform}/${process.arch})`);
    console.log(table(
      ['backend', 'p50 us', 'p99 us', 'samples/s (batch 256)', 'weights', 'activations', 'other arena', 'linear memory', 'module'],
      results.map((b) => [b.backend, Number(b.p50us.toFixed(2)), Number(b.p99us.toFixed(2)), Math.round(b.samplesPerSecond),
        formatBytes(b.memory.weights), formatBytes(b.memory.activations), formatBytes(b.memory.total - b.memory.weights - b.memory.activations),
        formatBytes(b.memory.linearMemory), formatBytes(b.memory.module)]),
    ));
  },
};
