/**
 * @fileoverview Bit-serial GEMM of the JS host's scalar build: the gemv `_popcnt` kernels for 2 samples and 2 rows per pass,
 * so that each loaded weight word serves both samples (gemv/scalar-popcnt.ts popcntBlock; layout: kernels/README.md).
 */
import { popcntBlock } from '../gemv/scalar-popcnt';

export function gemm_w1aN_r2s2__scalar_popcnt(w: usize, x: usize, xStride: usize, bias: usize, out: usize, outStride: usize, rows: i32, kw: i32, a: i32): void {
  popcntBlock(1, 2, 2, w, x, xStride, bias, out, outStride, rows, kw, a);
}
export function gemm_w2aN_r2s2__scalar_popcnt(w: usize, x: usize, xStride: usize, bias: usize, out: usize, outStride: usize, rows: i32, kw: i32, a: i32): void {
  popcntBlock(2, 2, 2, w, x, xStride, bias, out, outStride, rows, kw, a);
}
