/**
 * @fileoverview Whole-model forward pass of the JS hosts' builds (simd.wasm, scalar.wasm), driven by the descriptor
 * runtime/plan.ts writes: int16 input codes in, int32 output accumulators out, for 1..HDR_BATCH samples per call.
 * Per layer: (1) SIMD, per sample: the input's lookup tables, then the KERNEL_LUT groups (table kernels are bound by their
 * lookups, so a batch gains nothing from sharing their weights: measured, kernels/README.md); (2) every other group for
 * all samples at once, two samples per GEMM call; (3) requantisation per sample. Descriptor layout: common/abi.ts.
 * The no-host module has its own one-sample copy (standalone/forward.ts).
 */
import {
  gemv_w1a16_r4__simd128_dot16, gemv_w2a16_r4__simd128_dot16, gemv_w4a16_r4__simd128_dot16, gemv_w8a16_r4__simd128_dot16,
} from '../kernels/gemv/simd128-dot16';
import {
  gemm_w1a16_r4s2__simd128_dot16, gemm_w2a16_r4s2__simd128_dot16, gemm_w4a16_r4s2__simd128_dot16, gemm_w8a16_r4s2__simd128_dot16,
} from '../kernels/gemm/simd128-dot16';
import { gemv_wNa4_r16__simd128_lut, gemv_wNa8_r16__simd128_lut, lut_tables_a4, lut_tables_a8 } from '../kernels/gemv/simd128-lut';
import {
  gemv_w1aN_r4__scalar_popcnt, gemv_w2aN_r1__scalar_popcnt, gemv_w4aN_r1__scalar_popcnt, gemv_w8aN_r1__scalar_popcnt,
} from '../kernels/gemv/scalar-popcnt';
import { gemm_w1aN_r2s2__scalar_popcnt, gemm_w2aN_r2s2__scalar_popcnt } from '../kernels/gemm/scalar-popcnt';
import { gemv_w8a16_r1__scalar } from '../kernels/gemv/scalar-i8';
import { gemv_w8a7_r4__relaxed_dot8, gemv_w8a8_r4__relaxed_dot8 } from '../kernels/gemv/relaxed-dot8';
import { bytes_from_i16, planes_from_bytes, requant_bytes, requant_i16, requant_i16_seq } from '../kernels/requant';
import {
  GROUP_BIAS_PTR, GROUP_KERNEL, GROUP_ROWS, GROUP_W_PTR, GROUP_WORDS, HDR_ACC_STRIDE, HDR_BYTES_PTR, HDR_IN_COUNT, HDR_IN_OFFSET, HDR_IN_PTR,
  HDR_IN_STRIDE, HDR_LAYERS, HDR_WORDS, HDR_X0_PLANES, HDR_X0_PTR, KERNEL_DOT8, KERNEL_I8, KERNEL_LUT, KERNEL_PRUNED, KERNEL_W1, KERNEL_W2,
  KERNEL_W4, LAYER_ACC_PTR, LAYER_GROUPS, LAYER_GROUPS_PTR, LAYER_IS_LAST, LAYER_K, LAYER_N, LAYER_RECS_PTR, LAYER_T_KIND,
  LAYER_T_PTR, LAYER_WORDS, LAYER_X_I16_PTR, LAYER_X_PLANES, LAYER_X_PTR, LAYER_X_STRIDE, LAYER_Y_GROUPED, LAYER_Y_I16_PTR,
  LAYER_Y_PLANES, LAYER_Y_PTR, LAYER_Y_STRIDE, LAYER_Y_ZS, REC_BYTES, REC_INDEX,
} from './abi';

/** Word `field` of the descriptor record at `p`. */
@inline function fld(p: usize, field: i32): i32 {
  return load<i32>(p + (<usize>field << 2));
}

/** One sample through a non-table group (SIMD dot16 lane groups; scalar bit planes or int8 rows). */
function gemvGroup(kernel: i32, w: usize, x: usize, bias: usize, out: usize, rows: i32, k: i32, planes: i32, x16: usize): void {
  if (!ASC_FEATURE_SIMD && kernel == KERNEL_I8) {
    gemv_w8a16_r1__scalar(w, x16, bias, out, rows, k);
    return;
  }
  if (ASC_FEATURE_RELAXED_SIMD && kernel == KERNEL_DOT8) {
    if (planes <= 7) gemv_w8a7_r4__relaxed_dot8(w, x, bias, out, rows, k);
    else gemv_w8a8_r4__relaxed_dot8(w, x, bias, out, rows, k);
    return;
  }
  if (ASC_FEATURE_SIMD) {
    if (kernel == KERNEL_W1) gemv_w1a16_r4__simd128_dot16(w, x, bias, out, rows, k);
    else if (kernel == KERNEL_W2) gemv_w2a16_r4__simd128_dot16(w, x, bias, out, rows, k);
    else if (kernel == KERNEL_W4) gemv_w4a16_r4__simd128_dot16(w, x, bias, out, rows, k);
    else gemv_w8a16_r4__simd128_dot16(w, x, bias, out, rows, k);
  } else {
    const kw = (k + 63) >>> 6;
    if (kernel == KERNEL_W1) gemv_w1aN_r4__scalar_popcnt(w, x, bias, out, rows, kw, planes);
    else if (kernel == KERNEL_W2) gemv_w2aN_r1__scalar_popcnt(w, x, bias, out, rows, kw, planes);
    else if (kernel == KERNEL_W4) gemv_w4aN_r1__scalar_popcnt(w, x, bias, out, rows, kw, planes);
    else gemv_w8aN_r1__scalar_popcnt(w, x, bias, out, rows, kw, planes);
  }
}

/**
 * Two samples (x, x + xStride) through one group, each loaded weight vector or word serving both: SIMD dot16 lane groups,
 * scalar 1- and 2-bit planes. Returns false for the groups that have no GEMM (scalar 4- and 8-bit planes, int8 rows:
 * their pairs are not worth the module bytes).
 */
function gemmGroup2(kernel: i32, w: usize, x: usize, xStride: usize, bias: usize, out: usize, outStride: usize, rows: i32, k: i32, planes: i32): bool {
  if (ASC_FEATURE_SIMD) {
    // Relaxed dot products are bound by the dot itself: pairs would gain nothing over two GEMV calls.
    if (kernel == KERNEL_DOT8) return false;
    if (kernel == KERNEL_W1) gemm_w1a16_r4s2__simd128_dot16(w, x, xStride, bias, out, outStride, rows, k);
    else if (kernel == KERNEL_W2) gemm_w2a16_r4s2__simd128_dot16(w, x, xStride, bias, out, outStride, rows, k);
    else if (kernel == KERNEL_W4) gemm_w4a16_r4s2__simd128_dot16(w, x, xStride, bias, out, outStride, rows, k);
    else gemm_w8a16_r4s2__simd128_dot16(w, x, xStride, bias, out, outStride, rows, k);
    return true;
  }
  const kw = (k + 63) >>> 6;
  if (kernel == KERNEL_W1) gemm_w1aN_r2s2__scalar_popcnt(w, x, xStride, bias, out, outStride, rows, kw, planes);
  else if (kernel == KERNEL_W2) gemm_w2aN_r2s2__scalar_popcnt(w, x, xStride, bias, out, outStride, rows, kw, planes);
  else return false;
  return true;
}

/** Bytes between samples of a scalar build's int16 copy of `n` activations (common/abi.ts LAYER_X_I16_PTR). */
@inline function i16Stride(n: i32): usize {
  return <usize>((2 * n + 15) & ~15);
}

/** Offset of the high bytes in the scalar byte scratch (HDR_BYTES_PTR) for `n` codes. */
@inline function bytesHalf(n: i32): usize {
  return <usize>((n + 63) & ~63);
}

/** SIMD layer 0 with a table kind: x0[i] = in[i] + offset for i < count (the padding after them stays 0). */
function offsetCodes(src: usize, n: i32, offset: i32, dst: usize): void {
  for (let i = 0; i < n; i++) store<i16>(dst + (<usize>i << 1), <i32>load<i16>(src + (<usize>i << 1)) + offset);
}

/** Runs one sample: reads int16 input codes at HDR_IN_PTR, writes int32 output accumulators at HDR_OUT_PTR. */
export function forward(desc: usize): void {
  forward_batch(desc, 1);
}

/** Runs samples 0..n-1 (n <= HDR_BATCH) of the per-sample buffers: codes at HDR_IN_PTR, accumulators at HDR_OUT_PTR. */
export function forward_batch(desc: usize, n: i32): void {
  const nLayers = fld(desc, HDR_LAYERS);
  const accStride = <usize>fld(desc, HDR_ACC_STRIDE);
  const x0 = <usize>fld(desc, HDR_X0_PTR);
  // Scalar builds: codes wait as bytes (low, then high for planes > 8) before they become bit planes.
  const lo: usize = ASC_FEATURE_SIMD ? 0 : <usize>fld(desc, HDR_BYTES_PTR);
  if (x0) {
    const src = <usize>fld(desc, HDR_IN_PTR), srcStride = <usize>fld(desc, HDR_IN_STRIDE);
    const count = fld(desc, HDR_IN_COUNT), offset = fld(desc, HDR_IN_OFFSET);
    const dstStride = <usize>fld(desc + (<usize>HDR_WORDS << 2), LAYER_X_STRIDE);
    const planes = fld(desc, HDR_X0_PLANES), hi: usize = planes > 8 ? lo + bytesHalf(count) : 0;
    for (let s = 0; s < n; s++) {
      const a = src + <usize>s * srcStride, b = x0 + <usize>s * dstStride;
      if (ASC_FEATURE_SIMD) offsetCodes(a, count, offset, b);
      else {
        bytes_from_i16(a, count, offset, lo, hi);
        planes_from_bytes(lo, hi, count, b, planes);
      }
    }
  }
  for (let l = 0; l < nLayers; l++) {
    const L = desc + (<usize>(HDR_WORDS + l * LAYER_WORDS) << 2);
    const k = fld(L, LAYER_K), nOut = fld(L, LAYER_N), x = <usize>fld(L, LAYER_X_PTR), planes = fld(L, LAYER_X_PLANES);
    const xStride = <usize>fld(L, LAYER_X_STRIDE);
    const acc = <usize>fld(L, LAYER_ACC_PTR), nGroups = fld(L, LAYER_GROUPS), x16 = <usize>fld(L, LAYER_X_I16_PTR);
    const groups = <usize>fld(L, LAYER_GROUPS_PTR);
    // (1) Table groups, sample by sample (they come first: kernels store whole 16-row blocks; common/abi.ts).
    let g = groups, row = 0, i = 0;
    const tKind = fld(L, LAYER_T_KIND);
    if (ASC_FEATURE_SIMD && tKind) {
      const t = <usize>fld(L, LAYER_T_PTR);
      for (let s = 0; s < n; s++) {
        if (tKind == 4) lut_tables_a4(x + <usize>s * xStride, k, t);
        else lut_tables_a8(x + <usize>s * xStride, k, t);
        g = groups;
        row = 0;
        for (i = 0; i < nGroups && fld(g, GROUP_KERNEL) > KERNEL_LUT; i++, g += GROUP_WORDS << 2) {
          const rows = fld(g, GROUP_ROWS), out = acc + <usize>s * accStride + (<usize>row << 2);
          const w = <usize>fld(g, GROUP_W_PTR), bias = <usize>fld(g, GROUP_BIAS_PTR), W = fld(g, GROUP_KERNEL) - KERNEL_LUT;
          if (tKind == 4) gemv_wNa4_r16__simd128_lut(w, t, bias, out, rows, k, W);
          else gemv_wNa8_r16__simd128_lut(w, t, bias, out, rows, k, W);
          row += rows;
        }
      }
    }
    // (2) The other groups, all samples: pairs through a GEMM, an odd last sample through the GEMV.
    for (; i < nGroups; i++, g += GROUP_WORDS << 2) {
      const kernel = fld(g, GROUP_KERNEL), rows = fld(g, GROUP_ROWS);
      const w = <usize>fld(g, GROUP_W_PTR), bias = <usize>fld(g, GROUP_BIAS_PTR);
      const out = acc + (<usize>row << 2);
      let s = 0;
      if (kernel == KERNEL_PRUNED) {
        for (; s < n; s++) memory.copy(out + <usize>s * accStride, bias, <usize>rows << 2);
      } else {
        for (; s + 1 < n; s += 2) {
          if (!gemmGroup2(kernel, w, x + <usize>s * xStride, xStride, bias, out + <usize>s * accStride, accStride, rows, k, planes)) break;
        }
        for (; s < n; s++) {
          gemvGroup(kernel, w, x + <usize>s * xStride, bias, out + <usize>s * accStride, rows, k, planes, x16 + <usize>s * i16Stride(k));
        }
      }
      row += rows;
    }
    // (3) Requantisation (hidden layers) or the output accumulators in natural order (last layer), per sample.
    const recs = <usize>fld(L, LAYER_RECS_PTR), y = <usize>fld(L, LAYER_Y_PTR), yStride = <usize>fld(L, LAYER_Y_STRIDE);
    const last = fld(L, LAYER_IS_LAST), zs = fld(L, LAYER_Y_ZS);
    for (let s = 0; s < n; s++) {
      const a = acc + <usize>s * accStride, ys = y + <usize>s * yStride;
      if (last) {
        for (let r = 0; r < nOut; r++) {
          store<i32>(ys + (<usize>load<u16>(recs + <usize>r * REC_BYTES, REC_INDEX) << 2), load<i32>(a + (<usize>r << 2)));
        }
      } else if (ASC_FEATURE_SIMD) {
        if (fld(L, LAYER_Y_GROUPED)) requant_i16_seq(a, recs, ys, nOut, zs);
        else requant_i16(a, recs, ys, nOut, zs);
      } else {
        const planes = fld(L, LAYER_Y_PLANES), hi: usize = planes > 8 ? lo + bytesHalf(nOut) : 0;
        requant_bytes(a, recs, lo, hi, nOut);
        planes_from_bytes(lo, hi, nOut, ys, planes);
        const y16 = <usize>fld(L, LAYER_Y_I16_PTR);
        if (y16) requant_i16(a, recs, y16 + <usize>s * i16Stride(nOut), nOut, zs);
      }
    }
  }
}
