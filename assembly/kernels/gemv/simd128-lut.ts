/**
 * @fileoverview Table-lookup GEMV (T-MAC style) whose cost falls with the weight width: the layer input is turned once into
 * tables of the 16 subset sums of every 4 activations, then each weight bit plane costs one `i8x16.swizzle` per 16 rows x 4
 * columns. W-bit rows cost W lookups per 4 weights, whatever the activation width up to 4 bits (twice that up to 8 bits).
 * Exact: table entries are sums of at most 4 values below 16 (<= 60), summed 4 at a time in u8 lanes (<= 240) and then in
 * u16 lanes (<= 1024 groups x 60 < 65536, i.e. any fan-in up to 4096). Layout and preconditions: kernels/README.md.
 */

/** Bytes of the tables of a `k`-wide input: a 16-byte header (Σx as i32), then 16 (A = 4) or 32 (A = 8) bytes per 4 columns of roundUp(k, 16). */
@inline export function lutTablesBytes(k: i32, A: i32): i32 {
  return 16 + (((k + 15) >> 4) << (A == 4 ? 6 : 7));
}

/**
 * Tables of the int16 activations at `x` (values 0..2^A - 1, A = 4 or 8; x[k..roundUp(k,16)) must be 0), written at `t`.
 * A = 8 splits each value into its low and high nibble: a low and a high table per group, 32 bytes.
 * Two groups per step, every byte move a swizzle by a mask held in a local: R = [0, x0, x1, x0+x1, 0, x2, x3, x2+x3] per
 * group, then T[n] = R[n & 3] + R[4 + (n >> 2)]. (V8 11.3 builds the mask of every constant i8x16.shuffle from two 64-bit
 * immediates inside the loop, 4 instructions per shuffle; a swizzle by a loop-invariant register costs its saturating add.)
 */
@inline function buildTables(A: i32, x: usize, k: i32, t: usize): void {
  // v128 constants live in locals set before the loop: V8 rematerialises a v128.const used inside a loop on every
  // iteration. Index 1 and 9 are bytes known to be 0 (every value is below 256).
  const f = i16x8.splat(15);
  const ma = i8x16(1, 0, 2, 0, 1, 4, 6, 4, 9, 8, 10, 8, 9, 12, 14, 12);
  const mb = i8x16(1, 1, 1, 2, 1, 1, 1, 6, 9, 9, 9, 10, 9, 9, 9, 14);
  const lo0 = i8x16(0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3), hi0 = i8x16(4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7);
  const lo1 = i8x16.add(lo0, i8x16.splat(8)), hi1 = i8x16.add(hi0, i8x16.splat(8));
  const groups = ((k + 15) >> 4) << 2;
  let sum = i32x4.splat(0);
  let tp = t + 16;
  for (let g = 0; g < groups; g += 2) {
    // Bytes 2i: x[4g + i] (i = 0..7, two groups); odd bytes 0.
    const w = v128.load(x + (<usize>g << 3));
    sum = i32x4.add(sum, i32x4.extadd_pairwise_i16x8_u(w));
    if (A == 4) {
      const r = i8x16.add(i8x16.swizzle(w, ma), i8x16.swizzle(w, mb));
      v128.store(tp, i8x16.add(i8x16.swizzle(r, lo0), i8x16.swizzle(r, hi0)));
      v128.store(tp, i8x16.add(i8x16.swizzle(r, lo1), i8x16.swizzle(r, hi1)), 16);
      tp += 32;
    } else {
      const wl = v128.and(w, f), wh = i16x8.shr_u(w, 4);
      const rl = i8x16.add(i8x16.swizzle(wl, ma), i8x16.swizzle(wl, mb));
      const rh = i8x16.add(i8x16.swizzle(wh, ma), i8x16.swizzle(wh, mb));
      v128.store(tp, i8x16.add(i8x16.swizzle(rl, lo0), i8x16.swizzle(rl, hi0)));
      v128.store(tp, i8x16.add(i8x16.swizzle(rh, lo0), i8x16.swizzle(rh, hi0)), 16);
      v128.store(tp, i8x16.add(i8x16.swizzle(rl, lo1), i8x16.swizzle(rl, hi1)), 32);
      v128.store(tp, i8x16.add(i8x16.swizzle(rh, lo1), i8x16.swizzle(rh, hi1)), 48);
      tp += 64;
    }
  }
  const h = i32x4.add(sum, i32x4.shuffle(sum, sum, 2, 3, 0, 1));
  store<i32>(t, i32x4.extract_lane(h, 0) + i32x4.extract_lane(h, 1));
}

/** Tables for gemv/gemm `_a4_` kernels: activations 0..15. */
export function lut_tables_a4(x: usize, k: i32, t: usize): void {
  if (ASC_FEATURE_SIMD) buildTables(4, x, k, t);
}
/** Tables for gemv/gemm `_a8_` kernels: activations 0..255. */
export function lut_tables_a8(x: usize, k: i32, t: usize): void {
  if (ASC_FEATURE_SIMD) buildTables(8, x, k, t);
}

/**
 * One lookup: lane r = t[i[r]]. Every index here is a nibble (< 16), the range where relaxed_swizzle is deterministic, so
 * the relaxed build drops the saturating add V8 puts before pshufb for i8x16.swizzle (out-of-range lanes must give 0).
 */
@inline function swz(t: v128, i: v128): v128 {
  return ASC_FEATURE_RELAXED_SIMD ? i8x16.relaxed_swizzle(t, i) : i8x16.swizzle(t, i);
}

/** A plane sum (i32 lanes) times its coefficient: 2^i, or -2^i for the top plane of a two's complement width (W >= 2). */
@inline export function planeTerm(v: v128, i: i32, neg: bool): v128 {
  return neg ? i32x4.sub(i32x4.splat(0), i32x4.shl(v, i)) : i32x4.shl(v, i);
}

/**
 * Stores bias + the 16 row sums of a block: e0 = rows 0,2,4,6, e1 = 8..14, o0 = 1,3,5,7, o1 = 9..15; for W = 1 the plane sum S
 * (stored bits u, weight 2u - 1) becomes 2S - Σx.
 */
@inline export function storeBlock(W: i32, e0: v128, e1: v128, o0: v128, o1: v128, total: i32, bias: usize, out: usize): void {
  if (W == 1) {
    const tt = i32x4.splat(total);
    e0 = i32x4.sub(i32x4.shl(e0, 1), tt);
    e1 = i32x4.sub(i32x4.shl(e1, 1), tt);
    o0 = i32x4.sub(i32x4.shl(o0, 1), tt);
    o1 = i32x4.sub(i32x4.shl(o1, 1), tt);
  }
  v128.store(out, i32x4.add(v128.load(bias), i32x4.shuffle(e0, o0, 0, 4, 1, 5)));
  v128.store(out, i32x4.add(v128.load(bias, 16), i32x4.shuffle(e0, o0, 2, 6, 3, 7)), 16);
  v128.store(out, i32x4.add(v128.load(bias, 32), i32x4.shuffle(e1, o1, 0, 4, 1, 5)), 32);
  v128.store(out, i32x4.add(v128.load(bias, 48), i32x4.shuffle(e1, o1, 2, 6, 3, 7)), 48);
}

/**
 * out[r] = bias[r] + sum_k w[r][k] * x[k] for W-bit rows (W = 1..8 planes, run time) from tables of x (A = 4 or 8, literal).
 * Per 16-row block and plane, per 16 columns: 32 weight bytes (byte r: nibble of group 4c (low) and 4c+1 (high) of row r,
 * then groups 4c+2, 4c+3), four table lookups summed in u8, then widened into u16 even/odd-row accumulators.
 */
@inline export function lutRows(A: i32, w: usize, t: usize, bias: usize, out: usize, rows: i32, k: i32, W: i32): void {
  const chunks = (k + 15) >> 4;
  const lo = i16x8.splat(0xff), nib = i8x16.splat(15);
  const z = i32x4.splat(0);
  const total = load<i32>(t);
  const t0 = t + 16;
  for (let r = 0; r < rows; r += 16) {
    let e0 = z, e1 = z, o0 = z, o1 = z;
    for (let i = 0; i < W; i++) {
      let el = z, ol = z, eh = z, oh = z;
      let tp = t0;
      for (let c = 0; c < chunks; c++) {
        const wa = v128.load(w), wb = v128.load(w, 16);
        w += 32;
        const ia = v128.and(wa, nib), ib = v128.and(i16x8.shr_u(wa, 4), nib);
        const ic = v128.and(wb, nib), id = v128.and(i16x8.shr_u(wb, 4), nib);
        if (A == 4) {
          const s = i8x16.add(i8x16.add(swz(v128.load(tp), ia), swz(v128.load(tp, 16), ib)),
            i8x16.add(swz(v128.load(tp, 32), ic), swz(v128.load(tp, 48), id)));
          tp += 64;
          el = i16x8.add(el, v128.and(s, lo));
          ol = i16x8.add(ol, i16x8.shr_u(s, 8));
        } else {
          const s = i8x16.add(i8x16.add(swz(v128.load(tp), ia), swz(v128.load(tp, 32), ib)),
            i8x16.add(swz(v128.load(tp, 64), ic), swz(v128.load(tp, 96), id)));
          const h = i8x16.add(i8x16.add(swz(v128.load(tp, 16), ia), swz(v128.load(tp, 48), ib)),
            i8x16.add(swz(v128.load(tp, 80), ic), swz(v128.load(tp, 112), id)));
          tp += 128;
          el = i16x8.add(el, v128.and(s, lo));
          ol = i16x8.add(ol, i16x8.shr_u(s, 8));
          eh = i16x8.add(eh, v128.and(h, lo));
          oh = i16x8.add(oh, i16x8.shr_u(h, 8));
        }
      }
      let a0 = i32x4.extend_low_i16x8_u(el), a1 = i32x4.extend_high_i16x8_u(el);
      let b0 = i32x4.extend_low_i16x8_u(ol), b1 = i32x4.extend_high_i16x8_u(ol);
      if (A == 8) {
        a0 = i32x4.add(a0, i32x4.shl(i32x4.extend_low_i16x8_u(eh), 4));
        a1 = i32x4.add(a1, i32x4.shl(i32x4.extend_high_i16x8_u(eh), 4));
        b0 = i32x4.add(b0, i32x4.shl(i32x4.extend_low_i16x8_u(oh), 4));
        b1 = i32x4.add(b1, i32x4.shl(i32x4.extend_high_i16x8_u(oh), 4));
      }
      const neg = W > 1 && i == W - 1;
      e0 = i32x4.add(e0, planeTerm(a0, i, neg));
      e1 = i32x4.add(e1, planeTerm(a1, i, neg));
      o0 = i32x4.add(o0, planeTerm(b0, i, neg));
      o1 = i32x4.add(o1, planeTerm(b1, i, neg));
    }
    const ro = <usize>r << 2;
    storeBlock(W, e0, e1, o0, o1, total, bias + ro, out + ro);
  }
}

/** Activations 0..15 (tables of lut_tables_a4). */
export function gemv_wNa4_r16__simd128_lut(w: usize, t: usize, bias: usize, out: usize, rows: i32, k: i32, W: i32): void {
  if (ASC_FEATURE_SIMD) lutRows(4, w, t, bias, out, rows, k, W);
}
/** Activations 0..255 (tables of lut_tables_a8). */
export function gemv_wNa8_r16__simd128_lut(w: usize, t: usize, bias: usize, out: usize, rows: i32, k: i32, W: i32): void {
  if (ASC_FEATURE_SIMD) lutRows(8, w, t, bias, out, rows, k, W);
}
