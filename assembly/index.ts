/** @fileoverview Root of the runtime module: one source, built as `simd` (ASC_FEATURE_SIMD) and `scalar` (wasm3). */

/** Format version this module executes; lets the host check it loaded a matching build. */
export function abiVersion(): i32 {
  return 1;
}
