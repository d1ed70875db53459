/** @fileoverview Public API of the runtime (package root): load a .nmp model and run it in WebAssembly. */
export { loadModel, Model } from './model.js';
export type { LoadOptions, ModelInfo, LayerInfo, MemoryReport } from './model.js';
export type { ArenaBytes } from './plan.js';
export { RuntimeError, type RuntimeErrorCode } from './errors.js';
export { ModelFormatError } from '../formats/errors.js';
export { RawRowError } from '../formats/categories.js';
export type { Backend } from './pack.js';
