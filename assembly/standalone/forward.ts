/**
 * @fileoverview The no-host module's forward pass: one sample, scalar kernels (bit-serial and int8 rows), driven by the
 * descriptor standalone/planner.ts writes (common/abi.ts; its batch fields stay at one sample). The JS hosts' builds run
 * common/forward.ts, which adds batches and the SIMD kernels; this copy stays minimal so that nohost.wasm does not grow.
 */
import {
  gemv_w1aN_r1__scalar_popcnt, gemv_w2aN_r1__scalar_popcnt, gemv_w4aN_r1__scalar_popcnt, gemv_w8aN_r1__scalar_popcnt,
} from '../kernels/gemv/scalar-popcnt';
import { gemv_w8a16_r1__scalar } from '../kernels/gemv/scalar-i8';
import { requant_i16, requant_planes, planes_from_i16 } from '../kernels/requant';
import {
  GROUP_BIAS_PTR, GROUP_KERNEL, GROUP_ROWS, GROUP_W_PTR, GROUP_WORDS, HDR_IN_COUNT, HDR_IN_OFFSET, HDR_IN_PTR, HDR_LAYERS,
  HDR_WORDS, HDR_X0_PLANES, HDR_X0_PTR, KERNEL_I8, KERNEL_PRUNED, KERNEL_W1, KERNEL_W2, KERNEL_W4, LAYER_ACC_PTR, LAYER_GROUPS,
  LAYER_GROUPS_PTR, LAYER_IS_LAST, LAYER_K, LAYER_N, LAYER_RECS_PTR, LAYER_WORDS, LAYER_X_I16_PTR, LAYER_X_PLANES, LAYER_X_PTR,
  LAYER_Y_I16_PTR, LAYER_Y_PLANES, LAYER_Y_PTR, LAYER_Y_ZS, REC_BYTES, REC_INDEX,
} from '../common/abi';

/** Word `field` of the descriptor record at `p`. */
@inline function fld(p: usize, field: i32): i32 {
  return load<i32>(p + (<usize>field << 2));
}

function gemvGroup(kernel: i32, w: usize, x: usize, bias: usize, out: usize, rows: i32, k: i32, planes: i32, x16: usize): void {
  if (kernel == KERNEL_PRUNED) {
    memory.copy(out, bias, <usize>rows << 2);
    return;
  }
  if (kernel == KERNEL_I8) {
    gemv_w8a16_r1__scalar(w, x16, bias, out, rows, k);
    return;
  }
  const kw = (k + 63) >>> 6;
  if (kernel == KERNEL_W1) gemv_w1aN_r1__scalar_popcnt(w, x, bias, out, rows, kw, planes);
  else if (kernel == KERNEL_W2) gemv_w2aN_r1__scalar_popcnt(w, x, bias, out, rows, kw, planes);
  else if (kernel == KERNEL_W4) gemv_w4aN_r1__scalar_popcnt(w, x, bias, out, rows, kw, planes);
  else gemv_w8aN_r1__scalar_popcnt(w, x, bias, out, rows, kw, planes);
}

/** Runs one sample: reads int16 input codes at HDR_IN_PTR, writes int32 output accumulators at HDR_OUT_PTR. */
export function forward(desc: usize): void {
  const nLayers = fld(desc, HDR_LAYERS);
  const x0 = <usize>fld(desc, HDR_X0_PTR);
  planes_from_i16(fld(desc, HDR_IN_PTR), fld(desc, HDR_IN_COUNT), fld(desc, HDR_IN_OFFSET), x0, fld(desc, HDR_X0_PLANES));
  for (let l = 0; l < nLayers; l++) {
    const L = desc + (<usize>(HDR_WORDS + l * LAYER_WORDS) << 2);
    const k = fld(L, LAYER_K), n = fld(L, LAYER_N), x = <usize>fld(L, LAYER_X_PTR), planes = fld(L, LAYER_X_PLANES);
    const acc = <usize>fld(L, LAYER_ACC_PTR), nGroups = fld(L, LAYER_GROUPS), x16 = <usize>fld(L, LAYER_X_I16_PTR);
    let g = <usize>fld(L, LAYER_GROUPS_PTR);
    let row = 0;
    for (let i = 0; i < nGroups; i++, g += GROUP_WORDS << 2) {
      const rows = fld(g, GROUP_ROWS);
      const w = <usize>fld(g, GROUP_W_PTR), bias = <usize>fld(g, GROUP_BIAS_PTR);
      gemvGroup(fld(g, GROUP_KERNEL), w, x, bias, acc + (<usize>row << 2), rows, k, planes, x16);
      row += rows;
    }
    const recs = <usize>fld(L, LAYER_RECS_PTR), y = <usize>fld(L, LAYER_Y_PTR);
    if (fld(L, LAYER_IS_LAST)) {
      for (let r = 0; r < n; r++) {
        store<i32>(y + (<usize>load<u16>(recs + <usize>r * REC_BYTES, REC_INDEX) << 2), load<i32>(acc + (<usize>r << 2)));
      }
    } else {
      requant_planes(acc, recs, y, n, fld(L, LAYER_Y_PLANES));
      const y16 = <usize>fld(L, LAYER_Y_I16_PTR);
      if (y16) requant_i16(acc, recs, y16, n, fld(L, LAYER_Y_ZS));
    }
  }
}
