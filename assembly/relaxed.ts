/**
 * @fileoverview Entry of the `relaxed` target (relaxed.wasm, SIMD + relaxed SIMD): the simd build's forward, with table
 * lookups by relaxed_swizzle and int8 rows by relaxed dot products (KERNEL_DOT8), each used only where its result is
 * defined exactly. Hosts load it only after relaxed_self_test() returns 1 (runtime/wasm.ts), else they use simd.wasm.
 */
export { forward, forward_batch } from './common/forward';
export { requant, requant_i16, requant_i16_seq } from './kernels/requant';
export {
  gemv_w1a16_r4__simd128_dot16, gemv_w2a16_r4__simd128_dot16, gemv_w4a16_r4__simd128_dot16, gemv_w8a16_r4__simd128_dot16,
} from './kernels/gemv/simd128-dot16';
export {
  gemm_w1a16_r4s2__simd128_dot16, gemm_w2a16_r4s2__simd128_dot16, gemm_w4a16_r4s2__simd128_dot16, gemm_w8a16_r4s2__simd128_dot16,
} from './kernels/gemm/simd128-dot16';
export { lut_tables_a4, lut_tables_a8 } from './kernels/gemv/simd128-lut';
export { gemv_wNa4_r16__relaxed_lut, gemv_wNa8_r16__relaxed_lut } from './kernels/gemv/relaxed-lut';
export { gemv_w8a7_r4__relaxed_dot8, gemv_w8a8_r4__relaxed_dot8, relaxed_self_test } from './kernels/gemv/relaxed-dot8';
export { abiVersion, heapBase } from './index';
