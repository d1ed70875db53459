/**
 * @fileoverview Requantisation of int32 accumulators to unsigned activation codes (SPEC §6.4), ReLU folded into the clamp.
 * Per-neuron parameters come in the 8-byte records of common/abi.ts (REC_*), in grouped order.
 */
import { REC_BITS, REC_BYTES, REC_INDEX, REC_MULT, REC_SHIFT } from '../common/abi';

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

// The SIMD paths read 4 records as two v128 (i32 lanes 0, 2, 4, 6: mult; 1, 3, 5, 7: index | shift << 16 | bits << 24),
// so moving a record field in abi.ts must fail the build here.
if (REC_BYTES != 8 || REC_MULT != 0 || REC_INDEX != 4 || REC_SHIFT != 6 || REC_BITS != 7) {
  ERROR('requant.ts SIMD paths expect records of 8 bytes: mult i32 @0, index u16 @4, shift u8 @6, bits u8 @7');
}

/**
 * Requantises `n` accumulators into int16 codes at their natural position: y[perm] = a - zs (zs 0 or 32768, README).
 * SIMD build: blocks of 4 neurons that share a shift (the planner sorts each width group by shift) run in i64x2 lanes,
 * other blocks and the tail one by one; same results either way.
 */
export function requant_i16(acc: usize, recs: usize, y: usize, n: i32, zs: i32): void {
  const end = acc + (<usize>n << 2);
  if (ASC_FEATURE_SIMD) {
    const end4 = acc + (<usize>(n & ~3) << 2);
    const zv = i32x4.splat(zs), zero = i32x4.splat(0), one = i32x4.splat(1), exp = i32x4.splat(127);
    const two23 = f32x4.splat(8388608.0), mant = i32x4.splat(0x7fffff);
    while (acc < end4) {
      const sh = <i32>load<u8>(recs, REC_SHIFT);
      if (sameShift(recs, sh)) {
        const ra = v128.load(recs), rb = v128.load(recs, 2 * REC_BYTES);
        const meta = i32x4.shuffle(ra, rb, 1, 3, 5, 7); // perm | shift << 16 | bits << 24
        const q = requant4(v128.load(acc), ra, rb, sh, zv, zero, one, exp, two23, mant);
        store<i16>(y + (<usize>(i32x4.extract_lane(meta, 0) & 0xffff) << 1), <i16>i32x4.extract_lane(q, 0));
        store<i16>(y + (<usize>(i32x4.extract_lane(meta, 1) & 0xffff) << 1), <i16>i32x4.extract_lane(q, 1));
        store<i16>(y + (<usize>(i32x4.extract_lane(meta, 2) & 0xffff) << 1), <i16>i32x4.extract_lane(q, 2));
        store<i16>(y + (<usize>(i32x4.extract_lane(meta, 3) & 0xffff) << 1), <i16>i32x4.extract_lane(q, 3));
        acc += 16;
        recs += 4 * REC_BYTES;
      } else {
        for (let i = 0; i < 4; i++, acc += 4, recs += REC_BYTES) requantOne(acc, recs, y, zs);
      }
    }
  }
  for (; acc < end; acc += 4, recs += REC_BYTES) requantOne(acc, recs, y, zs);
}

/**
 * As requant_i16, but writes y[r] in grouped order (the record's natural index is not used): the SIMD planner permutes the
 * next layer's weight columns to match, so 4 codes leave in one 8-byte store instead of 4 scattered ones.
 */
export function requant_i16_seq(acc: usize, recs: usize, y: usize, n: i32, zs: i32): void {
  const end = acc + (<usize>n << 2);
  if (ASC_FEATURE_SIMD) {
    const end4 = acc + (<usize>(n & ~3) << 2);
    const zv = i32x4.splat(zs), zero = i32x4.splat(0), one = i32x4.splat(1), exp = i32x4.splat(127);
    const two23 = f32x4.splat(8388608.0), mant = i32x4.splat(0x7fffff);
    while (acc < end4) {
      const sh = <i32>load<u8>(recs, REC_SHIFT);
      if (sameShift(recs, sh)) {
        const q = requant4(v128.load(acc), v128.load(recs), v128.load(recs, 2 * REC_BYTES), sh, zv, zero, one, exp, two23, mant);
        store<i64>(y, i64x2.extract_lane(i16x8.narrow_i32x4_s(q, q), 0)); // codes - zs fit int16 exactly
        acc += 16;
        recs += 4 * REC_BYTES;
        y += 8;
      } else {
        for (let i = 0; i < 4; i++, acc += 4, recs += REC_BYTES, y += 2) {
          store<i16>(y, requantCode(load<i32>(acc), load<i32>(recs, REC_MULT), load<u8>(recs, REC_SHIFT), load<u8>(recs, REC_BITS)) - zs);
        }
      }
    }
  }
  for (; acc < end; acc += 4, recs += REC_BYTES, y += 2) {
    store<i16>(y, requantCode(load<i32>(acc), load<i32>(recs, REC_MULT), load<u8>(recs, REC_SHIFT), load<u8>(recs, REC_BITS)) - zs);
  }
}

/** True when the 3 records after the one at `recs` have shift `sh` too. */
@inline function sameShift(recs: usize, sh: i32): bool {
  return <i32>load<u8>(recs, REC_BYTES + REC_SHIFT) == sh && <i32>load<u8>(recs, 2 * REC_BYTES + REC_SHIFT) == sh
    && <i32>load<u8>(recs, 3 * REC_BYTES + REC_SHIFT) == sh;
}

/**
 * Codes minus zs of 4 accumulators whose records (ra, rb: two 16-byte halves) share shift `sh`; exact. Negatives first,
 * unsigned arithmetic, an unsigned min instead of i64 compares and no float-to-int conversion: 0.571 -> 0.474 us per 512
 * neurons (best of 21 alternating rounds, same outputs). The v128 constants come from the caller's locals (V8
 * rematerialises a v128.const on every loop iteration).
 */
@inline function requant4(a: v128, ra: v128, rb: v128, sh: i32, zs: v128, zero: v128, one: v128, exp: v128, two23: v128, mant: v128): v128 {
  const m = i32x4.shuffle(ra, rb, 0, 2, 4, 6); // mult of the 4 records, 1..2^31 - 1
  const meta = i32x4.shuffle(ra, rb, 1, 3, 5, 7); // perm | shift << 16 | bits << 24
  // A negative accumulator gives code 0 (acc * mult + 2^(shift-1) < 2^(shift-1), floor < 1/2): clamping it to 0 first makes
  // every product non-negative, so unsigned multiplies and logical shifts are exact (x64 has no 64-bit arithmetic vector
  // shift before AVX-512).
  const p = i32x4.max_s(a, zero);
  const rnd = i64x2.splat(<i64>1 << <i64>(sh - 1));
  const lo = i64x2.shr_u(i64x2.add(i64x2.extmul_low_i32x4_u(p, m), rnd), sh);
  const hi = i64x2.shr_u(i64x2.add(i64x2.extmul_high_i32x4_u(p, m), rnd), sh);
  // Quotients of 2^32 or more saturate: their low word ORed with all ones before the unsigned min with 2^bits - 1.
  const low = i32x4.shuffle(lo, hi, 0, 2, 4, 6), over = v128.not(i32x4.eq(i32x4.shuffle(lo, hi, 1, 3, 5, 7), zero));
  // 2^bits as a float32 exponent, converted by adding 2^23 and keeping the mantissa (exact below 2^23).
  const pow = v128.and(f32x4.add(i32x4.shl(i32x4.add(i32x4.shr_u(meta, 24), exp), 23), two23), mant);
  return i32x4.sub(i32x4.min_u(v128.or(low, over), i32x4.sub(pow, one)), zs);
}

@inline function requantOne(acc: usize, rec: usize, y: usize, zs: i32): void {
  const a = requantCode(load<i32>(acc), load<i32>(rec, REC_MULT), load<u8>(rec, REC_SHIFT), load<u8>(rec, REC_BITS));
  store<i16>(y + (<usize>load<u16>(rec, REC_INDEX) << 1), a - zs);
}

/**
 * Requantises into bit planes (scalar layout, README): clears ceil(n/64) * planes words, then sets the bits of each code.
 * The no-host module's path (small); the JS hosts' scalar build goes through requant_bytes + planes_from_bytes.
 */
export function requant_planes(acc: usize, recs: usize, y: usize, n: i32, planes: i32): void {
  memory.fill(y, 0, <usize>(((n + 63) >>> 6) * planes) << 3);
  const end = acc + (<usize>n << 2);
  while (acc < end) {
    const a = requantCode(load<i32>(acc), load<i32>(recs, REC_MULT), load<u8>(recs, REC_SHIFT), load<u8>(recs, REC_BITS));
    setPlanes(y, <i32>load<u16>(recs, REC_INDEX), a, planes);
    acc += 4;
    recs += REC_BYTES;
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

/**
 * Requantises `n` accumulators into codes in natural order (REC_INDEX) as bytes: low byte at lo[index], high byte at
 * hi[index] when `hi` is not 0 (activations of more than 8 bits). planes_from_bytes turns them into bit planes.
 */
export function requant_bytes(acc: usize, recs: usize, lo: usize, hi: usize, n: i32): void {
  const end = acc + (<usize>n << 2);
  for (; acc < end; acc += 4, recs += REC_BYTES) {
    const a = requantCode(load<i32>(acc), load<i32>(recs, REC_MULT), load<u8>(recs, REC_SHIFT), load<u8>(recs, REC_BITS));
    const t = <usize>load<u16>(recs, REC_INDEX);
    store<u8>(lo + t, <u8>a);
    if (hi) store<u8>(hi + t, <u8>(a >>> 8));
  }
}

/** Signed int16 codes + offset (layer 0 of the scalar build) as low bytes at `lo` and, when `hi` is not 0, high bytes. */
export function bytes_from_i16(src: usize, n: i32, offset: i32, lo: usize, hi: usize): void {
  for (let i = 0; i < n; i++) {
    const u = <i32>load<i16>(src + (<usize>i << 1)) + offset;
    store<u8>(lo + i, <u8>u);
    if (hi) store<u8>(hi + i, <u8>(u >>> 8));
  }
}

/**
 * Bit planes (scalar layout, README) of `n` unsigned codes given as bytes (lo, and hi for planes 8..15). The bytes of
 * [n, roundUp(n, 64)) are cleared first, then every 8 codes give one byte of a plane word by a multiply that gathers bit p
 * of each byte into the top byte: ((v >> p) & 0x0101..01) * 0x0102040810204080 >> 56 (bit j from byte j, no carries).
 * Measured 8x faster than setting the bits code by code (requant_planes: 4.0 -> 0.5 us per 512 codes of 8 bits).
 */
export function planes_from_bytes(lo: usize, hi: usize, n: i32, y: usize, planes: i32): void {
  const words = (n + 63) >>> 6;
  const pad = <usize>((words << 6) - n);
  memory.fill(lo + <usize>n, 0, pad);
  if (hi) memory.fill(hi + <usize>n, 0, pad);
  for (let wd = 0; wd < words; wd++) {
    const out = y + (<usize>(wd * planes) << 3), block = <usize>wd << 6;
    for (let p = 0; p < planes; p++) {
      const src = (p < 8 ? lo : hi) + block;
      const q = <u64>(p & 7);
      let word: u64 = 0;
      for (let j = 0; j < 8; j++) {
        word |= ((((load<u64>(src + (<usize>j << 3)) >> q) & 0x0101010101010101) * 0x0102040810204080) >> 56) << <u64>(j << 3);
      }
      store<u64>(out + (<usize>p << 3), word);
    }
  }
}
