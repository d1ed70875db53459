/**
 * @fileoverview Relaxed-SIMD GEMV on int8 rows (the SIMD W = 8 layout: 4-row blocks, 16 bytes of each row per 16 columns):
 * i32x4.relaxed_dot_i8x16_i7x16_add_s multiplies 16 int8 weights by 16 activations and adds into 4 i32 lanes in one
 * instruction. Its result is deterministic only while every lane of the second operand is 0..127, so the activations go
 * there: unsigned codes below 128 as they are (`a7`), codes below 256 as (x & 127) + 128 * (x >> 7), two dots (`a8`).
 * Layout and preconditions: kernels/README.md. Only in relaxed.wasm.
 */

/** [sum a0, sum a1, sum a2, sum a3] of four i32x4 accumulators. */
@inline function hsum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const t0 = i32x4.add(i32x4.shuffle(a0, a1, 0, 4, 1, 5), i32x4.shuffle(a0, a1, 2, 6, 3, 7));
  const t1 = i32x4.add(i32x4.shuffle(a2, a3, 0, 4, 1, 5), i32x4.shuffle(a2, a3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
}

/** out[r] = bias[r] + sum_k w[r][k] * x[k]; x: int16 codes 0..2^A - 1 (A = 7 or 8, literal), padded to 16 with 0. */
@inline function dot8Rows(A: i32, w: usize, x: usize, bias: usize, out: usize, rows: i32, k: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    const chunks = (k + 15) >> 4;
    const z = i32x4.splat(0), low7 = i8x16.splat(127);
    for (let r = 0; r < rows; r += 4) {
      let a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
      let xp = x;
      for (let c = 0; c < chunks; c++) {
        // 16 codes as bytes (exact: each is below 256).
        const xb = i8x16.narrow_i16x8_u(v128.load(xp), v128.load(xp, 16));
        xp += 32;
        const lo = A == 7 ? xb : v128.and(xb, low7);
        const w0 = v128.load(w), w1 = v128.load(w, 16), w2 = v128.load(w, 32), w3 = v128.load(w, 48);
        w += 64;
        a0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, lo, a0);
        a1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, lo, a1);
        a2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w2, lo, a2);
        a3 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w3, lo, a3);
        if (A == 8) {
          // The top bit of each code as 0 or 1 (u8 compare gives 0 / -1; negate).
          const hi = i8x16.sub(z, i8x16.gt_s(z, xb));
          b0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, hi, b0);
          b1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, hi, b1);
          b2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w2, hi, b2);
          b3 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w3, hi, b3);
        }
      }
      let s = hsum4(a0, a1, a2, a3);
      if (A == 8) s = i32x4.add(s, i32x4.shl(hsum4(b0, b1, b2, b3), 7));
      const o = <usize>r << 2;
      v128.store(out + o, i32x4.add(s, v128.load(bias + o)));
    }
  }
}

/** Activations 0..127. */
export function gemv_w8a7_r4__relaxed_dot8(w: usize, x: usize, bias: usize, out: usize, rows: i32, k: i32): void {
  dot8Rows(7, w, x, bias, out, rows, k);
}
/** Activations 0..255. */
export function gemv_w8a8_r4__relaxed_dot8(w: usize, x: usize, bias: usize, out: usize, rows: i32, k: i32): void {
  dot8Rows(8, w, x, bias, out, rows, k);
}

/**
 * 1 when this engine's relaxed instructions give the results the kernels rely on (checked by the host before it uses
 * relaxed.wasm; Node 20 behind its flag returns 120 for relaxed_dot(3, 5, c) instead of 60 + c), else 0. Covers the
 * operand extremes (-128, 127 times 0, 127), a non-zero accumulator, and relaxed_swizzle on every in-range index.
 */
export function relaxed_self_test(): i32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return 0;
  const a = i8x16(-128, 127, -1, 5, 3, 3, 3, 3, -128, -128, -128, -128, 127, 127, 127, 127);
  const b = i8x16(127, 127, 0, 1, 5, 5, 5, 5, 127, 127, 127, 127, 127, 127, 127, 127);
  const d = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, i32x4(7, -1000, 2147483000, -5));
  // Lane sums: -128*127 + 127*127 + 0 + 5 = -122 (+7); 4*15 = 60 (-1000); 4*-16256 = -65024; 4*16129 = 64516.
  const want = i32x4(-115, -940, 2147483000 - 65024, 64511);
  const t = i8x16(10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25);
  const idx = i8x16(15, 0, 14, 1, 13, 2, 12, 3, 11, 4, 10, 5, 9, 6, 8, 7);
  const s = i8x16.relaxed_swizzle(t, idx);
  const ok = v128.and(i32x4.eq(d, want), i8x16.eq(s, i8x16.swizzle(t, idx)));
  return i8x16.all_true(ok) ? 1 : 0;
}
