/**
 * @fileoverview Relaxed SIMD measured where it runs: executed by Deno (`deno run --allow-read --allow-env
 * dist/tools/bench/relaxed.js [--quick] [--mixes a,b]`, which run.ts does when Deno is installed), since Node 20 cannot run relaxed.wasm.
 * Times relaxed.wasm's kernels against simd.wasm's on the same layouts, and the benchmark models through loadModel with
 * backend 'relaxed' and 'simd' in alternating rounds (outputs checked against predictReference first). Prints one JSON
 * line (RelaxedReport); no file is written here.
 */

import { predictReference } from '../../formats/index.js';
import { loadModel } from '../../runtime/index.js';
import { checkCase, kernelPlan, prepareCase } from './kernels.js';
import { BIT_MIXES, buildBenchModel, inputs, randomFloatMlp, shapeName } from './models.js';

export interface RelaxedKernelRow { module: string; kernel: string; weightBits: number; actBits: number; rows: number; cols: number; gmacPerSec: number }
export interface RelaxedModelRow {
  shape: string;
  mix: string;
  /** Medians over rounds of each backend's p50, microseconds, and the median of the per-round ratios relaxed / simd. */
  simdP50: number;
  relaxedP50: number;
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  rounds: number;
  /** Kernels the relaxed plan ran, e.g. `dot8:1536 lut a4 w1:...` (the planner's choice under RELAXED_COST). */
  relaxedKernels: string;
}
export interface RelaxedReport { deno: string; v8: string; kernels: RelaxedKernelRow[]; models: RelaxedModelRow[] }

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)]!;

/** Best-of-rounds calls per second of `fn` (min time per call over `rounds` rounds of `ms` milliseconds). */
function rate(fn: () => void, rounds: number, ms: number): number {
  for (let i = 0; i < 20; i++) fn();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < ms) {
      fn();
      n++;
    }
    best = Math.min(best, (performance.now() - t0) / n);
  }
  return 1000 / best;
}

/** p50 of `samples` single timed calls, microseconds. */
function p50(fn: () => unknown, samples: number): number {
  const t = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    fn();
    t[i] = (performance.now() - t0) * 1000;
  }
  return median(Array.from(t));
}

async function main(): Promise<void> {
  const quick = Deno.args.includes('--quick');
  const at = Deno.args.indexOf('--mixes');
  const mixes = at >= 0 ? Deno.args[at + 1]!.split(',') : BIT_MIXES.map((m) => m.name);
  const wasmDir = new URL('../../wasm/', import.meta.url);
  const bytes = { simd: await Deno.readFile(new URL('simd.wasm', wasmDir)), relaxed: await Deno.readFile(new URL('relaxed.wasm', wasmDir)) };
  const report: RelaxedReport = { deno: Deno.version.deno, v8: Deno.version.v8, kernels: [], models: [] };
  // Every kernel of both modules on 512x512, timed in alternating rounds (best round per kernel).
  const runs: { row: RelaxedKernelRow; call: () => void; best: number }[] = [];
  for (const [name, wasm] of Object.entries(bytes)) {
    const ex = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(wasm)), {}).exports as Record<string, unknown>;
    const memory = ex['memory'] as WebAssembly.Memory;
    let base = (ex['heapBase'] as () => number)();
    const plan = kernelPlan(Object.keys(ex).filter((n) => /simd128_dot16|_lut$|relaxed_dot8/.test(n) && n.startsWith('gemv')), [1, 2, 4, 8], [4, 8]);
    for (const { name: kernel, family, W, A } of plan.runs) {
      const [rows, k] = [512, 512];
      const c = prepareCase(kernel, family, W, rows, k, base, A, 20260301);
      base = c.base + c.image.length; // cases side by side: each keeps its memory
      const need = base - memory.buffer.byteLength;
      if (need > 0) memory.grow(Math.ceil(need / 65536));
      new Uint8Array(memory.buffer).set(c.image, c.base);
      const f = (ex[kernel] as (...a: number[]) => void).bind(null, ...c.args) as () => void;
      const build = c.tables ? ((ex[c.tables.name] as (...a: number[]) => void).bind(null, ...c.tables.args) as () => void) : null;
      const call = build ? () => { build(); f(); } : f;
      call();
      checkCase(`deno ${name}`, c, (s) => new Int32Array(memory.buffer, c.outPtr + s * c.outStride, rows));
      runs.push({ row: { module: name, kernel, weightBits: W, actBits: A, rows, cols: k, gmacPerSec: 0 }, call, best: Infinity });
    }
  }
  for (let r = 0; r < (quick ? 1 : 7); r++) for (const x of runs) x.best = Math.min(x.best, 1 / rate(x.call, 1, quick ? 5 : 30));
  for (const x of runs) report.kernels.push({ ...x.row, gmacPerSec: (x.row.rows * x.row.cols) / x.best / 1e9 });
  const seed = 20260301;
  const rounds = quick ? 1 : 7, samples = quick ? 20 : 1000;
  for (const sizes of [[54, 256, 256, 7], [54, 512, 512, 512, 512, 7]]) {
    const mlp = randomFloatMlp(sizes, seed);
    const x = inputs(8, sizes[0]!, seed + 1);
    const F = sizes[0]!;
    for (const mix of BIT_MIXES.filter((m) => mixes.includes(m.name))) {
      const bm = buildBenchModel(mlp, mix, seed);
      const ms = { simd: await loadModel(bm.bytes, { backend: 'simd' }), relaxed: await loadModel(bm.bytes, { backend: 'relaxed' }) };
      for (const [b, m] of Object.entries(ms)) {
        for (let r = 0; r < 8; r++) {
          const xr = x.subarray(r * F, (r + 1) * F);
          const got = new Uint32Array(m.predict(xr).buffer), want = new Uint32Array(predictReference(bm.model, xr).buffer);
          if (got.some((v, j) => v !== want[j])) throw new Error(`deno ${b} ${shapeName(sizes)} ${mix.name}: row ${r} differs from predictReference`);
        }
      }
      const x1 = x.subarray(0, F), y = new Float32Array(ms.simd.info.outputs);
      const a: number[] = [], bb: number[] = [], q: number[] = [];
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < 200; i++) ms.simd.predict(x1, y);
        const s = p50(() => ms.simd.predict(x1, y), samples);
        for (let i = 0; i < 200; i++) ms.relaxed.predict(x1, y);
        const t = p50(() => ms.relaxed.predict(x1, y), samples);
        a.push(s);
        bb.push(t);
        q.push(t / s);
      }
      report.models.push({
        shape: shapeName(sizes), mix: mix.name, simdP50: median(a), relaxedP50: median(bb), ratio: median(q), ratioMin: Math.min(...q), ratioMax: Math.max(...q), rounds,
        relaxedKernels: ms.relaxed.info.layers.map((l) => l.kernels.map((g) => `${g.kernel}:${g.rows}`).join(' ')).join(' | '),
      });
      ms.simd.dispose();
      ms.relaxed.dispose();
    }
  }
  console.log(JSON.stringify(report));
}

declare const Deno: { args: string[]; version: { deno: string; v8: string }; readFile(u: URL): Promise<Uint8Array> };
if (typeof Deno !== 'undefined') await main();
