/**
 * @fileoverview (a) GEMV kernel throughput per weight width, layer shape and module, driven by the modules' export list
 * (names per assembly/kernels/README.md). Weights are packed here straight from the ABI text, so every timed kernel is
 * first checked bit for bit against formats' dotRowReference: a packer or kernel that disagrees with the README fails.
 */

import { dotRowReference, packRow, rowBytes, weightCodeRange } from '../../formats/index.js';
import { measureRate } from './harness.js';
import { rng } from './models.js';
import type { KernelRow } from './report.js';

/** Export-name grammar of assembly/kernels/README.md. */
const KERNEL_NAME = /^gemv_w(\d+|N)a(\d+|N)_r(\d+)__(\w+)$/;

export interface WasmModuleInfo {
  name: string;
  bytes: Uint8Array;
}

interface Memory {
  memory: WebAssembly.Memory;
  base: number;
}

/** Instantiates a runtime module with no imports (both builds are import-free by design). */
export function instantiate(bytes: Uint8Array): WebAssembly.Instance {
  // Copy: WebAssembly.Module wants an ArrayBuffer-backed view (a Node Buffer may be a slice of a shared pool).
  return new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)), {});
}

/** Bump allocator over the module's memory from heapBase(), 16-byte aligned; grows memory as needed. */
class Arena {
  private top: number;
  constructor(private readonly mem: Memory) {
    this.top = (mem.base + 15) & ~15;
  }
  alloc(n: number): number {
    const p = this.top;
    this.top = (p + n + 15) & ~15;
    const need = this.top - this.mem.memory.buffer.byteLength;
    if (need > 0) this.mem.memory.grow(Math.ceil(need / 65536));
    return p;
  }
  get u8(): Uint8Array {
    return new Uint8Array(this.mem.memory.buffer);
  }
  get dv(): DataView {
    return new DataView(this.mem.memory.buffer);
  }
}

/** W-bit field stored for a weight value: 1-bit is the file's u (w = 2u - 1), wider widths two's complement. */
function field(v: number, W: number): number {
  return W === 1 ? (v > 0 ? 1 : 0) : v & ((1 << W) - 1);
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
          if (e < k) lane |= field(codes[r]![e]!, W) << (16 - W * (q + 1));
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
      const f = field(codes[r]![e]!, W);
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

/** Kernel families this harness knows how to feed, keyed by the name's part after `__`. */
type Family = 'simd128_dot16' | 'scalar_popcnt' | 'scalar';

export interface KernelBenchResult {
  rows: KernelRow[];
  skipped: string[];
}

/** Benchmarks every GEMV export of every module on every shape; exports of unknown families are listed as skipped. */
export function benchKernels(modules: WasmModuleInfo[], o: KernelBenchOptions): KernelBenchResult {
  const rows: KernelRow[] = [];
  const skipped: string[] = [];
  for (const mod of modules) {
    const inst = instantiate(mod.bytes);
    const ex = inst.exports as Record<string, unknown>;
    const memory = ex['memory'] as WebAssembly.Memory;
    const heapBase = ex['heapBase'] as (() => number) | undefined;
    const names = Object.keys(ex).filter((n) => KERNEL_NAME.test(n)).sort();
    for (const name of names) {
      const [, wTok, , , isa] = KERNEL_NAME.exec(name)!;
      const family = isa as Family;
      if (!['simd128_dot16', 'scalar_popcnt', 'scalar'].includes(family)) {
        skipped.push(`${mod.name}:${name} (unknown layout family '${isa}')`);
        continue;
      }
      const widths = wTok === 'N' ? o.widths : [Number(wTok)];
      if (!widths.some((w) => o.widths.includes(w))) continue; // e.g. w3/w5..w7: not in the 1/2/4/8 table
      for (const W of widths.filter((w) => o.widths.includes(w))) {
        for (const [nRows, k] of o.shapes) {
          // A fresh arena per case: earlier cases never shift this one's alignment.
          const arena = new Arena({ memory, base: heapBase ? heapBase() : 1024 });
          const r = rng(o.seed + W * 1000 + k);
          const [lo, hi] = weightCodeRange(W);
          const codes = Array.from({ length: nRows }, () =>
            Int32Array.from({ length: k }, () => (W === 1 ? (r() < 0.5 ? -1 : 1) : lo + Math.floor(r() * (hi - lo + 1)))),
          );
          const acts = Int32Array.from({ length: k }, () => Math.floor(r() * 2 ** o.actBits));
          const bias = Int32Array.from({ length: nRows }, () => Math.floor(r() * 2001) - 1000);
          const rb = rowBytes(k, W);
          const canonical = new Uint8Array(nRows * rb);
          codes.forEach((c, i) => canonical.set(packRow(c, W), i * rb));
          const expected = codes.map((_, i) => dotRowReference(canonical, i * rb, W, acts, bias[i]!));
          const rows4 = Math.ceil(nRows / 4) * 4;
          const pBias = arena.alloc(rows4 * 4);
          const pOut = arena.alloc(rows4 * 4);
          arena.u8.set(new Uint8Array(Int32Array.from({ length: rows4 }, (_, i) => bias[i] ?? 0).buffer), pBias);
          let call: () => void;
          const fn = ex[name] as (...a: number[]) => void;
          if (family === 'simd128_dot16') {
            const kPad = Math.ceil(k / 128) * 128;
            const pW = arena.alloc(packSimdLayout(codes, k, W).length);
            arena.u8.set(packSimdLayout(codes, k, W), pW);
            const pX = arena.alloc(kPad * 2);
            const x16 = new Int16Array(kPad);
            x16.set(acts);
            arena.u8.set(new Uint8Array(x16.buffer), pX);
            call = () => fn(pW, pX, pBias, pOut, nRows, k);
          } else if (family === 'scalar_popcnt') {
            const wp = packPopcntWeights(codes, k, W);
            const pW = arena.alloc(wp.length);
            arena.u8.set(wp, pW);
            const xp = packPopcntActs(acts, o.actBits);
            const pX = arena.alloc(xp.length);
            arena.u8.set(xp, pX);
            call = () => fn(pW, pX, pBias, pOut, nRows, Math.ceil(k / 64), o.actBits);
          } else {
            const pW = arena.alloc(canonical.length);
            arena.u8.set(canonical, pW);
            const pX = arena.alloc(k * 2);
            arena.u8.set(new Uint8Array(Int16Array.from(acts).buffer), pX);
            call = () => fn(pW, rb, W, pX, pBias, pOut, nRows, k);
          }
          try {
            call();
          } catch (e) {
            // The scalar build keeps the SIMD exports as `unreachable` stubs (one export list for both builds).
            if (e instanceof WebAssembly.RuntimeError && /unreachable/.test(e.message)) {
              skipped.push(`${mod.name}:${name} (traps in this build: ${e.message})`);
              break;
            }
            throw e;
          }
          const got = new Int32Array(memory.buffer.slice(pOut, pOut + nRows * 4));
          const bad = expected.findIndex((v, i) => v !== got[i]);
          if (bad >= 0) {
            throw new Error(
              `${mod.name}:${name} W=${W} ${nRows}x${k}: row ${bad} = ${got[bad]}, expected ${expected[bad]} ` +
                `(formats dotRowReference; layout per assembly/kernels/README.md)`,
            );
          }
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
  }
  return { rows, skipped };
}
