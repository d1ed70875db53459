/**
 * @fileoverview Kernel weight layouts (assembly/kernels/README.md) built from weight values, once at load time.
 * Pure functions, no WASM instance: the runtime, the kernel tests and the benchmarks share them.
 */

import { encodeCode } from '../formats/pack.js';

export type Backend = 'simd' | 'scalar';

/**
 * Kernel width that runs a row of file width `bits` (0..8) and fan-in `k`: both backends have 1, 2, 4, 8 layouts
 * (3 -> 4, 5..7 -> 8). SIMD work is proportional to the fan-in padded to a chunk (128 / W elements), so a small fan-in moves
 * to a wider layout when that pads less: 1-bit rows of fan-in 54 run as 2-bit (64 instead of 128 padded elements).
 */
export function kernelBits(backend: Backend, bits: number, k = 0): number {
  let w = bits <= 2 ? bits : bits <= 4 ? 4 : 8;
  if (backend === 'simd' && w > 0) {
    while (w < 8 && Math.ceil(k / simdChunk(2 * w)) * simdChunk(2 * w) < Math.ceil(k / simdChunk(w)) * simdChunk(w)) w *= 2;
  }
  return w;
}

/** Elements per 16-byte row chunk of the SIMD layout of width `w`. */
export const simdChunk = (w: number): number => 128 / w;

/** int16 activations a SIMD layer input needs: fan-in rounded up to 128, the largest chunk, zero padded. */
export const simdActLength = (k: number): number => Math.ceil(k / 128) * 128;

/** Bytes of `rows` rows of fan-in `k` in the SIMD layout of width `w` (rows padded to 4, fan-in to a chunk). */
export function simdRowsBytes(rows: number, k: number, w: number): number {
  return Math.ceil(rows / 4) * 4 * Math.ceil(k / simdChunk(w)) * 16;
}

/** Bytes of `rows` rows of fan-in `k` in the scalar bit-plane layout of width `w`. */
export function scalarRowsBytes(rows: number, k: number, w: number): number {
  return rows * Math.ceil(k / 64) * w * 8;
}

/** Bytes of `k` unsigned activations as `a` interleaved bit planes. */
export function planesBytes(k: number, a: number): number {
  return Math.ceil(k / 64) * a * 8;
}

/**
 * Packs `rows` x `k` weight values (row-major, each within the range of width `w`) into the SIMD lane-group layout.
 * Writes `simdRowsBytes` bytes at `out[offset..]` (which must be zero there) and returns `out`.
 */
export function packSimdRows(values: ArrayLike<number>, rows: number, k: number, w: number, out?: Uint8Array, offset = 0): Uint8Array {
  const dst = out ?? new Uint8Array(simdRowsBytes(rows, k, w));
  const C = simdChunk(w), chunks = Math.ceil(k / C);
  for (let r = 0; r < rows; r++) {
    const rowBase = offset + ((r >> 2) * chunks * 4 + (r & 3)) * 16;
    for (let e = 0; e < k; e++) {
      const f = encodeCode(values[r * k + e], w);
      if (f === 0) continue;
      const c = Math.floor(e / C), q = (e % C) >> 3, l = e & 7;
      const lane = f << (16 - w * (q + 1)); // 16-bit lane value, little-endian in memory
      const p = rowBase + c * 64 + 2 * l;
      dst[p] |= lane & 0xff;
      dst[p + 1] |= lane >> 8;
    }
  }
  return dst;
}

/** Packs `rows` x `k` weight values into the scalar bit-plane layout of width `w` (see packSimdRows for `out`). */
export function packScalarRows(values: ArrayLike<number>, rows: number, k: number, w: number, out?: Uint8Array, offset = 0): Uint8Array {
  const dst = out ?? new Uint8Array(scalarRowsBytes(rows, k, w));
  const kw = Math.ceil(k / 64);
  for (let r = 0; r < rows; r++) {
    for (let e = 0; e < k; e++) {
      const f = encodeCode(values[r * k + e], w);
      const word = e >> 6, bit = e & 63;
      for (let i = 0; i < w; i++) {
        if ((f >> i) & 1) dst[offset + ((r * kw + word) * w + i) * 8 + (bit >> 3)] |= 1 << (bit & 7);
      }
    }
  }
  return dst;
}

/** Packs unsigned activation codes (each < 2^a) into `a` interleaved bit planes (see packSimdRows for `out`). */
export function packPlanes(codes: ArrayLike<number>, a: number, out?: Uint8Array, offset = 0): Uint8Array {
  const dst = out ?? new Uint8Array(planesBytes(codes.length, a));
  for (let e = 0; e < codes.length; e++) {
    const u = codes[e], word = e >> 6, bit = e & 63;
    for (let p = 0; p < a; p++) if ((u >> p) & 1) dst[offset + (word * a + p) * 8 + (bit >> 3)] |= 1 << (bit & 7);
  }
  return dst;
}
