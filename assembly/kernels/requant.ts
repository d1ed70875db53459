/** @fileoverview Requantisation of int32 accumulators to unsigned activation codes (SPEC §6.4), ReLU folded into the clamp. */

/** a = clamp(floor((acc * mult + 2^(shift-1)) / 2^shift), 0, 2^bits - 1); |acc*mult| < 2^62 so i64 is exact. */
@inline export function requantCode(acc: i32, mult: i32, shift: i32, bits: i32): i32 {
  const q = (<i64>acc * <i64>mult + (<i64>1 << <i64>(shift - 1))) >> <i64>shift;
  const hi = (1 << bits) - 1;
  return q < 0 ? 0 : q > <i64>hi ? hi : <i32>q;
}

/** Exported for tests: one requantisation. */
export function requant(acc: i32, mult: i32, shift: i32, bits: i32): i32 {
  return requantCode(acc, mult, shift, bits);
}

/**
 * Requantises `n` accumulators (grouped order) into int16 codes at their natural position: y[perm[r]] = a - zs.
 * mult: i32[n], shift: u8[n], bits: u8[n], perm: u16[n]; zs is 0 or 32768 (16-bit codes stored offset, see README).
 */
export function requant_i16(acc: usize, mult: usize, shift: usize, bits: usize, perm: usize, y: usize, n: i32, zs: i32): void {
  for (let r = 0; r < n; r++) {
    const a = requantCode(load<i32>(acc + (<usize>r << 2)), load<i32>(mult + (<usize>r << 2)), load<u8>(shift + r), load<u8>(bits + r));
    store<i16>(y + (<usize>load<u16>(perm + (<usize>r << 1)) << 1), a - zs);
  }
}

/**
 * Requantises into bit planes (scalar layout, README): clears ceil(n/64) * planes words, then sets bit p of code a at its
 * natural position perm[r].
 */
export function requant_planes(acc: usize, mult: usize, shift: usize, bits: usize, perm: usize, y: usize, n: i32, planes: i32): void {
  memory.fill(y, 0, <usize>(((n + 63) >>> 6) * planes) << 3);
  for (let r = 0; r < n; r++) {
    const a = requantCode(load<i32>(acc + (<usize>r << 2)), load<i32>(mult + (<usize>r << 2)), load<u8>(shift + r), load<u8>(bits + r));
    setPlanes(y, <i32>load<u16>(perm + (<usize>r << 1)), a, planes);
  }
}

/** ORs unsigned code `u` (< 2^planes) of element `i` into interleaved planes at `y` (cleared beforehand). */
@inline export function setPlanes(y: usize, i: i32, u: i32, planes: i32): void {
  const base = y + (<usize>((i >>> 6) * planes) << 3);
  const bit = <u64>1 << <u64>(i & 63);
  for (let p = 0; p < planes && u != 0; p++, u >>>= 1) {
    if (u & 1) {
      const q = base + (<usize>p << 3);
      store<u64>(q, load<u64>(q) | bit);
    }
  }
}

/** Signed int16 codes -> planes of u = code + offset (layer 0 of the scalar build; offset = 2^(planes-1)). */
export function planes_from_i16(src: usize, n: i32, offset: i32, y: usize, planes: i32): void {
  memory.fill(y, 0, <usize>(((n + 63) >>> 6) * planes) << 3);
  for (let i = 0; i < n; i++) setPlanes(y, i, <i32>load<i16>(src + (<usize>i << 1)) + offset, planes);
}
