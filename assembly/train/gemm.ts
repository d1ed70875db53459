/** @fileoverview f32 GEMM kernels for the trainer (WASM SIMD). Filled in by the trainer issue. */
export function trainAbiVersion(): i32 {
  return 1;
}
