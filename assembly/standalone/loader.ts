/**
 * @fileoverview No-host loader: validates a model file placed in linear memory with the rules of formats/read.ts
 * (SPEC §7, same error codes) and builds the scalar arena after it (bit-plane weights, descriptor of common/forward.ts).
 */
import {
  E_ACC_OVERFLOW, E_BITWIDTH, E_CHECKSUM, E_EMPTY, E_FORMAT_NAME, E_FORMAT_VERSION, E_LENGTH, E_LIMIT, E_MEMORY, E_MSGPACK,
  E_PADDING, E_REQUIRES, E_SHAPE, E_TYPE, E_VALUE, errCode, fail, hKind, hLen, hNext, hNum, hPtr, head, resetError, skip,
  K_ARRAY, K_BIN, K_FLOAT, K_INT, K_MAP, K_NIL, K_STR,
} from './msgpack';
import { HDR_WORDS, LAYER_WORDS, GROUP_WORDS, GROUP_I8 } from '../common/forward';

const MAX_FILE = 64 << 20, MAX_F = 4096, MAX_N = 4096, MAX_L = 64, MAX_NAME = 256;

let end: usize = 0;

// ---- map field lookup: slot i = position of the value of key i (last one wins, as in msgpackr), 0 if absent.
const slots = memory.data(8 * 4);

@inline function slot(i: i32): usize {
  return load<u32>(slots + (<usize>i << 2));
}

/** True when the str at (p, n) equals ASCII `s`. */
function strIs(p: usize, n: u32, s: string): bool {
  if (<i32>n != s.length) return false;
  for (let i = 0; i < <i32>n; i++) if (<i32>load<u8>(p + i) != s.charCodeAt(i)) return false;
  return true;
}

/** Index of the str (p, n) in the comma-separated ASCII `names`, or -1. */
function keyIndex(p: usize, n: u32, names: string): i32 {
  let k = 0, i = 0; // i: position in the current name
  let ok = true;
  for (let c = 0; c <= names.length; c++) {
    const ch = c < names.length ? names.charCodeAt(c) : 44;
    if (ch == 44) {
      if (ok && <u32>i == n) return k;
      k++;
      i = 0;
      ok = true;
    } else {
      if (<u32>i >= n || <i32>load<u8>(p + i) != ch) ok = false;
      i++;
    }
  }
  return -1;
}

/** Reads the map at `p` (E_TYPE if not a map) and fills `slots` for the comma-separated `names`. */
function scan(p: usize, names: string): bool {
  memory.fill(slots, 0, 32);
  if (p == 0 || !head(p, end) || hKind != K_MAP) return typeErr(p);
  let n = hLen;
  p = hNext;
  for (let i: u32 = 0; i < n; i++) {
    head(p, end); // structure was validated by skip()
    const idx = hKind == K_STR ? keyIndex(hPtr, hLen, names) : -1;
    p = hNext;
    if (idx >= 0) store<u32>(slots + (<usize>idx << 2), <u32>p);
    p = skip(p, end);
  }
  return true;
}

function typeErr(p: usize): bool {
  fail(E_TYPE, p);
  return false;
}

/** Bin of exactly `bytes` bytes at `p`: E_TYPE / E_LENGTH. Returns its payload pointer (0 on error). */
function bin(p: usize, bytes: u32): usize {
  if (p == 0 || !head(p, end) || hKind != K_BIN) return typeErr(p) ? 0 : 0;
  if (hLen != bytes) {
    fail(E_LENGTH, p);
    return 0;
  }
  return hPtr == 0 ? 1 : hPtr;
}

/** Non-negative integer (int or integral float, as JS numbers) at most `max`: E_TYPE / E_LIMIT; -1 on error. */
function uint(p: usize, max: i32): i32 {
  if (p == 0 || !head(p, end) || (hKind != K_INT && hKind != K_FLOAT) || hNum != Math.floor(hNum) || !isFinite(hNum) || hNum < 0) {
    typeErr(p);
    return -1;
  }
  if (hNum > <f64>max) {
    fail(E_LIMIT, p);
    return -1;
  }
  return <i32>hNum;
}

/** A str of at most `max` bytes of UTF-8 (SPEC §3.4): E_TYPE / E_LIMIT. */
function str(p: usize, max: i32): bool {
  if (p == 0 || !head(p, end) || hKind != K_STR) return typeErr(p);
  if (hLen > <u32>max) {
    fail(E_LIMIT, p);
    return false;
  }
  return true;
}

/** Array of exactly `count` strs (names): E_TYPE / E_SHAPE / E_LIMIT. */
function names(p: usize, count: i32): bool {
  if (p == 0 || !head(p, end) || hKind != K_ARRAY) return typeErr(p);
  if (<i32>hLen != count) {
    fail(E_SHAPE, p);
    return false;
  }
  p = hNext;
  for (let i = 0; i < count; i++) {
    if (!str(p, MAX_NAME)) return false;
    p = hNext;
  }
  return true;
}

function bits(p: usize, n: i32, lo: i32, hi: i32): bool {
  for (let i = 0; i < n; i++) {
    const b = <i32>load<u8>(p + i);
    if (b < lo || b > hi) {
      fail(E_BITWIDTH, p + i);
      return false;
    }
  }
  return true;
}

/** Finite (and > 0 when `positive`) f32 or f64 values: E_VALUE. */
function floats(p: usize, n: i32, size: i32, positive: bool): bool {
  for (let i = 0; i < n; i++) {
    const v = size == 8 ? load<f64>(p + (<usize>i << 3)) : <f64>load<f32>(p + (<usize>i << 2));
    if (!isFinite(v) || (positive && !(v > 0))) {
      fail(E_VALUE, p + <usize>(i * size));
      return false;
    }
  }
  return true;
}

@inline export function rowBytes(k: i32, b: i32): i32 {
  return (k * b + 7) >>> 3;
}

/** Raw b-bit field e of a canonical row (SPEC §5.2). */
@inline export function field(row: usize, e: i32, b: i32): i32 {
  const bit = e * b, p = row + <usize>(bit >>> 3), sh = bit & 7;
  let v = <i32>load<u8>(p) >>> sh;
  if (sh + b > 8) v |= <i32>load<u8>(p + 1) << (8 - sh);
  return v & ((1 << b) - 1);
}
@inline export function fieldValue(f: i32, b: i32): i32 {
  return b == 1 ? (f << 1) - 1 : (f << (32 - b)) >> (32 - b);
}

// CRC-32 (SPEC §2.4), nibble table: 64 bytes of static data instead of 1 KiB.
const CRC_NIBBLE = memory.data<u32>([
  0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
  0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
]);
export function crc32(p: usize, n: usize): u32 {
  let c: u32 = 0xffffffff;
  for (let i: usize = 0; i < n; i++) {
    c ^= <u32>load<u8>(p + i);
    c = (c >>> 4) ^ load<u32>(CRC_NIBBLE + ((c & 15) << 2));
    c = (c >>> 4) ^ load<u32>(CRC_NIBBLE + ((c & 15) << 2));
  }
  return ~c;
}

// ---- the loaded model (one per instance)
export let F: i32 = 0;
export let O: i32 = 0;
export let nL: i32 = 0;
export let desc: usize = 0;
export let xin: usize = 0; // f64 x F, written by the host
export let yout: usize = 0; // f32 x O
export let inBitsP: usize = 0, centerP: usize = 0, gainP: usize = 0, scaleP: usize = 0, offsetP: usize = 0, outNamesP: usize = 0;
export let arenaEnd: usize = 0;
let layersP: usize = 0;

/** Validates one layer map at `p` (formats/read.ts readLayer); `inMaxBits` points at the widths of its inputs. */
function checkLayer(p: usize, fanIn: i32, isLast: bool, inBits: usize, inSigned: bool): i32 {
  if (!scan(p, 'in,out,w_bits,weights,bias,w_scale,act')) return -1;
  const pIn = slot(0), pOut = slot(1), pWb = slot(2), pW = slot(3), pB = slot(4), pS = slot(5), pAct = slot(6);
  const k = uint(pIn, MAX_N);
  if (k < 0) return -1;
  const n = uint(pOut, MAX_N);
  if (n < 0) return -1;
  if (k != fanIn) return shape(pIn);
  if (n == 0) return shape(pOut);
  const wb = bin(pWb, n);
  if (!wb || !bits(wb, n, 0, 8)) return -1;
  let total: u32 = 0;
  for (let j = 0; j < n; j++) total += <u32>rowBytes(k, load<u8>(wb + j));
  const w = bin(pW, total);
  if (!w) return -1;
  const bias = bin(pB, 4 * n);
  if (!bias) return -1;
  const ws = bin(pS, 4 * n);
  if (!ws || !floats(ws, n, 4, true)) return -1;
  let row = w;
  for (let j = 0; j < n; j++) {
    const b = <i32>load<u8>(wb + j), rb = rowBytes(k, b);
    // R14: padding bits after the last code are zero.
    const used = k * b;
    if (used & 7 && (<i32>load<u8>(row + <usize>(rb - 1)) >>> (used & 7)) != 0) {
      fail(E_PADDING, row + <usize>(rb - 1));
      return -1;
    }
    let bound = <i64>abs<i32>(load<i32>(bias + (<usize>j << 2)));
    if (load<i32>(bias + (<usize>j << 2)) == i32.MIN_VALUE) bound = 0x80000000;
    if (b) {
      for (let e = 0; e < k; e++) {
        const ib = <i32>load<u8>(inBits + e);
        const inMax = inSigned ? (1 << (ib - 1)) - 1 : (1 << ib) - 1;
        bound += <i64>abs<i32>(fieldValue(field(row, e, b), b)) * <i64>inMax;
      }
    }
    if (bound > 0x7fffffff) {
      fail(E_ACC_OVERFLOW, row);
      return -1;
    }
    row += <usize>rb;
  }
  if (isLast) {
    if (pAct != 0 && (!head(pAct, end) || hKind != K_NIL)) return typeErr(pAct) ? -1 : -1;
  } else {
    if (!scan(pAct, 'bits,scale,mult,shift')) return -1;
    const ab = bin(slot(0), n);
    if (!ab || !bits(ab, n, 1, 16)) return -1;
    const as = bin(slot(1), 4 * n);
    if (!as || !floats(as, n, 4, true)) return -1;
    const am = bin(slot(2), 4 * n);
    if (!am) return -1;
    const sh = bin(slot(3), n);
    if (!sh) return -1;
    for (let j = 0; j < n; j++) {
      const m = load<i32>(am + (<usize>j << 2)), s = <i32>load<u8>(sh + j);
      if (m < 1) { fail(E_VALUE, am + (<usize>j << 2)); return -1; }
      if (s < 1 || s > 62) { fail(E_VALUE, sh + j); return -1; }
    }
  }
  return n;
}

function shape(p: usize): i32 {
  fail(E_SHAPE, p);
  return -1;
}

/** Validates the whole file (every rule of SPEC §7 in formats/read.ts order); 0 or the first error code. */
export function validate(file: usize, len: usize): i32 {
  resetError();
  end = file + len;
  if (len == 0) { fail(E_EMPTY, file); return errCode; }
  if (len > <usize>MAX_FILE) { fail(E_LIMIT, file); return errCode; }
  const after = skip(file, end);
  if (after == 0) return errCode;
  if (after != end) { fail(E_MSGPACK, after); return errCode; }
  if (!scan(file, 'format,version,requires,crc32,body')) return errCode;
  const pFormat = slot(0), pVersion = slot(1), pReq = slot(2), pCrc = slot(3), pBody = slot(4);
  if (pFormat == 0 || !head(pFormat, end) || hKind != K_STR || !strIs(hPtr, hLen, 'nmp-edge')) { fail(E_FORMAT_NAME, pFormat); return errCode; }
  if (pVersion == 0 || !head(pVersion, end) || (hKind != K_INT && hKind != K_FLOAT) || hNum != Math.floor(hNum) || !isFinite(hNum) || hNum < 1 || hNum > 1) {
    fail(E_FORMAT_VERSION, pVersion);
    return errCode;
  }
  if (pReq == 0 || !head(pReq, end) || hKind != K_ARRAY) { fail(E_TYPE, pReq); return errCode; }
  let nReq = hLen, q = hNext;
  for (let i: u32 = 0; i < nReq; i++) {
    if (!str(q, MAX_NAME)) return errCode;
    q = hNext;
  }
  if (nReq > 0) { fail(E_REQUIRES, pReq); return errCode; } // v1 defines no requirement
  if (pBody == 0 || !head(pBody, end) || hKind != K_BIN) { fail(E_TYPE, pBody); return errCode; }
  const body = hPtr, bodyLen = hLen;
  if (pCrc == 0 || !head(pCrc, end) || (hKind != K_INT && hKind != K_FLOAT) || hNum != Math.floor(hNum) || !(hNum >= 0 && hNum <= 4294967295)) {
    fail(E_TYPE, pCrc);
    return errCode;
  }
  if (<f64>crc32(body, bodyLen) != hNum) { fail(E_CHECKSUM, pCrc); return errCode; }

  end = body + bodyLen;
  const bodyEnd = skip(body, end);
  if (bodyEnd == 0) return errCode;
  if (bodyEnd != end) { fail(E_MSGPACK, bodyEnd); return errCode; }
  if (!scan(body, 'meta,input,layers,output')) return errCode;
  const pMeta = slot(0), pInput = slot(1), pLayers = slot(2), pOutput = slot(3);
  if (!scan(pMeta, 'task,feature_names,output_names,provenance,target_column')) return errCode;
  const pTask = slot(0), pFeat = slot(1), pOutN = slot(2), pProv = slot(3), pTarget = slot(4);
  if (pTask == 0 || !head(pTask, end) || hKind != K_STR || !(strIs(hPtr, hLen, 'classification') || strIs(hPtr, hLen, 'regression'))) {
    fail(E_VALUE, pTask);
    return errCode;
  }
  if (!scan(pInput, 'bits,center,gain')) return errCode;
  const pBits = slot(0), pCenter = slot(1), pGain = slot(2);
  if (pBits == 0 || !head(pBits, end) || hKind != K_BIN) { fail(E_TYPE, pBits); return errCode; }
  F = <i32>hLen;
  inBitsP = hPtr;
  if (F == 0 || F > MAX_F) { fail(E_LIMIT, pBits); return errCode; }
  centerP = bin(pCenter, 8 * F);
  if (!centerP) return errCode;
  gainP = bin(pGain, 8 * F);
  if (!gainP) return errCode;
  if (!bits(inBitsP, F, 2, 16) || !floats(centerP, F, 8, false) || !floats(gainP, F, 8, true)) return errCode;

  if (pLayers == 0 || !head(pLayers, end) || hKind != K_ARRAY) { fail(E_TYPE, pLayers); return errCode; }
  nL = <i32>hLen;
  if (nL < 1 || nL > MAX_L) { fail(E_LIMIT, pLayers); return errCode; }
  layersP = hNext;
  let lp = layersP, fanIn = F, inBits = inBitsP, signed = true;
  for (let l = 0; l < nL; l++) {
    const n = checkLayer(lp, fanIn, l == nL - 1, inBits, signed);
    if (n < 0) return errCode;
    if (l < nL - 1) {
      scan(lp, 'act');
      scan(slot(0), 'bits');
      head(slot(0), end);
      inBits = hPtr;
      signed = false;
    }
    fanIn = n;
    lp = skip(lp, end);
  }
  O = fanIn;
  if (!names(pFeat, F)) return errCode;
  if (!names(pOutN, O)) return errCode;
  outNamesP = pOutN;
  // provenance (formats/read.ts readProvenance order)
  if (!scan(pProv, 'method,dataset,seed,metrics,tool,created_at')) return errCode;
  const pMethod = slot(0), pData = slot(1), pSeed = slot(2), pMetrics = slot(3), pTool = slot(4), pCreated = slot(5);
  if (pSeed == 0 || !head(pSeed, end) || !(hKind == K_NIL || ((hKind == K_INT || hKind == K_FLOAT) && hNum == Math.floor(hNum) && isFinite(hNum)))) {
    fail(E_TYPE, pSeed);
    return errCode;
  }
  if (pMetrics == 0 || !head(pMetrics, end) || hKind != K_MAP) { fail(E_TYPE, pMetrics); return errCode; }
  const nm = hLen;
  if (nm > <u32>MAX_NAME) { fail(E_LIMIT, pMetrics); return errCode; }
  q = hNext;
  for (let i: u32 = 0; i < nm; i++) {
    head(q, end);
    const key = q, keyStr = hKind == K_STR, kp = hPtr, kn = hLen;
    q = hNext;
    if (!head(q, end) || !((hKind == K_INT) || (hKind == K_FLOAT && isFinite(hNum)))) { fail(E_TYPE, q); return errCode; }
    if (keyStr && kn > <u32>MAX_NAME) { fail(E_LIMIT, key); return errCode; }
    void kp;
    q = skip(q, end);
  }
  if (!str(pMethod, MAX_NAME) || !str(pData, 4096) || !str(pTool, MAX_NAME) || !str(pCreated, MAX_NAME)) return errCode;
  if (pTarget != 0 && !str(pTarget, MAX_NAME)) return errCode;
  if (!scan(pOutput, 'scale,offset')) return errCode;
  const pScale = slot(0), pOffset = slot(1);
  scaleP = bin(pScale, 8 * O);
  if (!scaleP) return errCode;
  offsetP = bin(pOffset, 8 * O);
  if (!offsetP || !floats(scaleP, O, 8, true) || !floats(offsetP, O, 8, false)) return errCode;
  // SPEC §3.6: no accumulator may dequantise to an infinite float32.
  for (let j = 0; j < O; j++) {
    if (load<f64>(scaleP + (<usize>j << 3)) * 2147483647.0 + Math.abs(load<f64>(offsetP + (<usize>j << 3))) > 3.4028234663852886e38) {
      fail(E_VALUE, scaleP + (<usize>j << 3));
      return errCode;
    }
  }
  return 0;
}

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

// ---- arena (after validation succeeded)
let top: usize = 0;
const counts = memory.data(10 * 4);
const needs16 = memory.data(64);

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
export function build(base: usize): i32 {
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
            const v = fieldValue(field(row, e, bj), bj);
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
        row += <usize>rowBytes(k, bj);
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

export function outNamesAt(): usize {
  return outNamesP;
}
export function fileEnd(): usize {
  return end;
}
void GROUP_WORDS;
void E_MSGPACK;
