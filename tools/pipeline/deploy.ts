/** @fileoverview The deploy check: every runtime backend must reproduce the trainer's integer output accumulators bit for bit. */

import type { Dataset } from '../train/data.js';
import { IntegerForward, type AnyModel } from '../train/intforward.js';
import { BACKENDS, loadOnBackend } from './backend.js';

export interface DeployCheck {
  rows: number;
  outputs: number;
  /** Accumulators that differ between the trainer's integer forward and the runtime (must be 0). */
  mismatches: number;
  backends: string[];
}

/**
 * Runs `rows` of `ds` through the trainer's integer forward pass and through every runtime backend on this host and
 * counts differing output accumulators. What the trainer reports is then what the runtime deploys.
 * @throws Error when nothing was compared (no backend loaded the model, or `ds` has no rows).
 */
export async function checkDeployment(result: { model: AnyModel; bytes: Uint8Array }, ds: Dataset): Promise<DeployCheck> {
  const expected = new IntegerForward(result.model).accumulators(ds.x, ds.rows);
  const O = expected.length / Math.max(1, ds.rows);
  let mismatches = 0;
  const backends: string[] = [];
  const acc = new Int32Array(O);
  for (const backend of BACKENDS) {
    const rt = await loadOnBackend(result.bytes, backend);
    if (!rt) continue; // this engine has no such backend
    backends.push(backend);
    for (let r = 0; r < ds.rows; r++) {
      rt.predictAccumulators(ds.x.subarray(r * ds.features, (r + 1) * ds.features), acc);
      for (let j = 0; j < O; j++) if (acc[j] !== expected[r * O + j]) mismatches++;
    }
    rt.dispose();
  }
  // A check that compared nothing must not read as a pass.
  if (backends.length === 0) throw new Error('no runtime backend could load the model, so trainer and runtime were not compared');
  if (ds.rows === 0) throw new Error('the test split is empty, so trainer and runtime were not compared; use more rows');
  return { rows: ds.rows, outputs: O, mismatches, backends };
}
