/**
 * @fileoverview Entry of the `scalar` target (JS host without SIMD): assembly/index.ts without the SIMD kernels, which a
 * scalar build could only export as traps. The wasm3 module with the no-host loader is the `nohost` target (standalone/).
 */
export { forward, forward_batch } from './common/forward';
export {
  requant, requant_i16, requant_i16_seq, requant_planes, planes_from_i16, requant_bytes, bytes_from_i16, planes_from_bytes,
} from './kernels/requant';
export { gemv_wNa16_r1__scalar } from './kernels/gemv/scalar-ref';
export { gemv_w8a16_r1__scalar } from './kernels/gemv/scalar-i8';
export {
  gemv_w1aN_r1__scalar_popcnt, gemv_w2aN_r1__scalar_popcnt, gemv_w4aN_r1__scalar_popcnt, gemv_w8aN_r1__scalar_popcnt,
  gemv_w1aN_r4__scalar_popcnt,
} from './kernels/gemv/scalar-popcnt';
export { gemm_w1aN_r2s2__scalar_popcnt, gemm_w2aN_r2s2__scalar_popcnt } from './kernels/gemm/scalar-popcnt';
export { abiVersion, heapBase } from './index';
