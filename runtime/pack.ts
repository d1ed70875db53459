/**
 * @fileoverview Kernel weight layouts (assembly/kernels/README.md) built from weight values, once at load time.
 * Pure functions, no WASM instance: the runtime, the kernel tests and the benchmarks share them.
 */

import { encodeCode } from '../formats/pack.js';

/** The runtime's modules: simd.wasm, relaxed.wasm (SIMD + relaxed SIMD, same layouts plus int8 dot rows), scalar.wasm. */
export type Backend = 'simd' | 'relaxed' | 'scalar';

/**
 * Kernel width that runs a row of file width `bits` (0..8) and fan-in `k`: both backends have 1, 2, 4, 8 layouts
 * (3 -> 4, 5..7 -> 8). SIMD work is proportional to the fan-in padded to a chunk (128 / W elements), so a small fan-in moves
 * to a wider layout when that pads less: 1-bit rows of fan-in 54 run as 2-bit (64 instead of 128 padded elements).
 */
export function kernelBits(backend: Backend, bits: number, k = 0): number {
  let w = bits <= 2 ? bits : bits <= 4 ? 4 : 8;
  if (backend !== 'scalar' && w > 0) {
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
 * Packs `rows` x `k` weight values (row-major, each within the range of width `w`) into the SIMD lane-group layout, or for
 * w = 8 into int8 rows (4-row blocks; per 16 columns, 16 bytes of each row of the block in turn).
 * Writes `simdRowsBytes` bytes at `out[offset..]` (which must be zero there) and returns `out`.
 */
export function packSimdRows(values: ArrayLike<number>, rows: number, k: number, w: number, out?: Uint8Array, offset = 0): Uint8Array {
  const dst = out ?? new Uint8Array(simdRowsBytes(rows, k, w));
  const C = simdChunk(w), chunks = Math.ceil(k / C);
  if (w === 8) {
    for (let r = 0; r < rows; r++) {
      const rowBase = offset + ((r >> 2) * chunks * 4 + (r & 3)) * 16;
      // 16 elements at a time to consecutive bytes (a Uint8Array store keeps the low 8 bits).
      for (let c = 0, src = r * k; c < chunks; c++, src += 16) {
        const d = rowBase + c * 64, n = Math.min(16, k - c * 16);
        for (let t = 0; t < n; t++) dst[d + t] = values[src + t];
      }
    }
    return dst;
  }
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
  const kw = Math.ceil(k / 64), mask = (1 << w) - 1;
  const field = (v: number) => (w === 1 ? (v > 0 ? 1 : 0) : v & mask); // encodeCode, inlined
  // Eight elements at a time: their fields as an 8x8 bit matrix (byte j = element j) transposed in two 32-bit halves
  // (byte i = plane i), then w byte stores: about 4x faster than a bit at a time at w = 8 (npm run bench:load).
  for (let r = 0; r < rows; r++) {
    for (let e0 = 0; e0 < k; e0 += 8) {
      const o = r * k + e0, n = k - e0;
      let x = 0, y = 0;
      if (n >= 8) {
        x = field(values[o]) | (field(values[o + 1]) << 8) | (field(values[o + 2]) << 16) | (field(values[o + 3]) << 24);
        y = field(values[o + 4]) | (field(values[o + 5]) << 8) | (field(values[o + 6]) << 16) | (field(values[o + 7]) << 24);
      } else {
        for (let j = 0; j < n; j++) {
          if (j < 4) x |= field(values[o + j]) << (8 * j);
          else y |= field(values[o + j]) << (8 * (j - 4));
        }
      }
      let t = (x ^ (x >>> 7)) & 0x00aa00aa;
      x = x ^ t ^ (t << 7);
      t = (y ^ (y >>> 7)) & 0x00aa00aa;
      y = y ^ t ^ (t << 7);
      t = (x ^ (x >>> 14)) & 0x0000cccc;
      x = x ^ t ^ (t << 14);
      t = (y ^ (y >>> 14)) & 0x0000cccc;
      y = y ^ t ^ (t << 14);
      t = (x ^ (y << 4)) & 0xf0f0f0f0;
      x ^= t;
      y ^= t >>> 4;
      const at = offset + (r * kw + (e0 >> 6)) * w * 8 + ((e0 & 63) >> 3);
      for (let i = 0; i < w; i++) dst[at + i * 8] |= (i < 4 ? x >>> (8 * i) : y >>> (8 * (i - 4))) & 0xff;
    }
  }
  return dst;
}

/** Rows per block and fan-in granule of the table layout (gemv_wNa{4,8}_r16__simd128_lut). */
export const LUT_ROWS = 16;
export const LUT_COLS = 16;

/** Bytes of `rows` rows of fan-in `k` in the table layout with `w` bit planes (rows padded to 16, fan-in to 16). */
export function lutRowsBytes(rows: number, k: number, w: number): number {
  return Math.ceil(rows / LUT_ROWS) * w * Math.ceil(k / LUT_COLS) * 32;
}

/** Bytes of one sample's lookup tables for a `k`-wide input of table kind `a` (4 or 8): a 16-byte header, then 64 or 128 per 16 columns. */
export function lutTablesBytes(k: number, a: number): number {
  return 16 + Math.ceil(k / LUT_COLS) * (a === 4 ? 64 : 128);
}

/**
 * Packs `rows` x `k` weight values of width `w` into the table layout: 16-row blocks; per block, plane i = bit i of the
 * `w`-bit field (w = 1: the stored bit u, weight 2u - 1); per plane, per 16 columns, 32 bytes: byte r (r < 16) holds the
 * 4-bit index of columns 16c..16c+3 of row r in its low nibble (column 16c + j at bit j) and of 16c+4..16c+7 in its high
 * nibble; byte 16 + r the same for 16c+8..16c+15. Writes lutRowsBytes bytes at `out[offset..]` (which must be zero there).
 */
export function packLutRows(values: ArrayLike<number>, rows: number, k: number, w: number, out?: Uint8Array, offset = 0): Uint8Array {
  const dst = out ?? new Uint8Array(lutRowsBytes(rows, k, w));
  const chunks = Math.ceil(k / LUT_COLS);
  for (let r = 0; r < rows; r++) {
    const block = offset + Math.floor(r / LUT_ROWS) * w * chunks * 32 + (r % LUT_ROWS);
    for (let e = 0; e < k; e++) {
      const f = encodeCode(values[r * k + e], w);
      if (f === 0) continue;
      const at = block + (e >> 4) * 32 + ((e >> 3) & 1) * 16, bit = 1 << (e & 7);
      for (let i = 0; i < w; i++) if ((f >> i) & 1) dst[at + i * chunks * 32] |= bit;
    }
  }
  return dst;
}

/**
 * Measured GEMV cost of the SIMD kernels, ns per 1000 multiply-accumulates, from which runtime/plan.ts picks a kernel
 * per row width and layer (dot16: per MAC of the padded layout, W = 8 being int8 rows; lut4 / lut8: per MAC and weight
 * plane, tables included; tables: per input element). Only the ratios matter for the choice. Source: every gemv export of
 * simd.wasm at 512x512 with its tables built per call, best of 15 alternating rounds (tools/bench/kernels.ts cases), on
 * the 2-vCPU EPYC VM under load ~6, Node 20.20 (V8 11.3): dot16 19.0 GMAC/s at W = 1, 2, 4 and 16.2-21.3 for int8 rows
 * (512 and 256 rows); tables 65 GMAC/s at W = 1 with 4-bit inputs (37.2 at W = 2, 19.2 at W = 4), 38.7 with 8-bit inputs
 * (20.8, 10.2). Building tables, measured after they moved to swizzles by masks in locals (best of 21 alternating
 * rounds): 0.122 us (a4) and 0.230 us (a8) per 512 inputs.
 */
export const SIMD_COST: KernelCosts = {
  dot16: { 1: 53, 2: 53, 4: 53, 8: 54 },
  lut4: 13.5,
  lut8: 24,
  tables4: 240,
  tables8: 450,
  dot8a7: null,
  dot8a8: null,
};

/**
 * The same for relaxed.wasm, measured the same way under Deno 2.9.6 (V8 15.0), same load: dot16 16-20 GMAC/s; int8 rows by
 * relaxed dot products 39.7 GMAC/s on 7-bit activations and 20.4 on 8-bit ones; relaxed-swizzle tables 55 GMAC/s at W = 1
 * with 4-bit inputs, 36.8 with 8-bit ones.
 */
export const RELAXED_COST: KernelCosts = {
  dot16: { 1: 52, 2: 52, 4: 56, 8: 56 },
  lut4: 16,
  lut8: 24,
  tables4: 240,
  tables8: 450,
  dot8a7: 25,
  dot8a8: 49,
};

/** ns per 1000 MACs (per MAC and plane for tables; per input element for building tables); null: the module has no such kernel. */
export interface KernelCosts {
  dot16: Record<number, number>;
  lut4: number;
  lut8: number;
  tables4: number;
  tables8: number;
  /** Relaxed int8 rows on activations below 128 / below 256. */
  dot8a7: number | null;
  dot8a8: number | null;
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
