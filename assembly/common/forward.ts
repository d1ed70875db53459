/**
 * @fileoverview Whole-model forward pass driven by a descriptor the host (or the standalone loader) wrote into memory:
 * input codes in, int32 output accumulators out, one call per sample. Descriptor layout below; all fields i32.
 */
import {
  gemv_w1a16_r4__simd128_dot16, gemv_w2a16_r4__simd128_dot16, gemv_w4a16_r4__simd128_dot16, gemv_w8a16_r4__simd128_dot16,
} from '../kernels/gemv/simd128-dot16';
import {
  gemv_w1aN_r1__scalar_popcnt, gemv_w2aN_r1__scalar_popcnt, gemv_w4aN_r1__scalar_popcnt, gemv_w8aN_r1__scalar_popcnt,
} from '../kernels/gemv/scalar-popcnt';
import { gemv_w8a16_r1__scalar } from '../kernels/gemv/scalar-i8';
import { requant_i16, requant_i16_seq, requant_planes, planes_from_i16 } from '../kernels/requant';

// Header (8 x i32): nLayers, inPtr (int16 codes), inCount, inOffset, x0Ptr, x0Planes, outPtr (int32, natural order), 0.
export const HDR_WORDS = 8;
// Layer record (16 x i32), at desc + 32 + 64 * l:
//  0 k, 1 n, 2 xPtr, 3 xPlanes (scalar), 4 accPtr (int32, grouped order, roundUp(n,4) entries), 5 nGroups, 6 groupsPtr,
//  7 recPtr (8-byte records per neuron in grouped order: mult, natural index, shift, bits; kernels/requant.ts),
//  8 output order of a hidden layer (SIMD): 0 natural (scatter by the records' index), 1 grouped (the next layer's weight
//  columns are permuted to match), 9..10 0,
//  11 yPtr, 12 yPlanes (scalar) or
//  zs (SIMD), 13 isLast, 14 xI16Ptr (scalar: int16 copy of the input for GROUP_I8 groups, or 0), 15 yI16Ptr (scalar: int16
//  copy of the output to write, = next layer's xI16Ptr, or 0; codes of 16-bit layers are stored minus 32768).
export const LAYER_WORDS = 16;
// Group record (4 x i32): kernel (0 = pruned rows: acc = bias; 1, 2, 4, 8 = that width's layout; GROUP_I8 = int8 rows read
// by gemv_w8a16_r1__scalar, scalar build only), rows, wPtr, biasPtr. Groups cover rows in grouped order.
export const GROUP_WORDS = 4;
export const GROUP_I8 = 9;

@inline function fld(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

function gemvGroup(bits: i32, w: usize, x: usize, bias: usize, out: usize, rows: i32, k: i32, planes: i32, x16: usize): void {
  if (bits == 0) {
    memory.copy(out, bias, <usize>rows << 2);
    return;
  }
  if (!ASC_FEATURE_SIMD && bits == GROUP_I8) {
    gemv_w8a16_r1__scalar(w, x16, bias, out, rows, k);
    return;
  }
  if (ASC_FEATURE_SIMD) {
    if (bits == 1) gemv_w1a16_r4__simd128_dot16(w, x, bias, out, rows, k);
    else if (bits == 2) gemv_w2a16_r4__simd128_dot16(w, x, bias, out, rows, k);
    else if (bits == 4) gemv_w4a16_r4__simd128_dot16(w, x, bias, out, rows, k);
    else gemv_w8a16_r4__simd128_dot16(w, x, bias, out, rows, k);
  } else {
    const kw = (k + 63) >>> 6;
    if (bits == 1) gemv_w1aN_r1__scalar_popcnt(w, x, bias, out, rows, kw, planes);
    else if (bits == 2) gemv_w2aN_r1__scalar_popcnt(w, x, bias, out, rows, kw, planes);
    else if (bits == 4) gemv_w4aN_r1__scalar_popcnt(w, x, bias, out, rows, kw, planes);
    else gemv_w8aN_r1__scalar_popcnt(w, x, bias, out, rows, kw, planes);
  }
}

/** Runs one sample: reads int16 input codes at header.inPtr, writes int32 output accumulators at header.outPtr. */
export function forward(desc: usize): void {
  const nLayers = fld(desc, 0);
  if (!ASC_FEATURE_SIMD) planes_from_i16(fld(desc, 1), fld(desc, 2), fld(desc, 3), fld(desc, 4), fld(desc, 5));
  for (let l = 0; l < nLayers; l++) {
    const L = desc + (<usize>(HDR_WORDS + l * LAYER_WORDS) << 2);
    const k = fld(L, 0), n = fld(L, 1), x = <usize>fld(L, 2), planes = fld(L, 3), acc = <usize>fld(L, 4);
    const nGroups = fld(L, 5);
    let g = <usize>fld(L, 6);
    let row = 0;
    for (let i = 0; i < nGroups; i++, g += GROUP_WORDS << 2) {
      const rows = fld(g, 1);
      gemvGroup(fld(g, 0), <usize>fld(g, 2), x, <usize>fld(g, 3), acc + (<usize>row << 2), rows, k, planes, <usize>fld(L, 14));
      row += rows;
    }
    const recs = <usize>fld(L, 7), y = <usize>fld(L, 11);
    if (fld(L, 13)) {
      for (let r = 0; r < n; r++) store<i32>(y + (<usize>load<u16>(recs + (<usize>r << 3), 4) << 2), load<i32>(acc + (<usize>r << 2)));
    } else if (ASC_FEATURE_SIMD) {
      if (fld(L, 8)) requant_i16_seq(acc, recs, y, n, fld(L, 12));
      else requant_i16(acc, recs, y, n, fld(L, 12));
    } else {
      const yPlanes = fld(L, 12);
      requant_planes(acc, recs, y, n, yPlanes);
      const y16 = <usize>fld(L, 15);
      if (y16) requant_i16(acc, recs, y16, n, yPlanes == 16 ? 32768 : 0);
    }
  }
}
