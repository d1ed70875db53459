/**
 * @fileoverview No-host planner: builds the scalar arena of a file the validator accepted, right after the file: the
 * forward descriptor (common/forward.ts), activations, per-neuron records and the weights repacked per kernel
 * (kernels/README.md). Reads the file through the validator's pointers and map lookups; checks nothing again.
 */
import { E_MEMORY } from '../common/abi';
import { canonicalCode, canonicalRowBytes } from '../common/canonical';
import { HDR_WORDS, LAYER_WORDS, GROUP_I8 } from '../common/forward';
import { end, errCode, fail, head, hNum, hPtr, scan, skip, slot } from './msgpack';
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

/**
 * Kernel of a row of width `b` reading `a` activation planes: bit-serial while it costs at most half an AND+POPCNT pair
 * per MAC (W x a <= 32), else int8 x int16 unpacked, whose cost does not grow with either width (measured under wasm3).
 */
@inline function groupKind(b: i32, a: i32): i32 {
  const w = kernelWidth(b);
  return w * a > 32 ? GROUP_I8 : w;
}

let top: usize = 0;
const counts = memory.data(10 * 4);
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
  memory.fill(at, 0, <usize>n);
  return at;
}

/** Builds the scalar arena at `base` for the validated file; 0 or E_MEMORY. Descriptor layout: common/forward.ts. */
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
    for (let j = 0; j < n; j++) i8 = i8 || groupKind(load<u8>(wb + j), a) == GROUP_I8;
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
  store<i32>(desc, nL);
  store<i32>(desc + 4, <i32>stage);
  store<i32>(desc + 8, F);
  store<i32>(desc + 12, 1 << (maxBits - 1));
  store<i32>(desc + 24, <i32>out);
  let k = F, planes = maxBits, xPtr = take(((k + 63) >>> 6) * planes * 8), x16: usize = stage;
  if (!xPtr) return errCode;
  store<i32>(desc + 16, <i32>xPtr);
  store<i32>(desc + 20, planes);
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
    // Counting sort of neurons by kernel (groupKind): groups in kernel order, stable inside a group.
    memory.fill(counts, 0, 40);
    for (let j = 0; j < n; j++) {
      const c = counts + (<usize>groupKind(load<u8>(wb + j), planes) << 2);
      store<i32>(c, load<i32>(c) + 1);
    }
    let nGroups = 0;
    for (let b = 0; b <= GROUP_I8; b++) if (load<i32>(counts + (<usize>b << 2))) nGroups++;
    const groups = take(16 * nGroups), recs = take(8 * n), biasE = take(4 * (n + 3));
    if (!biasE) return errCode;
    const kw = (k + 63) >>> 6;
    // Folded into the bias as adj * rowsum: bit planes hold layer 0's signed codes offset to unsigned; int16 copies hold
    // 16-bit codes minus 32768 (README).
    const adjPlanes = l == 0 ? -(1 << (maxBits - 1)) : 0, adj16 = l > 0 && planes == 16 ? 32768 : 0;
    let r = 0, g = groups;
    for (let b = 0; b <= GROUP_I8; b++) {
      const rows = load<i32>(counts + (<usize>b << 2));
      if (!rows) continue;
      const i8 = b == GROUP_I8, adj = i8 ? adj16 : adjPlanes;
      const wg: usize = i8 ? take(rows * k) : b ? take(rows * kw * b * 8) : 0;
      if (b && !wg) return errCode;
      store<i32>(g, b);
      store<i32>(g + 4, rows);
      store<i32>(g + 8, <i32>wg);
      store<i32>(g + 12, <i32>(biasE + (<usize>r << 2)));
      g += 16;
      let row = w, gi = 0;
      for (let j = 0; j < n; j++) {
        const bj = <i32>load<u8>(wb + j);
        if (groupKind(bj, planes) == b) {
          const rec = recs + (<usize>r << 3); // mult i32, natural index u16, shift u8, bits u8 (kernels/requant.ts)
          store<u16>(rec, <u16>j, 4);
          let sum = 0;
          for (let e = 0; e < k && b; e++) {
            const v = canonicalCode(row, e, bj);
            sum += v;
            if (i8) {
              store<i8>(wg + <usize>(gi * k + e), <i8>v);
              continue;
            }
            const f = b == 1 ? (v + 1) >> 1 : v & ((1 << b) - 1); // stored field at the kernel width
            const at = wg + (<usize>((gi * kw + (e >>> 6)) * b) << 3) + (<usize>(e & 63) >>> 3);
            for (let i = 0; i < b; i++) if ((f >>> i) & 1) store<u8>(at + (<usize>i << 3), <u8>(<i32>load<u8>(at + (<usize>i << 3)) | (1 << (e & 7))));
          }
          store<i32>(biasE + (<usize>r << 2), load<i32>(bias + (<usize>j << 2)) + adj * sum);
          if (!isLast) {
            store<i32>(rec, load<i32>(am + (<usize>j << 2)));
            store<u8>(rec, load<u8>(ash + j), 6);
            store<u8>(rec, load<u8>(ab + j), 7);
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
    const L = desc + (<usize>(HDR_WORDS + l * LAYER_WORDS) << 2);
    store<i32>(L, k);
    store<i32>(L + 4, n);
    store<i32>(L + 8, <i32>xPtr);
    store<i32>(L + 12, planes);
    store<i32>(L + 16, <i32>acc);
    store<i32>(L + 20, nGroups);
    store<i32>(L + 24, <i32>groups);
    store<i32>(L + 28, <i32>recs);
    store<i32>(L + 44, <i32>yPtr);
    store<i32>(L + 48, yPlanes);
    store<i32>(L + 52, isLast ? 1 : 0);
    store<i32>(L + 56, load<u8>(needs16 + l) ? <i32>x16 : 0);
    store<i32>(L + 60, <i32>y16);
    x16 = y16;
    xPtr = yPtr;
    planes = yPlanes;
    k = n;
    lp = skip(lp, end);
  }
  arenaEnd = top;
  return 0;
}
