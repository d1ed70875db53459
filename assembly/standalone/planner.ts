/**
 * @fileoverview No-host planner: builds the scalar arena of a file the validator accepted, right after the file: the
 * forward descriptor, activations, per-neuron records and the weights repacked per kernel (layouts: common/abi.ts,
 * kernels/README.md). Reads the file through the validator's pointers and map lookups; checks nothing again.
 */
import {
  E_MEMORY, GROUP_BIAS_PTR, GROUP_KERNEL, GROUP_ROWS, GROUP_W_PTR, GROUP_WORDS, HDR_IN_COUNT, HDR_IN_OFFSET, HDR_IN_PTR,
  HDR_LAYERS, HDR_OUT_PTR, HDR_WORDS, HDR_X0_PLANES, HDR_X0_PTR, KERNEL_I8, KERNEL_I8_ABOVE_NOHOST, KERNEL_W1, LAYER_ACC_PTR,
  LAYER_GROUPS, LAYER_GROUPS_PTR, LAYER_IS_LAST, LAYER_K, LAYER_N, LAYER_RECS_PTR, LAYER_WORDS, LAYER_X_I16_PTR,
  LAYER_X_PLANES, LAYER_X_PTR, LAYER_Y_I16_PTR, LAYER_Y_PLANES, LAYER_Y_PTR, LAYER_Y_ZS, REC_BITS, REC_BYTES, REC_INDEX,
  REC_MULT, REC_SHIFT,
} from '../common/abi';
import { canonicalCode, canonicalRowBytes } from '../common/canonical';
import { dirtyTop, end, errCode, fail, head, hNum, hPtr, scan, skip, slot, touch } from './msgpack';
import { F, MAX_L, O, inBitsP, layersP, nL } from './validator';

// ---- the arena of the loaded model
export let desc: usize = 0;
/** f64 x F, written by the host. */
export let xin: usize = 0;
/** f32 x O, written by nmp_predict. */
export let yout: usize = 0;
export let arenaEnd: usize = 0;

@inline function kernelWidth(b: i32): i32 {
  return b <= 2 ? b : b <= 4 ? 4 : 8;
}

/** Kernel id of a row of file width `b` reading `a` activation planes (KERNEL_I8_ABOVE_NOHOST). */
@inline function kernelOf(b: i32, a: i32): i32 {
  const w = kernelWidth(b);
  return w * a > KERNEL_I8_ABOVE_NOHOST ? KERNEL_I8 : w;
}

/** Writes word `field` of the descriptor record at `rec`. */
@inline function put(rec: usize, field: i32, v: i32): void {
  store<i32>(rec + (<usize>field << 2), v);
}

let top: usize = 0;
const counts = memory.data((KERNEL_I8 + 1) * 4);
const needs16 = memory.data(MAX_L);

function take(n: i32): usize {
  const at = (top + 15) & ~15;
  top = at + <usize>n;
  const have = <usize>memory.size() << 16;
  if (top > have) {
    if (memory.grow(<i32>((top - have + 0xffff) >>> 16)) < 0) {
      fail(E_MEMORY, at);
      return 0;
    }
  }
  if (at < dirtyTop) memory.fill(at, 0, min(<usize>n, dirtyTop - at));
  touch(top);
  return at;
}

/** Builds the scalar arena at `base` for the validated file; 0 or E_MEMORY. */
export function plan(base: usize): i32 {
  top = base;
  let maxBits = 0;
  for (let i = 0; i < F; i++) maxBits = max(maxBits, <i32>load<u8>(inBitsP + i));
  desc = take(4 * (HDR_WORDS + LAYER_WORDS * nL));
  if (!desc) return errCode;
  // Pass 1: max n for the shared accumulator buffer, and which layers have int8 groups (they need an int16 input copy).
  let maxN = 0, lp = layersP, a = maxBits;
  for (let l = 0; l < nL; l++) {
    scan(lp, 'out,w_bits,act');
    const pAct = slot(2);
    head(slot(0), end);
    const n = <i32>hNum;
    maxN = max(maxN, n);
    head(slot(1), end);
    const wb = hPtr;
    let i8 = false;
    for (let j = 0; j < n; j++) i8 = i8 || kernelOf(load<u8>(wb + j), a) == KERNEL_I8;
    store<u8>(needs16 + l, i8 ? 1 : 0);
    if (l < nL - 1) {
      scan(pAct, 'bits');
      head(slot(0), end);
      a = 0;
      for (let j = 0; j < n; j++) a = max(a, <i32>load<u8>(hPtr + j));
    }
    lp = skip(lp, end);
  }
  const acc = take(4 * (maxN + 3));
  const stage = take(2 * F);
  const out = take(4 * O);
  xin = take(8 * F);
  yout = take(4 * O);
  if (!yout) return errCode;
  put(desc, HDR_LAYERS, nL);
  put(desc, HDR_IN_PTR, <i32>stage);
  put(desc, HDR_IN_COUNT, F);
  put(desc, HDR_IN_OFFSET, 1 << (maxBits - 1));
  put(desc, HDR_OUT_PTR, <i32>out);
  let k = F, planes = maxBits, xPtr = take(((k + 63) >>> 6) * planes * 8), x16: usize = stage, zs = 0;
  if (!xPtr) return errCode;
  put(desc, HDR_X0_PTR, <i32>xPtr);
  put(desc, HDR_X0_PLANES, planes);
  lp = layersP;
  for (let l = 0; l < nL; l++) {
    scan(lp, 'out,w_bits,weights,bias,act');
    const pAct = slot(4);
    head(slot(0), end);
    const n = <i32>hNum;
    head(slot(1), end);
    const wb = hPtr;
    head(slot(2), end);
    const w = hPtr;
    head(slot(3), end);
    const bias = hPtr;
    const isLast = l == nL - 1;
    let ab: usize = 0, am: usize = 0, ash: usize = 0, yPlanes = 0;
    if (!isLast) {
      scan(pAct, 'bits,mult,shift');
      head(slot(0), end); ab = hPtr;
      head(slot(1), end); am = hPtr;
      head(slot(2), end); ash = hPtr;
      for (let j = 0; j < n; j++) yPlanes = max(yPlanes, <i32>load<u8>(ab + j));
    }
    // Counting sort of neurons by kernel id: groups in id order, stable inside a group.
    memory.fill(counts, 0, (KERNEL_I8 + 1) * 4);
    for (let j = 0; j < n; j++) {
      const c = counts + (<usize>kernelOf(load<u8>(wb + j), planes) << 2);
      store<i32>(c, load<i32>(c) + 1);
    }
    let nGroups = 0;
    for (let b = 0; b <= KERNEL_I8; b++) if (load<i32>(counts + (<usize>b << 2))) nGroups++;
    const groups = take(4 * GROUP_WORDS * nGroups), recs = take(REC_BYTES * n), biasE = take(4 * (n + 3));
    if (!biasE) return errCode;
    const kw = (k + 63) >>> 6;
    // Folded into the bias as adj * rowsum: bit planes hold layer 0's signed codes offset to unsigned; int16 copies hold
    // codes minus the previous layer's LAYER_Y_ZS.
    const adjPlanes = l == 0 ? -(1 << (maxBits - 1)) : 0;
    let r = 0, g = groups;
    // b: kernel id; the bit-plane layouts' ids are their widths.
    for (let b = 0; b <= KERNEL_I8; b++) {
      const rows = load<i32>(counts + (<usize>b << 2));
      if (!rows) continue;
      const i8 = b == KERNEL_I8, adj = i8 ? zs : adjPlanes;
      const wg: usize = i8 ? take(rows * k) : b ? take(rows * kw * b * 8) : 0;
      if (b && !wg) return errCode;
      put(g, GROUP_KERNEL, b);
      put(g, GROUP_ROWS, rows);
      put(g, GROUP_W_PTR, <i32>wg);
      put(g, GROUP_BIAS_PTR, <i32>(biasE + (<usize>r << 2)));
      g += GROUP_WORDS << 2;
      let row = w, gi = 0;
      for (let j = 0; j < n; j++) {
        const bj = <i32>load<u8>(wb + j);
        if (kernelOf(bj, planes) == b) {
          const rec = recs + <usize>r * REC_BYTES;
          store<u16>(rec, <u16>j, REC_INDEX);
          let sum = 0;
          // An 8-bit canonical row is already int8 in order: copy it (66 MB of 8-bit rows: 0.8 s -> tools/bench/load.ts).
          if (i8 && bj == 8) {
            memory.copy(wg + <usize>(gi * k), row, <usize>k);
            if (adj) for (let e = 0; e < k; e++) sum += <i32>load<i8>(row + <usize>e);
          }
          for (let e = 0; e < k && b && !(i8 && bj == 8); e++) {
            const v = canonicalCode(row, e, bj);
            sum += v;
            if (i8) {
              store<i8>(wg + <usize>(gi * k + e), <i8>v);
              continue;
            }
            const f = b == KERNEL_W1 ? (v + 1) >> 1 : v & ((1 << b) - 1); // stored field at the kernel width
            const at = wg + (<usize>((gi * kw + (e >>> 6)) * b) << 3) + (<usize>(e & 63) >>> 3);
            for (let i = 0; i < b; i++) if ((f >>> i) & 1) store<u8>(at + (<usize>i << 3), <u8>(<i32>load<u8>(at + (<usize>i << 3)) | (1 << (e & 7))));
          }
          store<i32>(biasE + (<usize>r << 2), load<i32>(bias + (<usize>j << 2)) + adj * sum);
          if (!isLast) {
            store<i32>(rec, load<i32>(am + (<usize>j << 2)), REC_MULT);
            store<u8>(rec, load<u8>(ash + j), REC_SHIFT);
            store<u8>(rec, load<u8>(ab + j), REC_BITS);
          }
          r++;
          gi++;
        }
        row += <usize>canonicalRowBytes(k, bj);
      }
    }
    const yPtr: usize = isLast ? out : take(((n + 63) >>> 6) * yPlanes * 8);
    const y16: usize = !isLast && load<u8>(needs16 + l + 1) ? take(2 * n) : 0;
    if (!yPtr || (!isLast && load<u8>(needs16 + l + 1) && !y16)) return errCode;
    const yZs = yPlanes == 16 ? 32768 : 0;
    const L = desc + (<usize>(HDR_WORDS + l * LAYER_WORDS) << 2);
    put(L, LAYER_K, k);
    put(L, LAYER_N, n);
    put(L, LAYER_X_PTR, <i32>xPtr);
    put(L, LAYER_X_PLANES, planes);
    put(L, LAYER_ACC_PTR, <i32>acc);
    put(L, LAYER_GROUPS, nGroups);
    put(L, LAYER_GROUPS_PTR, <i32>groups);
    put(L, LAYER_RECS_PTR, <i32>recs);
    put(L, LAYER_Y_ZS, yZs);
    put(L, LAYER_Y_PTR, <i32>yPtr);
    put(L, LAYER_Y_PLANES, yPlanes);
    put(L, LAYER_IS_LAST, isLast ? 1 : 0);
    put(L, LAYER_X_I16_PTR, load<u8>(needs16 + l) ? <i32>x16 : 0);
    put(L, LAYER_Y_I16_PTR, <i32>y16);
    x16 = y16;
    xPtr = yPtr;
    planes = yPlanes;
    zs = yZs;
    k = n;
    lp = skip(lp, end);
  }
  arenaEnd = top;
  return 0;
}
