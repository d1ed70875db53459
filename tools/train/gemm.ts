/**
 * @fileoverview Host side of the trainer's WASM GEMM (dist/wasm/train.wasm): an arena of typed views inside one wasm
 * instance's memory, the f32/i32 kernels on those views, and plain-JS versions of both (fallback and test oracle).
 */

import { readFileSync } from 'node:fs';
import { quantizeRow, type TwoBitMode } from './quant.js';

interface TrainExports {
  memory: WebAssembly.Memory;
  trainAbiVersion(): number;
  gemm_f32(a: number, rsA: number, csA: number, b: number, c: number, M: number, N: number, K: number, acc: number): void;
  gemm_i32(a: number, rsA: number, csA: number, b: number, c: number, M: number, N: number, K: number, acc: number): void;
  adam(p: number, g: number, m: number, v: number, n: number, decay: number, b1: number, b2: number, c1: number, c2: number, lr: number, lo: number, hi: number): void;
  addBias(z: number, bias: number, M: number, N: number): void;
  reluMask(x: number, y: number, out: number, n: number): void;
  actQuant(z: number, a: number, inv: number, top: number, step: number, M: number, N: number): void;
  quantizeRows(w: number, inScale: number, inv: number, bits: number, ternary: number, S: number, weff: number, weffT: number, N: number, fin: number): void;
  actBackwardFrozen(z: number, dA: number, dZ: number, inv: number, top: number, clip: number, slope: number, ga: number, M: number, N: number): void;
}

const ABI_VERSION = 3;
let compiled: WebAssembly.Module | null = null;

/** Path of the built kernel module, relative to this file in dist/tools/train/. */
export const TRAIN_WASM_URL = new URL('../../wasm/train.wasm', import.meta.url);

function trainModule(): WebAssembly.Module {
  if (compiled === null) {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(readFileSync(TRAIN_WASM_URL));
    } catch (e) {
      throw new Error(`${TRAIN_WASM_URL.pathname}: cannot read the trainer kernels (${(e as Error).message}) - expected a built file; run \`npm run build\``);
    }
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

type View = Float32Array | Int32Array | Float64Array;

/** First byte of an arena: page 0 holds the module's (tiny) static data. */
const BASE = 65536;

/**
 * Fixed-capacity memory for one trainer or evaluator. All views are carved out at setup, because growing a wasm
 * memory detaches every view of it; each arena has its own instance so arenas never disturb each other.
 */
export class Arena {
  private readonly ex: TrainExports | null;
  private readonly buffer: ArrayBuffer;
  private top: number;
  readonly capacity: number;

  /** @param bytes capacity; @param useWasm false selects the plain-JS kernels (same results bit for bit). */
  constructor(bytes: number, useWasm = true) {
    const need = BASE + Math.ceil(bytes / 16) * 16 + 16 * 64;
    if (useWasm) {
      const ex = new WebAssembly.Instance(trainModule(), {}).exports as unknown as TrainExports;
      if (ex.trainAbiVersion() !== ABI_VERSION) throw new Error(`train.wasm ABI ${ex.trainAbiVersion()} - expected ${ABI_VERSION}; rebuild with \`npm run build\``);
      const pages = Math.ceil(need / 65536);
      const have = ex.memory.buffer.byteLength / 65536;
      if (pages > have) ex.memory.grow(pages - have);
      this.ex = ex;
      this.buffer = ex.memory.buffer;
    } else {
      this.ex = null;
      this.buffer = new ArrayBuffer(need);
    }
    this.top = BASE;
    this.capacity = need;
  }

  /** Forgets every view handed out since construction (they must not be used again), so the memory can be carved anew. */
  reset(): void {
    this.top = BASE;
  }

  get usesWasm(): boolean {
    return this.ex !== null;
  }

  /** A zeroed float32 view of n elements, 16-byte aligned. */
  f32(n: number): Float32Array {
    return new Float32Array(this.buffer, this.take(n * 4), n);
  }

  /** A zeroed float64 view of n elements, 16-byte aligned. */
  f64(n: number): Float64Array {
    return new Float64Array(this.buffer, this.take(n * 8), n);
  }

  /** A zeroed int32 view of n elements, 16-byte aligned. */
  i32(n: number): Int32Array {
    return new Int32Array(this.buffer, this.take(n * 4), n);
  }

  private take(bytes: number): number {
    const p = this.top;
    const end = p + Math.ceil(bytes / 16) * 16;
    if (end > this.capacity) throw new RangeError(`arena of ${this.capacity} bytes exhausted (asked ${bytes} more at ${p})`);
    this.top = end;
    new Uint8Array(this.buffer, p, end - p).fill(0); // memory handed out before a reset() is reused
    return p;
  }

  /** C[M,N] (+)= A * B, A(i,k) = a[i*rsA + k*csA], B [K,N] and C [M,N] row-major; all three views of this arena. */
  gemmF32(a: Float32Array, rsA: number, csA: number, b: Float32Array, c: Float32Array, M: number, N: number, K: number, accumulate: boolean): void {
    if (this.ex) this.ex.gemm_f32(this.ptr(a), rsA, csA, this.ptr(b), this.ptr(c), M, N, K, accumulate ? 1 : 0);
    else gemmF32Js(a, rsA, csA, b, c, M, N, K, accumulate);
  }

  /** As gemmF32 in int32 with wrapping arithmetic. */
  gemmI32(a: Int32Array, rsA: number, csA: number, b: Int32Array, c: Int32Array, M: number, N: number, K: number, accumulate: boolean): void {
    if (this.ex) this.ex.gemm_i32(this.ptr(a), rsA, csA, this.ptr(b), this.ptr(c), M, N, K, accumulate ? 1 : 0);
    else gemmI32Js(a, rsA, csA, b, c, M, N, K, accumulate);
  }

  /** One Adam step on p (adamJs); all four views of this arena and of one length. */
  adam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamHyper): void {
    if (this.ex) this.ex.adam(this.ptr(p), this.ptr(g), this.ptr(m), this.ptr(v), p.length, h.decay, h.b1, h.b2, h.c1, h.c2, h.lr, h.lo, h.hi);
    else adamJs(p, g, m, v, h);
  }

  /** Z[i, j] += bias[j] on M rows of N (Z and bias views of this arena). */
  addBias(z: Float32Array, bias: Float32Array, M: number, N: number): void {
    if (this.ex) this.ex.addBias(this.ptr(z), this.ptr(bias), M, N);
    else for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) z[i * N + j] += bias[j];
  }

  /** out[i] = x[i] > 0 ? y[i] : 0 on n elements: ReLU (y = x) and its backward (y = dA). */
  reluMask(x: Float32Array, y: Float32Array, out: Float32Array, n: number): void {
    if (this.ex) this.ex.reluMask(this.ptr(x), this.ptr(y), this.ptr(out), n);
    else for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? y[i] : 0;
  }

  /**
   * The activation fake-quantiser on M rows of N: a = (x < 1 ? 0 : x >= top[j] ? top[j] : floor(x)) step[j] with
   * x = z inv[j] + 0.5, in f64 as written (inv, top, step: per-column float64 views of this arena).
   */
  actQuant(z: Float32Array, a: Float32Array, inv: Float64Array, top: Float64Array, step: Float64Array, M: number, N: number): void {
    if (this.ex) {
      this.ex.actQuant(this.ptr(z), this.ptr(a), this.ptr(inv), this.ptr(top), this.ptr(step), M, N);
      return;
    }
    for (let i = 0; i < M; i++) {
      const base = i * N;
      for (let j = 0; j < N; j++) {
        // floor(x) for x in [0, n+1) is x | 0 (integer ops are ~2x faster here than Math.floor on doubles).
        const x = z[base + j] * inv[j] + 0.5;
        const n = top[j];
        a[base + j] = (x < 1 ? 0 : x >= n ? n : x | 0) * step[j];
      }
    }
  }

  /**
   * Hard weights of a layer (quant.ts quantizeRow on every row of W [N, fin] times the input scales, at bits[j]): the
   * row scales to S, S q / inScale to Weff and its transpose WeffT (inv = 1 / inScale); all views of this arena.
   */
  quantizeRows(W: Float32Array, inScale: Float64Array, inv: Float64Array, bits: Int32Array, twoBit: TwoBitMode, S: Float64Array, Weff: Float32Array, WeffT: Float32Array, N: number, fin: number): void {
    if (this.ex) {
      this.ex.quantizeRows(this.ptr(W), this.ptr(inScale), this.ptr(inv), this.ptr(bits), twoBit === 'ternary' ? 1 : 0, this.ptr(S), this.ptr(Weff), this.ptr(WeffT), N, fin);
      return;
    }
    const wp = new Float64Array(fin);
    const q = new Int32Array(fin);
    for (let j = 0; j < N; j++) {
      const row = j * fin;
      for (let k = 0; k < fin; k++) wp[k] = W[row + k] * inScale[k];
      const s = quantizeRow(wp, 0, fin, bits[j], twoBit, q, 0);
      S[j] = s;
      for (let k = 0; k < fin; k++) {
        const v = s * q[k] * inv[k];
        Weff[row + k] = v;
        WeffT[k * N + j] = v; // transposed copy for the forward GEMM, written here rather than in a second pass
      }
    }
  }

  /**
   * Backward through the activation quantiser at frozen widths (wasm only; network.ts actBackwardRows is the JS
   * version): dZ from dA inside (0, clip), and ga = d loss / d alpha per column.
   */
  actBackwardFrozen(Z: Float32Array, dA: Float32Array, dZ: Float32Array, inv: Float64Array, top: Float64Array, clip: Float64Array, slope: Float64Array, ga: Float64Array, M: number, N: number): void {
    if (!this.ex) throw new Error('actBackwardFrozen needs the wasm kernels');
    this.ex.actBackwardFrozen(this.ptr(Z), this.ptr(dA), this.ptr(dZ), this.ptr(inv), this.ptr(top), this.ptr(clip), this.ptr(slope), this.ptr(ga), M, N);
  }

  private ptr(v: View): number {
    if (v.buffer !== this.buffer) throw new Error('gemm operand is not a view of this arena');
    return v.byteOffset;
  }
}

/** Adam's constants for one tensor and step: decay (L2), moment rates, bias corrections 1 - b^t, rate and bounds. */
export interface AdamHyper {
  decay: number;
  b1: number;
  b2: number;
  c1: number;
  c2: number;
  lr: number;
  lo: number;
  hi: number;
}

/** Plain-JS Adam step, the reference the wasm kernel (assembly/train/step.ts) reproduces bit for bit. */
export function adamJs(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamHyper): void {
  const { decay, b1, b2, c1, c2, lr, lo, hi } = h;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + decay * p[i];
    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
    let x = p[i] - (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + 1e-8);
    if (x < lo) x = lo;
    else if (x > hi) x = hi;
    p[i] = x;
  }
}

/** Plain-JS f32 GEMM: same per-element order (k ascending, product rounded, then sum rounded) as the wasm kernel. */
export function gemmF32Js(a: Float32Array, rsA: number, csA: number, b: Float32Array, c: Float32Array, M: number, N: number, K: number, accumulate: boolean): void {
  const f = Math.fround;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = accumulate ? c[i * N + j] : 0;
      for (let k = 0; k < K; k++) s = f(s + f(a[i * rsA + k * csA] * b[k * N + j]));
      c[i * N + j] = s;
    }
  }
}

/** Plain-JS i32 GEMM with wrapping arithmetic. */
export function gemmI32Js(a: Int32Array, rsA: number, csA: number, b: Int32Array, c: Int32Array, M: number, N: number, K: number, accumulate: boolean): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = accumulate ? c[i * N + j] : 0;
      for (let k = 0; k < K; k++) s = (s + Math.imul(a[i * rsA + k * csA], b[k * N + j])) | 0;
      c[i * N + j] = s;
    }
  }
}
