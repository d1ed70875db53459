/** @fileoverview The method table: the names `nmp train --method` and `nmp compare --methods` accept, and their trainer options. */

import type { TrainOptions } from '../train/index.js';

export const METHODS = ['nmp', 'fp32', 'uniform:1', 'uniform:1.58', 'uniform:2', 'uniform:4', 'uniform:8', 'layer'] as const;

/**
 * Trainer options of a method name (`uniform:2`, `nmp`, ...).
 * @throws RangeError for a name not in METHODS (the CLI reports it as a usage error).
 */
export function methodOptions(method: string): Pick<TrainOptions, 'method' | 'uniformBits'> {
  if (method === 'nmp' || method === 'fp32' || method === 'layer') return { method };
  const m = /^uniform:(1|1\.58|2|4|8)$/.exec(method);
  if (m) return { method: 'uniform', uniformBits: Number(m[1]) };
  throw new RangeError(`unknown method '${method}' - expected one of ${METHODS.join(', ')}`);
}
