/**
 * @fileoverview (a) GEMV kernel throughput per weight width, layer shape and module, driven by the modules' export list
 * (names per assembly/kernels/README.md). Weights are packed here straight from the ABI text, so every timed kernel is
 * first checked bit for bit against formats' dotRowReference: a packer or kernel that disagrees with the README fails.
 */

import { dotRowReference, encodeCode, packRow, rowBytes, weightCodeRange } from '../../formats/index.js';
import { measureRate } from './harness.js';
import { rng } from './models.js';
import type { KernelRow } from './report.js';

/** Export-name grammar of assembly/kernels/README.md. */
const KERNEL_NAME = /^gemv_w(\d+|N)a(\d+|N)_r(\d+)__(\w+)$/;

export interface WasmModuleInfo {
  name: string;
  bytes: Uint8Array;
}

/** Instantiates a runtime module with no imports (both builds are import-free by design). */
export function instantiate(bytes: Uint8Array): WebAssembly.Instance {
  // Copy: WebAssembly.Module wants an ArrayBuffer-backed view (a Node Buffer may be a slice of a shared pool).
  return new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)), {});
}

/** Bump allocator building a memory image that will be placed at `base` (16-byte aligned offsets, absolute addresses). */
class ImageBuilder {
  private size = 0;
  private parts: [number, Uint8Array][] = [];
  constructor(readonly base: number) {}
  /** Places `bytes` and returns their absolute address. */
  put(bytes: Uint8Array): number {
    const at = (this.size + 15) & ~15;
    this.parts.push([at, bytes]);
    this.size = at + bytes.length;
    return this.base + at;
  }
  image(): Uint8Array {
    const out = new Uint8Array(this.size);
    for (const [at, b] of this.parts) out.set(b, at);
    return out;
  }
}

/** SIMD lane-group layout (README "SIMD"): 4-row blocks of 16-byte chunks, 16/W codes per i16 lane, first code on top. */
export function packSimdLayout(codes: Int32Array[], k: number, W: number): Uint8Array {
  const C = 128 / W;
  const chunks = Math.ceil(k / C);
  const blocks = Math.ceil(codes.length / 4);
  const out = new Uint8Array(blocks * 4 * chunks * 16);
  const dv = new DataView(out.buffer);
  for (let r = 0; r < codes.length; r++) {
    const [b, i] = [r >> 2, r & 3];
    for (let c = 0; c < chunks; c++) {
      for (let l = 0; l < 8; l++) {
        let lane = 0;
        for (let q = 0; q < 16 / W; q++) {
          const e = c * C + q * 8 + l;
          if (e < k) lane |= encodeCode(codes[r]![e]!, W) << (16 - W * (q + 1));
        }
        dv.setUint16(((b * chunks + c) * 4 + i) * 16 + 2 * l, lane, true);
      }
    }
  }
  return out;
}

/** Bit-serial weight planes (README "Scalar"): per row and 64-element word, W u64 planes, plane i = bit i of the field. */
export function packPopcntWeights(codes: Int32Array[], k: number, W: number): Uint8Array {
  const kw = Math.ceil(k / 64);
  const out = new BigUint64Array(codes.length * kw * W);
  for (let r = 0; r < codes.length; r++) {
    for (let e = 0; e < k; e++) {
      const f = encodeCode(codes[r]![e]!, W);
      const word = e >> 6;
      for (let i = 0; i < W; i++) if ((f >> i) & 1) out[(r * kw + word) * W + i]! |= 1n << BigInt(e & 63);
    }
  }
  return new Uint8Array(out.buffer);
}

/** Activation bit planes (README "Scalar"): u64 at (word*a + p) holds bit p of u[word*64 ..]. */
export function packPopcntActs(u: Int32Array, a: number): Uint8Array {
  const kw = Math.ceil(u.length / 64);
  const out = new BigUint64Array(kw * a);
  for (let e = 0; e < u.length; e++) {
    for (let p = 0; p < a; p++) if ((u[e]! >> p) & 1) out[(e >> 6) * a + p]! |= 1n << BigInt(e & 63);
  }
  return new Uint8Array(out.buffer);
}

export interface KernelBenchOptions {
  shapes: [number, number][];
  /** Weight widths to run for kernels whose width is run-time (`wN`). */
  widths: number[];
  /** Activation bits (codes are 0 .. 2^actBits - 1, like a hidden layer's). */
  actBits: number;
  rateTime: number;
  seed: number;
}

/**
 * Layout families this harness knows how to feed (assembly/kernels/README.md), from the name's width token and the part
 * after `__`: `scalar` with width N is the canonical-layout reference, with width 8 the unpacked int8 kernel.
 */
type Family = 'simd128_dot16' | 'scalar_popcnt' | 'scalar_ref' | 'scalar_i8';

function familyOf(wTok: string, isa: string): Family | null {
  if (isa === 'simd128_dot16' || isa === 'scalar_popcnt') return isa;
  if (isa === 'scalar') return wTok === 'N' ? 'scalar_ref' : wTok === '8' ? 'scalar_i8' : null;
  return null;
}

/** One kernel call, ready to run anywhere: a memory image for `base`, the i32 arguments and the exact expected outputs. */
export interface KernelCase {
  name: string;
  W: number;
  rows: number;
  k: number;
  base: number;
  image: Uint8Array;
  args: number[];
  outPtr: number;
  expected: number[];
}

/** The (export, width) pairs of a module's export list this harness runs, plus what it skips and why. */
export function kernelPlan(names: string[], widths: number[]): { runs: { name: string; family: Family; W: number }[]; skipped: string[] } {
  const runs: { name: string; family: Family; W: number }[] = [];
  const skipped: string[] = [];
  for (const name of names.filter((n) => KERNEL_NAME.test(n)).sort()) {
    const [, wTok, , , isa] = KERNEL_NAME.exec(name)!;
    const family = familyOf(wTok!, isa!);
    if (!family) {
      skipped.push(`${name} (layout not known to the benchmark: '${isa}' at width ${wTok})`);
      continue;
    }
    // wN kernels run at every requested width.
    for (const W of wTok === 'N' ? widths : widths.filter((w) => w === Number(wTok))) runs.push({ name, family, W });
  }
  return { runs, skipped };
}

/** Random codes, activations and bias for one case, packed in the family's layout per assembly/kernels/README.md. */
export function prepareCase(name: string, family: Family, W: number, nRows: number, k: number, base: number, actBits: number, seed: number): KernelCase {
  const r = rng(seed + W * 1000 + k);
  const [lo, hi] = weightCodeRange(W);
  const codes = Array.from({ length: nRows }, () =>
    Int32Array.from({ length: k }, () => (W === 1 ? (r() < 0.5 ? -1 : 1) : lo + Math.floor(r() * (hi - lo + 1)))),
  );
  const acts = Int32Array.from({ length: k }, () => Math.floor(r() * 2 ** actBits));
  const bias = Int32Array.from({ length: nRows }, () => Math.floor(r() * 2001) - 1000);
  const rb = rowBytes(k, W);
  const canonical = new Uint8Array(nRows * rb);
  codes.forEach((c, i) => canonical.set(packRow(c, W), i * rb));
  const expected = codes.map((_, i) => dotRowReference(canonical, i * rb, W, acts, bias[i]!));
  const img = new ImageBuilder((base + 15) & ~15);
  const rows4 = Math.ceil(nRows / 4) * 4; // SIMD reads and writes whole 4-row blocks of bias/out
  const pBias = img.put(new Uint8Array(Int32Array.from({ length: rows4 }, (_, i) => bias[i] ?? 0).buffer));
  const pOut = img.put(new Uint8Array(rows4 * 4));
  let args: number[];
  if (family === 'simd128_dot16') {
    const pW = img.put(packSimdLayout(codes, k, W));
    const x16 = new Int16Array(Math.ceil(k / 128) * 128);
    x16.set(acts);
    const pX = img.put(new Uint8Array(x16.buffer));
    args = [pW, pX, pBias, pOut, nRows, k];
  } else if (family === 'scalar_popcnt') {
    const pW = img.put(packPopcntWeights(codes, k, W));
    const pX = img.put(packPopcntActs(acts, actBits));
    args = [pW, pX, pBias, pOut, nRows, Math.ceil(k / 64), actBits];
  } else if (family === 'scalar_i8') {
    const pW = img.put(new Uint8Array(Int8Array.from(codes.flatMap((c) => Array.from(c))).buffer));
    const pX = img.put(new Uint8Array(Int16Array.from(acts).buffer));
    args = [pW, pX, pBias, pOut, nRows, k];
  } else {
    const pW = img.put(canonical);
    const pX = img.put(new Uint8Array(Int16Array.from(acts).buffer));
    args = [pW, rb, W, pX, pBias, pOut, nRows, k];
  }
  return { name, W, rows: nRows, k, base: img.base, image: img.image(), args, outPtr: pOut, expected };
}

/** Throws unless `got` equals the case's reference outputs. */
export function checkCase(where: string, c: KernelCase, got: ArrayLike<number>): void {
  const bad = c.expected.findIndex((v, i) => v !== got[i]);
  if (bad >= 0) {
    throw new Error(
      `${where}:${c.name} W=${c.W} ${c.rows}x${c.k}: row ${bad} = ${got[bad]}, expected ${c.expected[bad]} ` +
        `(formats dotRowReference; layout per assembly/kernels/README.md)`,
    );
  }
}

export interface KernelBenchResult {
  rows: KernelRow[];
  skipped: string[];
}

/** Benchmarks every GEMV export of every module on every shape in V8; exports of unknown families are listed as skipped. */
export function benchKernels(modules: WasmModuleInfo[], o: KernelBenchOptions): KernelBenchResult {
  const rows: KernelRow[] = [];
  const skipped: string[] = [];
  for (const mod of modules) {
    const ex = instantiate(mod.bytes).exports as Record<string, unknown>;
    const memory = ex['memory'] as WebAssembly.Memory;
    const heapBase = (ex['heapBase'] as () => number)();
    const plan = kernelPlan(Object.keys(ex), [1, 2, 4, 8].filter((w) => o.widths.includes(w)));
    skipped.push(...plan.skipped.map((x) => `${mod.name}:${x}`));
    const trapped = new Set<string>();
    for (const { name, family, W } of plan.runs) {
      if (trapped.has(name)) continue;
      const fn = ex[name] as (...a: number[]) => void;
      for (const [nRows, k] of o.shapes) {
        const c = prepareCase(name, family, W, nRows, k, heapBase, o.actBits, o.seed);
        const need = c.base + c.image.length - memory.buffer.byteLength;
        if (need > 0) memory.grow(Math.ceil(need / 65536));
        new Uint8Array(memory.buffer).set(c.image, c.base);
        const call = fn.bind(null, ...c.args) as () => void; // bound once: no per-call spread
        try {
          call();
        } catch (e) {
          // The scalar build keeps the SIMD exports as `unreachable` stubs (one export list for both builds).
          if (e instanceof WebAssembly.RuntimeError && /unreachable/.test(e.message)) {
            skipped.push(`${mod.name}:${name} (traps in this build: ${e.message})`);
            trapped.add(name);
            break;
          }
          throw new Error(`${mod.name}:${name} W=${W} ${nRows}x${k} args [${c.args.join(', ')}]: ${(e as Error).message} (layout per assembly/kernels/README.md?)`);
        }
        checkCase(mod.name, c, new Int32Array(memory.buffer, c.outPtr, nRows));
        const rate = measureRate(`${mod.name}:${name} w${W} ${nRows}x${k}`, call, o.rateTime);
        rows.push({
          backend: mod.name,
          kernel: name,
          weightBits: W,
          actBits: o.actBits,
          rows: nRows,
          cols: k,
          gmacPerSec: (rate.hz * nRows * k) / 1e9,
          rme: rate.rme,
          exact: true,
        });
      }
    }
  }
  return { rows, skipped };
}
