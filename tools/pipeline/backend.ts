/** @fileoverview Loading a model on one named runtime backend, for steps that compare or measure every backend. */

import { loadModel, RuntimeError, type Backend, type Model } from '../../runtime/index.js';

/** The runtime's backends, in the order every step reports them. */
export const BACKENDS: readonly Backend[] = ['simd', 'scalar'];

/** The model on `backend`, or null when this engine lacks that backend (no SIMD); every other failure is thrown. */
export async function loadOnBackend(bytes: Uint8Array, backend: Backend): Promise<Model | null> {
  try {
    return await loadModel(bytes, { backend });
  } catch (e) {
    if (e instanceof RuntimeError && e.code === 'E_BACKEND') return null;
    throw e;
  }
}
