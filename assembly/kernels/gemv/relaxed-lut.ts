/**
 * @fileoverview The table kernels of gemv/simd128-lut.ts in the relaxed build (relaxed.wasm): same layout, tables and
 * results, lookups by i8x16.relaxed_swizzle (all indices are nibbles, where it is deterministic). Layout: kernels/README.md.
 */
import { lutRows } from './simd128-lut';

/** Activations 0..15 (tables of lut_tables_a4). */
export function gemv_wNa4_r16__relaxed_lut(w: usize, t: usize, bias: usize, out: usize, rows: i32, k: i32, W: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) lutRows(4, w, t, bias, out, rows, k, W);
}
/** Activations 0..255 (tables of lut_tables_a8). */
export function gemv_wNa8_r16__relaxed_lut(w: usize, t: usize, bias: usize, out: usize, rows: i32, k: i32, W: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) lutRows(8, w, t, bias, out, rows, k, W);
}
