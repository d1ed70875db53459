/** @fileoverview The method table: the names `nmp train --method` and `nmp compare --methods` accept, and their trainer options. */

import type { TrainOptions } from '../train/index.js';

export const METHODS = ['nmp', 'fp32', 'uniform:1', 'uniform:1.58', 'uniform:2', 'uniform:3', 'uniform:4', 'uniform:8', 'layer', 'nmp-paper'] as const;

/**
 * Trainer options of a method name (`uniform:2`, `nmp`, ...).
 * @throws RangeError for a name not in METHODS (the CLI reports it as a usage error).
 */
export function methodOptions(method: string): Pick<TrainOptions, 'method' | 'uniformBits'> {
  if (method === 'nmp' || method === 'fp32' || method === 'layer' || method === 'nmp-paper') return { method };
  const m = /^uniform:(1|1\.58|2|3|4|8)$/.exec(method);
  if (m) return { method: 'uniform', uniformBits: Number(m[1]) };
  throw new RangeError(`unknown method '${method}' - expected one of ${METHODS.join(', ')}`);
}

/** Options that only the learned methods take (budgets, allocator, width menus). */
const LEARNED_ONLY = ['targetBits', 'targetBytes', 'targetActBits', 'targetInputBits', 'allocator', 'weightBitsMenu', 'actBitsMenu', 'inputBitsMenu', 'prune', 'lrStrength'] as const;

/**
 * The options of one method from options given for several: fixed-width methods drop what only learned methods take,
 * and fp32 is trained as the float phase of the others (its epochs are their `floatEpochs`), so that they can share it.
 */
export function optionsFor(method: string, options: TrainOptions): TrainOptions {
  const m = methodOptions(method);
  const out: TrainOptions = { ...options, ...m };
  if (m.method === 'fp32' || m.method === 'uniform') for (const k of LEARNED_ONLY) delete out[k];
  if (m.method === 'fp32') {
    delete out.quantizeActivations;
    delete out.distill;
    delete out.epochs;
    if (out.floatEpochs !== undefined) out.epochs = out.floatEpochs;
    delete out.floatEpochs;
  }
  return out;
}
