/**
 * @fileoverview Table-lookup GEMM: the gemv `_lut` kernels for 4 samples at once. The weight nibbles of a 16-row block are
 * extracted once per 16 columns and looked up in the tables of 4 samples, which is what a batch buys over a GEMV loop.
 * Same layouts, same exactness argument (gemv/simd128-lut.ts); A = 8 runs the low-nibble and high-nibble tables in two
 * passes so that 4 samples' accumulators stay in registers. Layout and preconditions: kernels/README.md.
 */
import { planeTerm, storeBlock } from '../gemv/simd128-lut';

/**
 * Samples s = 0..3: out_s[r] = bias[r] + sum_k w[r][k] * x_s[k], tables of sample s at t + s * tStride, outputs at
 * out + s * outStride (bytes). `A` literal (4 or 8), W planes at run time.
 */
@inline function lutRows4(A: i32, w: usize, t: usize, tStride: usize, bias: usize, out: usize, outStride: usize, rows: i32, k: i32, W: i32): void {
  const chunks = (k + 15) >> 4;
  const lo = i16x8.splat(0xff), nib = i8x16.splat(15);
  const z = i32x4.splat(0);
  const step: usize = A == 4 ? 64 : 128; // table bytes per 16 columns
  const parts = A == 4 ? 1 : 2;
  const t0 = t + 16, t1 = t0 + tStride, t2 = t1 + tStride, t3 = t2 + tStride;
  const block = <usize>(W * chunks) << 5; // weight bytes per 16-row block
  for (let r = 0; r < rows; r += 16) {
    const ro = <usize>r << 2;
    const wb0 = w + <usize>(r >> 4) * block;
    // Four samples x (e0, e1, o0, o1) i32 accumulators do not fit in registers with the inner loop's: they live in `out`
    // (each sample's own 16 entries), read and written once per plane.
    for (let s = 0; s < 4; s++) {
      const o = out + <usize>s * outStride + ro;
      v128.store(o, z);
      v128.store(o, z, 16);
      v128.store(o, z, 32);
      v128.store(o, z, 48);
    }
    for (let i = 0; i < W; i++) {
      for (let part = 0; part < parts; part++) {
        let el0 = z, ol0 = z, el1 = z, ol1 = z, el2 = z, ol2 = z, el3 = z, ol3 = z;
        let wp = wb0 + (<usize>(i * chunks) << 5);
        let tp: usize = <usize>(part << 4);
        for (let c = 0; c < chunks; c++) {
          const wa = v128.load(wp), wb = v128.load(wp, 16);
          wp += 32;
          const ia = v128.and(wa, nib), ib = v128.and(i16x8.shr_u(wa, 4), nib);
          const ic = v128.and(wb, nib), id = v128.and(i16x8.shr_u(wb, 4), nib);
          let p = t0 + tp;
          let s = look4(A, p, ia, ib, ic, id);
          el0 = i16x8.add(el0, v128.and(s, lo));
          ol0 = i16x8.add(ol0, i16x8.shr_u(s, 8));
          p = t1 + tp;
          s = look4(A, p, ia, ib, ic, id);
          el1 = i16x8.add(el1, v128.and(s, lo));
          ol1 = i16x8.add(ol1, i16x8.shr_u(s, 8));
          p = t2 + tp;
          s = look4(A, p, ia, ib, ic, id);
          el2 = i16x8.add(el2, v128.and(s, lo));
          ol2 = i16x8.add(ol2, i16x8.shr_u(s, 8));
          p = t3 + tp;
          s = look4(A, p, ia, ib, ic, id);
          el3 = i16x8.add(el3, v128.and(s, lo));
          ol3 = i16x8.add(ol3, i16x8.shr_u(s, 8));
          tp += step;
        }
        const sh = part == 0 ? i : i + 4, neg = W > 1 && i == W - 1;
        addPlane(out + ro, el0, ol0, sh, neg);
        addPlane(out + outStride + ro, el1, ol1, sh, neg);
        addPlane(out + 2 * outStride + ro, el2, ol2, sh, neg);
        addPlane(out + 3 * outStride + ro, el3, ol3, sh, neg);
      }
    }
    for (let s = 0; s < 4; s++) {
      const o = out + <usize>s * outStride + ro;
      storeBlock(W, v128.load(o), v128.load(o, 16), v128.load(o, 32), v128.load(o, 48), load<i32>(t + <usize>s * tStride), bias + ro, o);
    }
  }
}

/** Sum of the 4 groups' lookups of one 16-column chunk (u8 lanes, <= 240): tables at p, p + g, p + 2g, p + 3g, g = 16 or 32. */
@inline function look4(A: i32, p: usize, ia: v128, ib: v128, ic: v128, id: v128): v128 {
  if (A == 4) {
    return i8x16.add(i8x16.add(i8x16.swizzle(v128.load(p), ia), i8x16.swizzle(v128.load(p, 16), ib)),
      i8x16.add(i8x16.swizzle(v128.load(p, 32), ic), i8x16.swizzle(v128.load(p, 48), id)));
  }
  return i8x16.add(i8x16.add(i8x16.swizzle(v128.load(p), ia), i8x16.swizzle(v128.load(p, 32), ib)),
    i8x16.add(i8x16.swizzle(v128.load(p, 64), ic), i8x16.swizzle(v128.load(p, 96), id)));
}

/** Adds one plane's u16 even/odd-row sums, times its coefficient, to the 4 i32 vectors parked at `o` (e0, e1, o0, o1). */
@inline function addPlane(o: usize, el: v128, ol: v128, sh: i32, neg: bool): void {
  v128.store(o, i32x4.add(v128.load(o), planeTerm(i32x4.extend_low_i16x8_u(el), sh, neg)));
  v128.store(o, i32x4.add(v128.load(o, 16), planeTerm(i32x4.extend_high_i16x8_u(el), sh, neg)), 16);
  v128.store(o, i32x4.add(v128.load(o, 32), planeTerm(i32x4.extend_low_i16x8_u(ol), sh, neg)), 32);
  v128.store(o, i32x4.add(v128.load(o, 48), planeTerm(i32x4.extend_high_i16x8_u(ol), sh, neg)), 48);
}

/** 4 samples, activations 0..15 (tables of lut_tables_a4). */
export function gemm_wNa4_r16s4__simd128_lut(w: usize, t: usize, tStride: usize, bias: usize, out: usize, outStride: usize, rows: i32, k: i32, W: i32): void {
  if (ASC_FEATURE_SIMD) lutRows4(4, w, t, tStride, bias, out, outStride, rows, k, W);
}
/** 4 samples, activations 0..255 (tables of lut_tables_a8). */
export function gemm_wNa8_r16s4__simd128_lut(w: usize, t: usize, tStride: usize, bias: usize, out: usize, outStride: usize, rows: i32, k: i32, W: i32): void {
  if (ASC_FEATURE_SIMD) lutRows4(8, w, t, tStride, bias, out, outStride, rows, k, W);
}
