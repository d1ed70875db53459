/**
 * @fileoverview Canonical bit packing of weight rows (SPEC.md §5): code k of a row occupies stream bits
 * [k*b, k*b+b), LSB-first within each byte; rows are padded with zero bits to a whole byte.
 */

/** Bytes of one canonical row of `fanIn` codes at `bits` bits (0 for a pruned row). */
export function rowBytes(fanIn: number, bits: number): number {
  return Math.ceil((fanIn * bits) / 8);
}

/** Smallest and largest weight value a `bits`-wide code can hold (SPEC §6.2). bits=1 is {-1, +1}. */
export function weightCodeRange(bits: number): [number, number] {
  if (bits < 1 || bits > 8 || !Number.isInteger(bits)) throw new RangeError(`weight bits must be 1..8, got ${bits}`);
  if (bits === 1) return [-1, 1];
  return [-(1 << (bits - 1)), (1 << (bits - 1)) - 1];
}

/** Stored unsigned field of a weight value: 1-bit maps -1 -> 0, +1 -> 1; wider widths use two's complement. */
export function encodeCode(value: number, bits: number): number {
  if (bits === 1) return value > 0 ? 1 : 0;
  return value & ((1 << bits) - 1);
}

function fitError(codes: ArrayLike<number>, k: number, bits: number): RangeError {
  const [lo, hi] = weightCodeRange(bits);
  return new RangeError(`code ${k} = ${codes[k]} does not fit ${bits}-bit weights (${bits === 1 ? '-1 or +1' : `${lo}..${hi}`})`);
}

/**
 * Packs weight values into one canonical row. Values must lie in `weightCodeRange(bits)` (1-bit: exactly -1 or +1).
 * @throws RangeError for a value that does not fit `bits`.
 */
export function packRow(codes: ArrayLike<number>, bits: number): Uint8Array {
  weightCodeRange(bits);
  const n = codes.length;
  const out = new Uint8Array(rowBytes(n, bits));
  // encodeCode inlined with the width test hoisted out of the loop and 1-bit fields without a branch (random signs
  // mispredict): as fast as the trainer's unchecked packer, 3.6x faster at 1 bit (tools/bench/steps.ts). A value is
  // valid exactly when its field decodes back to it, which rejects out-of-range values, fractions, NaN and 0 at 1 bit.
  // A field of b <= 8 bits spans at most two bytes.
  if (bits === 1) {
    for (let k = 0; k < n; k++) {
      const v = codes[k], field = ((v + 1) >> 1) & 1;
      if (2 * field - 1 !== v) throw fitError(codes, k, bits);
      out[k >> 3] |= field << (k & 7);
    }
    return out;
  }
  const mask = (1 << bits) - 1, sign = 1 << (bits - 1);
  for (let k = 0, t = 0; k < n; k++, t += bits) {
    const v = codes[k], field = v & mask;
    if ((field ^ sign) - sign !== v) throw fitError(codes, k, bits);
    const s = t & 7;
    out[t >> 3] |= field << s; // the store keeps the low 8 bits
    if (s + bits > 8) out[(t >> 3) + 1] |= field >> (8 - s);
  }
  return out;
}

/** Unpacks `count` weight values of a canonical row starting at `byteOffset` of `packed`. */
export function unpackRow(packed: Uint8Array, byteOffset: number, count: number, bits: number, out?: Int32Array): Int32Array {
  weightCodeRange(bits);
  const result = out ?? new Int32Array(count);
  if (byteOffset + rowBytes(count, bits) > packed.length) {
    throw new RangeError(`row of ${count} x ${bits}-bit codes at byte ${byteOffset} overruns ${packed.length} bytes`);
  }
  // The inverse of encodeCode, inlined as in packRow: every row of a model is unpacked when it is read and when it is planned.
  if (bits === 1) {
    for (let k = 0; k < count; k++) result[k] = 2 * ((packed[byteOffset + (k >> 3)] >> (k & 7)) & 1) - 1;
    return result;
  }
  const mask = (1 << bits) - 1, sign = 1 << (bits - 1);
  for (let k = 0, t = 0; k < count; k++, t += bits) {
    const at = byteOffset + (t >> 3), s = t & 7;
    let field = packed[at] >> s;
    if (s + bits > 8) field |= packed[at + 1] << (8 - s);
    result[k] = ((field & mask) ^ sign) - sign;
  }
  return result;
}

/** True when the padding bits after the last code of a row are all zero (SPEC §5, reader rule R14). */
export function rowPaddingIsZero(packed: Uint8Array, byteOffset: number, count: number, bits: number): boolean {
  const usedBits = count * bits;
  const total = rowBytes(count, bits) * 8;
  for (let t = usedBits; t < total; t++) {
    if ((packed[byteOffset + (t >> 3)] >> (t & 7)) & 1) return false;
  }
  return true;
}
