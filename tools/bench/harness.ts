/**
 * @fileoverview Timing primitives: benchmark.js for throughput (mean rate with its margin of error) and our own sampled
 * single-call timings for latency percentiles, which benchmark.js does not report.
 */

import Benchmark from 'benchmark';

/** Latency summary of single calls, microseconds. */
export interface Latency {
  p50: number;
  p99: number;
  mean: number;
  min: number;
  samples: number;
}

/** Throughput of benchmark.js: calls per second and relative margin of error (percent). */
export interface Rate {
  hz: number;
  rme: number;
  samples: number;
}

export interface LatencyOptions {
  /** Untimed calls before sampling, and at least `warmupMs` of them (wasm tier-up happens in the background). */
  warmup: number;
  warmupMs?: number;
  samples: number;
}

function summarise(t: Float64Array): Latency {
  t.sort();
  // Nearest-rank percentiles: p99 of 1000 samples is the 990th smallest, an observed value, never an interpolation.
  const rank = (p: number) => t[Math.min(t.length - 1, Math.max(0, Math.ceil(p * t.length) - 1))]!;
  let sum = 0;
  for (const v of t) sum += v;
  return { p50: rank(0.5), p99: rank(0.99), mean: sum / t.length, min: t[0]!, samples: t.length };
}

/**
 * p50/p99 of `fn` from `samples` individually timed calls after `warmup` untimed ones. Each call is timed on its own
 * (performance.now() has sub-microsecond resolution in Node) because percentiles need the distribution of single
 * calls; benchmark.js times batches of calls and only keeps their means.
 */
export function sampleLatency(fn: () => unknown, o: LatencyOptions): Latency {
  const until = performance.now() + (o.warmupMs ?? 0);
  for (let i = 0; i < o.warmup || performance.now() < until; i++) fn();
  const t = new Float64Array(o.samples);
  for (let i = 0; i < o.samples; i++) {
    const t0 = performance.now();
    fn();
    t[i] = (performance.now() - t0) * 1000;
  }
  return summarise(t);
}

/** As sampleLatency for a call that returns a promise (onnxruntime's `run`); the await is part of what a user pays. */
export async function sampleLatencyAsync(fn: () => Promise<unknown>, o: LatencyOptions): Promise<Latency> {
  const until = performance.now() + (o.warmupMs ?? 0);
  for (let i = 0; i < o.warmup || performance.now() < until; i++) await fn();
  const t = new Float64Array(o.samples);
  for (let i = 0; i < o.samples; i++) {
    const t0 = performance.now();
    await fn();
    t[i] = (performance.now() - t0) * 1000;
  }
  return summarise(t);
}

function rateOf(b: Benchmark, name: string): Rate {
  if (b.error) throw new Error(`benchmark '${name}' failed: ${b.error.message}`);
  return { hz: b.hz, rme: b.stats.rme, samples: b.stats.sample.length };
}

/**
 * benchmark.js sampling budget: `maxTime` seconds in total. A smoke run (maxTime < 0.1 s) also lowers benchmark.js's
 * per-cycle minimum time and sample count, which otherwise dominate (about 0.3 s per measurement).
 */
function budget(maxTime: number): { maxTime: number; minSamples: number; minTime?: number } {
  return maxTime < 0.1 ? { maxTime, minSamples: 2, minTime: maxTime / 4 } : { maxTime, minSamples: 5 };
}

/** Calls per second of a synchronous `fn`, sampled by benchmark.js for about `maxTime` seconds. */
export function measureRate(name: string, fn: () => void, maxTime: number): Rate {
  const b = new Benchmark(name, fn, budget(maxTime));
  b.run({ async: false });
  return rateOf(b, name);
}

/** Calls per second of a promise-returning `fn` (benchmark.js deferred mode). */
export function measureRateAsync(name: string, fn: () => Promise<unknown>, maxTime: number): Promise<Rate> {
  return new Promise((resolve, reject) => {
    const b = new Benchmark(name, {
      defer: true,
      ...budget(maxTime),
      fn: (d: { resolve(): void }) => {
        fn().then(() => d.resolve(), reject);
      },
    });
    b.on('complete', () => {
      try {
        resolve(rateOf(b, name));
      } catch (e) {
        reject(e);
      }
    });
    b.run({ async: true });
  });
}
