/** @fileoverview Seeded random real inputs for measuring and probing a model, drawn from the trainer's Rng. */

import type { InputQuantizer } from '../../formats/schema.js';
import { Rng } from '../train/rng.js';

/** `count` x `features` values uniform in [-2, 2): what latency is measured on (the values do not change the work). */
export function uniformInputs(count: number, features: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: count * features }, () => (r.next() - 0.5) * 4);
}

/**
 * Inputs that probe a model's input quantiser (SPEC §6.1): codes mostly within range, 10 % far outside (saturating), and
 * 10 % exactly halfway between two codes (the rounding ties).
 */
export function probeInputs(input: InputQuantizer, count: number, seed: number): Float64Array[] {
  const r = new Rng(seed);
  const { bits, center, gain } = input;
  const rows: Float64Array[] = [];
  for (let n = 0; n < count; n++) {
    rows.push(Float64Array.from(bits, (b, i) => {
      const qmax = 2 ** (b - 1) - 1;
      const u = r.next();
      const code = u < 0.05 ? qmax * 4 : u < 0.1 ? -qmax * 4 : Math.round((r.next() * 2 - 1) * qmax * 1.1);
      const tie = r.next() < 0.1 ? 0.5 : r.next() - 0.5;
      return center[i] + (code + tie) / gain[i];
    }));
  }
  return rows;
}
