/**
 * @fileoverview Root of the `simd` target (ASC_FEATURE_SIMD): forward, the SIMD kernels, and the one-row scalar kernels
 * (kept for the kernel tests and benchmarks, which compare both modules). The JS host's scalar-only kernels (r4, GEMM,
 * byte planes) live in assembly/scalar.ts's module only: simd.wasm never runs them.
 */
import { ABI_VERSION } from './common/abi';
export { forward, forward_batch } from './common/forward';
export { requant, requant_i16, requant_i16_seq, requant_planes, planes_from_i16 } from './kernels/requant';
export { gemv_wNa16_r1__scalar } from './kernels/gemv/scalar-ref';
export { gemv_w8a16_r1__scalar } from './kernels/gemv/scalar-i8';
export {
  gemv_w1aN_r1__scalar_popcnt, gemv_w2aN_r1__scalar_popcnt, gemv_w4aN_r1__scalar_popcnt, gemv_w8aN_r1__scalar_popcnt,
} from './kernels/gemv/scalar-popcnt';
export {
  gemv_w1a16_r4__simd128_dot16, gemv_w2a16_r4__simd128_dot16, gemv_w4a16_r4__simd128_dot16, gemv_w8a16_r4__simd128_dot16,
} from './kernels/gemv/simd128-dot16';
export {
  gemm_w1a16_r4s2__simd128_dot16, gemm_w2a16_r4s2__simd128_dot16, gemm_w4a16_r4s2__simd128_dot16, gemm_w8a16_r4s2__simd128_dot16,
} from './kernels/gemm/simd128-dot16';
export { gemv_wNa4_r16__simd128_lut, gemv_wNa8_r16__simd128_lut, lut_tables_a4, lut_tables_a8 } from './kernels/gemv/simd128-lut';

/** ABI version of this module (common/abi.ts: descriptor, records, kernel layouts); the host refuses a mismatching build. */
export function abiVersion(): i32 {
  return ABI_VERSION;
}

/** First byte the host may use for its arena (after static data); the host grows `memory` itself. */
export function heapBase(): usize {
  return __heap_base;
}
