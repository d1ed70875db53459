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

/** Weight value of a stored unsigned field. */
function decodeCode(field: number, bits: number): number {
  if (bits === 1) return field === 1 ? 1 : -1;
  const sign = 1 << (bits - 1);
  return (field ^ sign) - sign;
}

/** Packs weight values into one canonical row. Values must lie in `weightCodeRange(bits)` (1-bit: exactly -1 or +1). */
export function packRow(codes: ArrayLike<number>, bits: number): Uint8Array {
  const [lo, hi] = weightCodeRange(bits);
  const out = new Uint8Array(rowBytes(codes.length, bits));
  for (let k = 0; k < codes.length; k++) {
    const v = codes[k];
    if (!Number.isInteger(v) || v < lo || v > hi || (bits === 1 && v === 0)) {
      throw new RangeError(`code ${k} = ${v} does not fit ${bits}-bit weights (${bits === 1 ? '-1 or +1' : `${lo}..${hi}`})`);
    }
    const field = encodeCode(v, bits);
    for (let i = 0; i < bits; i++) {
      if ((field >> i) & 1) {
        const t = k * bits + i;
        out[t >> 3] |= 1 << (t & 7);
      }
    }
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
  for (let k = 0; k < count; k++) {
    let field = 0;
    for (let i = 0; i < bits; i++) {
      const t = k * bits + i;
      field |= ((packed[byteOffset + (t >> 3)] >> (t & 7)) & 1) << i;
    }
    result[k] = decodeCode(field, bits);
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
