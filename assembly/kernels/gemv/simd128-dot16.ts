/**
 * @fileoverview SIMD GEMV, 4 rows per iteration: lane-group weights unpacked with constant i16x8 shifts, then i32x4.dot_i16x8_s
 * (the fastest path measured in the notes, 13-24 GMAC/s). W = 8 keeps int8 rows widened by v128.load8x8_s (one instruction
 * per 8 weights instead of a shift and a half): 23.4 -> 28.5 GMAC/s at 512x512, best of 11 alternating rounds.
 * Layout and preconditions: README.md. Scalar builds trap (never called).
 */

/** One `@inline` body; `W` is a literal at each call site (1, 2, 4 or 8) so shifts and trip counts fold. */
@inline function dot16Rows(W: i32, w: usize, x: usize, bias: usize, out: usize, rows: i32, k: i32): void {
  if (ASC_FEATURE_SIMD) {
    const C = 128 / W; // elements per 16-byte row chunk
    const P = 16 / W; // codes per i16 lane
    const chunks = (k + C - 1) / C;
    const z = i32x4.splat(0);
    // W = 1 needs sum(x) (see below): once per call, not per row block.
    let total = 0;
    if (W == 1) {
      let sx = z;
      for (let i = 0, n = chunks * P; i < n; i++) sx = i32x4.add(sx, i32x4.extadd_pairwise_i16x8_s(v128.load(x + (<usize>i << 4))));
      const h = i32x4.add(sx, i32x4.shuffle(sx, sx, 2, 3, 0, 1));
      total = i32x4.extract_lane(h, 0) + i32x4.extract_lane(h, 1);
    }
    for (let r = 0; r < rows; r += 4) {
      let a0 = z, a1 = z, a2 = z, a3 = z;
      let xp = x;
      if (W == 8) {
        // int8 rows: per 16 columns, 16 bytes of row 0, then rows 1, 2, 3.
        for (let c = 0; c < chunks; c++) {
          const x0 = v128.load(xp), x1 = v128.load(xp, 16);
          xp += 32;
          a0 = i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(w), x0), i32x4.dot_i16x8_s(v128.load8x8_s(w, 8), x1)));
          a1 = i32x4.add(a1, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(w, 16), x0), i32x4.dot_i16x8_s(v128.load8x8_s(w, 24), x1)));
          a2 = i32x4.add(a2, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(w, 32), x0), i32x4.dot_i16x8_s(v128.load8x8_s(w, 40), x1)));
          a3 = i32x4.add(a3, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(w, 48), x0), i32x4.dot_i16x8_s(v128.load8x8_s(w, 56), x1)));
          w += 64;
        }
      } else for (let c = 0; c < chunks; c++) {
        let v0 = v128.load(w), v1 = v128.load(w, 16), v2 = v128.load(w, 32), v3 = v128.load(w, 48);
        w += 64;
        // P (16 / W) is even: two codes per iteration, no shift after the last one.
        for (let q = 0; ; ) {
          const x0 = v128.load(xp), x1 = v128.load(xp, 16);
          xp += 32;
          // Top W bits of each lane, sign-extended: code of element q*8 + l; then move the next code up.
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.shr_s(v0, 16 - W), x0));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.shr_s(v1, 16 - W), x0));
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.shr_s(v2, 16 - W), x0));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.shr_s(v3, 16 - W), x0));
          v0 = i16x8.shl(v0, W);
          v1 = i16x8.shl(v1, W);
          v2 = i16x8.shl(v2, W);
          v3 = i16x8.shl(v3, W);
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.shr_s(v0, 16 - W), x1));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.shr_s(v1, 16 - W), x1));
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.shr_s(v2, 16 - W), x1));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.shr_s(v3, 16 - W), x1));
          q += 2;
          if (q == P) break;
          v0 = i16x8.shl(v0, W);
          v1 = i16x8.shl(v1, W);
          v2 = i16x8.shl(v2, W);
          v3 = i16x8.shl(v3, W);
        }
      }
      // Transpose-add the four accumulators: s = [sum a0, sum a1, sum a2, sum a3].
      const t0 = i32x4.add(i32x4.shuffle(a0, a1, 0, 4, 1, 5), i32x4.shuffle(a0, a1, 2, 6, 3, 7));
      const t1 = i32x4.add(i32x4.shuffle(a2, a3, 0, 4, 1, 5), i32x4.shuffle(a2, a3, 2, 6, 3, 7));
      let s = i32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
      if (W == 1) {
        // shr_s gave -u; weight 2u - 1: sum w*x = -2 * dot(-u, x) - sum(x).
        s = i32x4.sub(i32x4.sub(z, i32x4.shl(s, 1)), i32x4.splat(total));
      }
      const o = <usize>r << 2;
      v128.store(out + o, i32x4.add(s, v128.load(bias + o)));
    }
  } else {
    unreachable();
  }
}

export function gemv_w1a16_r4__simd128_dot16(w: usize, x: usize, bias: usize, out: usize, rows: i32, k: i32): void {
  dot16Rows(1, w, x, bias, out, rows, k);
}
export function gemv_w2a16_r4__simd128_dot16(w: usize, x: usize, bias: usize, out: usize, rows: i32, k: i32): void {
  dot16Rows(2, w, x, bias, out, rows, k);
}
export function gemv_w4a16_r4__simd128_dot16(w: usize, x: usize, bias: usize, out: usize, rows: i32, k: i32): void {
  dot16Rows(4, w, x, bias, out, rows, k);
}
export function gemv_w8a16_r4__simd128_dot16(w: usize, x: usize, bias: usize, out: usize, rows: i32, k: i32): void {
  dot16Rows(8, w, x, bias, out, rows, k);
}
