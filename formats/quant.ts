/** @fileoverview Helpers that turn real-valued scales into the integer parameters of SPEC.md §6. */

import { REQUANT_MULT_MAX, REQUANT_SHIFT_MAX, REQUANT_SHIFT_MIN } from './constants.js';

/**
 * Requantisation parameters for a real ratio `weightScale / actScale` (SPEC §6.4): mult * 2^-shift approximates
 * the ratio with mult normalised to [2^30, 2^31) when the shift range allows, i.e. 31 significant bits.
 * @throws RangeError when the ratio is not finite and positive, or too large or too small to represent.
 */
export function requantParams(ratio: number): { mult: number; shift: number } {
  if (!Number.isFinite(ratio) || ratio <= 0) throw new RangeError(`requantisation ratio must be finite and > 0, got ${ratio}`);
  let shift = 30 - Math.floor(Math.log2(ratio));
  // log2 can be off by one near powers of two: settle so that mult lands in [2^30, 2^31).
  while (shift > REQUANT_SHIFT_MIN && ratio * 2 ** shift >= 2 ** 31) shift--;
  while (shift < REQUANT_SHIFT_MAX && ratio * 2 ** shift < 2 ** 30) shift++;
  shift = Math.min(REQUANT_SHIFT_MAX, Math.max(REQUANT_SHIFT_MIN, shift));
  let mult = Math.round(ratio * 2 ** shift);
  if (mult > REQUANT_MULT_MAX && shift > REQUANT_SHIFT_MIN) {
    shift--;
    mult = Math.round(ratio * 2 ** shift);
  }
  if (mult > REQUANT_MULT_MAX) throw new RangeError(`requantisation ratio ${ratio} is too large (max ~2^30)`);
  if (mult < 1) throw new RangeError(`requantisation ratio ${ratio} is too small (min ~2^-63)`);
  return { mult, shift };
}

/** The real ratio a (mult, shift) pair stands for. */
export function requantRatio(mult: number, shift: number): number {
  return mult / 2 ** shift;
}
