/**
 * @fileoverview The integer arithmetic of SPEC.md §6, one operation per function, written for clarity not speed.
 * This file and ./forward.ts are the executable half of the spec: every backend must equal them bit for bit.
 */

import { ACC_MAX } from '../constants.js';
import { unpackRow } from '../pack.js';

/** SPEC §6.1: signed input code of a finite real input. f64 arithmetic, two separately rounded operations. */
export function quantizeInputValue(x: number, center: number, gain: number, bits: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`input must be finite, got ${x}`);
  const qmax = (1 << (bits - 1)) - 1; // bits <= 16; a shift, as `2 **` with a variable exponent is slow in V8
  const t = Math.floor((x - center) * gain + 0.5);
  return t > qmax ? qmax : t < -qmax ? -qmax : t;
}

/** SPEC §6.3: exact dot product of one canonical row with integer inputs, plus bias. */
export function dotRowReference(packed: Uint8Array, byteOffset: number, bits: number, inputs: ArrayLike<number>, bias = 0): number {
  let acc = bias;
  if (bits !== 0) {
    const w = unpackRow(packed, byteOffset, inputs.length, bits);
    for (let k = 0; k < inputs.length; k++) acc += w[k] * inputs[k];
  }
  // The writer and reader proved the bound; a violation here means a bug, not a tolerable case.
  if (acc > ACC_MAX || acc < -ACC_MAX) throw new Error(`accumulator ${acc} outside int32 (SPEC §6.3 bound violated)`);
  return acc;
}

/** SPEC §6.4: requantise an accumulator to an unsigned `bits`-wide activation code (ReLU folded into the clamp). */
export function requantize(acc: number, mult: number, shift: number, bits: number): number {
  const rounded = (BigInt(acc) * BigInt(mult) + (1n << BigInt(shift - 1))) >> BigInt(shift); // >> on BigInt floors
  const qmax = 2n ** BigInt(bits) - 1n;
  return Number(rounded < 0n ? 0n : rounded > qmax ? qmax : rounded);
}

/** SPEC §6.5: real output of a last-layer accumulator, rounded to float32. */
export function dequantizeValue(acc: number, scale: number, offset: number): number {
  return Math.fround(acc * scale + offset);
}
