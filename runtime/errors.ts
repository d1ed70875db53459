/** @fileoverview Runtime errors with stable codes. Model-file problems are formats' ModelFormatError; input misuse is RangeError. */

export type RuntimeErrorCode =
  | 'E_DISPOSED' // a method was called after dispose()
  | 'E_MEMORY_LIMIT' // the model's arena does not fit the WASM memory limit
  | 'E_BACKEND' // the requested backend is unavailable (e.g. 'simd' without WebAssembly SIMD)
  | 'E_ABI'; // the .wasm file is not the build this runtime expects

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  constructor(readonly code: RuntimeErrorCode, message: string) {
    super(`${message} [${code}]`);
  }
}
