/**
 * @fileoverview SIMD GEMM on the gemv `_dot16` lane-group layouts: 4 rows x 2 samples per iteration, so that each weight
 * vector is unpacked once for two samples (the shifts are a third of a GEMV's vector instructions). Same layout,
 * preconditions and results as gemv/simd128-dot16.ts (kernels/README.md); samples at x + s * xStride, out + s * outStride.
 */

/** Sum of the int16 activations at x (`n` vectors of 8), for the W = 1 identity sum w*x = -2 dot(-u, x) - sum(x). */
@inline function sum16(x: usize, n: i32): i32 {
  let sx = i32x4.splat(0);
  for (let i = 0; i < n; i++) sx = i32x4.add(sx, i32x4.extadd_pairwise_i16x8_s(v128.load(x + (<usize>i << 4))));
  const h = i32x4.add(sx, i32x4.shuffle(sx, sx, 2, 3, 0, 1));
  return i32x4.extract_lane(h, 0) + i32x4.extract_lane(h, 1);
}

/** [sum a0, sum a1, sum a2, sum a3] of four i32x4 accumulators. */
@inline function hsum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const t0 = i32x4.add(i32x4.shuffle(a0, a1, 0, 4, 1, 5), i32x4.shuffle(a0, a1, 2, 6, 3, 7));
  const t1 = i32x4.add(i32x4.shuffle(a2, a3, 0, 4, 1, 5), i32x4.shuffle(a2, a3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
}

/** Two samples (x, x + xStride) through the W-bit lane-group rows; W literal. */
@inline function dot16Rows2(W: i32, w: usize, x: usize, xStride: usize, bias: usize, out: usize, outStride: usize, rows: i32, k: i32): void {
  if (ASC_FEATURE_SIMD) {
    const C = 128 / W;
    const P = 16 / W;
    const chunks = (k + C - 1) / C;
    const z = i32x4.splat(0);
    const y = x + xStride;
    let total0 = 0, total1 = 0;
    if (W == 1) {
      total0 = sum16(x, chunks * P);
      total1 = sum16(y, chunks * P);
    }
    for (let r = 0; r < rows; r += 4) {
      let a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
      let xp = x, yp = y;
      if (W == 8) {
        // int8 rows (gemv/simd128-dot16.ts): each widened half-row serves both samples.
        for (let c = 0; c < chunks; c++) {
          const xa = v128.load(xp), xb = v128.load(xp, 16), ya = v128.load(yp), yb = v128.load(yp, 16);
          xp += 32;
          yp += 32;
          let u = v128.load8x8_s(w), v = v128.load8x8_s(w, 8);
          a0 = i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(u, xa), i32x4.dot_i16x8_s(v, xb)));
          b0 = i32x4.add(b0, i32x4.add(i32x4.dot_i16x8_s(u, ya), i32x4.dot_i16x8_s(v, yb)));
          u = v128.load8x8_s(w, 16);
          v = v128.load8x8_s(w, 24);
          a1 = i32x4.add(a1, i32x4.add(i32x4.dot_i16x8_s(u, xa), i32x4.dot_i16x8_s(v, xb)));
          b1 = i32x4.add(b1, i32x4.add(i32x4.dot_i16x8_s(u, ya), i32x4.dot_i16x8_s(v, yb)));
          u = v128.load8x8_s(w, 32);
          v = v128.load8x8_s(w, 40);
          a2 = i32x4.add(a2, i32x4.add(i32x4.dot_i16x8_s(u, xa), i32x4.dot_i16x8_s(v, xb)));
          b2 = i32x4.add(b2, i32x4.add(i32x4.dot_i16x8_s(u, ya), i32x4.dot_i16x8_s(v, yb)));
          u = v128.load8x8_s(w, 48);
          v = v128.load8x8_s(w, 56);
          a3 = i32x4.add(a3, i32x4.add(i32x4.dot_i16x8_s(u, xa), i32x4.dot_i16x8_s(v, xb)));
          b3 = i32x4.add(b3, i32x4.add(i32x4.dot_i16x8_s(u, ya), i32x4.dot_i16x8_s(v, yb)));
          w += 64;
        }
      } else for (let c = 0; c < chunks; c++) {
        let v0 = v128.load(w), v1 = v128.load(w, 16), v2 = v128.load(w, 32), v3 = v128.load(w, 48);
        w += 64;
        for (let q = 0; ; ) {
          // Top W bits of each lane, sign-extended, once for both samples.
          let u0 = i16x8.shr_s(v0, 16 - W), u1 = i16x8.shr_s(v1, 16 - W), u2 = i16x8.shr_s(v2, 16 - W), u3 = i16x8.shr_s(v3, 16 - W);
          let xa = v128.load(xp), xb = v128.load(yp);
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(u0, xa));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(u1, xa));
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(u2, xa));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(u3, xa));
          b0 = i32x4.add(b0, i32x4.dot_i16x8_s(u0, xb));
          b1 = i32x4.add(b1, i32x4.dot_i16x8_s(u1, xb));
          b2 = i32x4.add(b2, i32x4.dot_i16x8_s(u2, xb));
          b3 = i32x4.add(b3, i32x4.dot_i16x8_s(u3, xb));
          xp += 16;
          yp += 16;
          q++;
          if (q == P) break;
          v0 = i16x8.shl(v0, W);
          v1 = i16x8.shl(v1, W);
          v2 = i16x8.shl(v2, W);
          v3 = i16x8.shl(v3, W);
        }
      }
      let s = hsum4(a0, a1, a2, a3), t = hsum4(b0, b1, b2, b3);
      if (W == 1) {
        s = i32x4.sub(i32x4.sub(z, i32x4.shl(s, 1)), i32x4.splat(total0));
        t = i32x4.sub(i32x4.sub(z, i32x4.shl(t, 1)), i32x4.splat(total1));
      }
      const o = <usize>r << 2;
      const bv = v128.load(bias + o);
      v128.store(out + o, i32x4.add(s, bv));
      v128.store(out + outStride + o, i32x4.add(t, bv));
    }
  } else {
    unreachable();
  }
}

export function gemm_w1a16_r4s2__simd128_dot16(w: usize, x: usize, xStride: usize, bias: usize, out: usize, outStride: usize, rows: i32, k: i32): void {
  dot16Rows2(1, w, x, xStride, bias, out, outStride, rows, k);
}
export function gemm_w2a16_r4s2__simd128_dot16(w: usize, x: usize, xStride: usize, bias: usize, out: usize, outStride: usize, rows: i32, k: i32): void {
  dot16Rows2(2, w, x, xStride, bias, out, outStride, rows, k);
}
export function gemm_w4a16_r4s2__simd128_dot16(w: usize, x: usize, xStride: usize, bias: usize, out: usize, outStride: usize, rows: i32, k: i32): void {
  dot16Rows2(4, w, x, xStride, bias, out, outStride, rows, k);
}
export function gemm_w8a16_r4s2__simd128_dot16(w: usize, x: usize, xStride: usize, bias: usize, out: usize, outStride: usize, rows: i32, k: i32): void {
  dot16Rows2(8, w, x, xStride, bias, out, outStride, rows, k);
}
