/**
 * @fileoverview The file's canonical bit-packed rows (SPEC §5.2), read in place: the reference kernel and the no-host
 * validator and planner share this one decoder.
 */

/** Bytes of a canonical row of `k` codes of `bits` bits (no padding between rows). */
@inline export function canonicalRowBytes(k: i32, bits: i32): i32 {
  return (k * bits + 7) >>> 3;
}

/** Reads code `i` of a canonical row: `bits` (1..8) bits LSB-first; 1-bit codes mean 2u - 1, wider ones two's complement. */
@inline export function canonicalCode(row: usize, i: i32, bits: i32): i32 {
  const bit = i * bits;
  const p = row + <usize>(bit >>> 3);
  const sh = bit & 7;
  let v = <i32>load<u8>(p) >>> sh;
  if (sh + bits > 8) v |= <i32>load<u8>(p + 1) << (8 - sh); // never reads past the row's last byte
  v &= (1 << bits) - 1;
  return bits == 1 ? (v << 1) - 1 : (v << (32 - bits)) >> (32 - bits);
}
