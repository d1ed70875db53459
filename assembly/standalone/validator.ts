/**
 * @fileoverview No-host validator: checks a model file placed in linear memory with every rule of SPEC §7, step by step
 * as formats/read.ts does (same order, same code, same byte offset; numbers: common/abi.ts, limits: common/limits.ts),
 * and records where the planner finds its parts.
 */
import {
  E_ACC_OVERFLOW, E_BITWIDTH, E_CHECKSUM, E_EMPTY, E_FORMAT_NAME, E_FORMAT_VERSION, E_LENGTH, E_LIMIT, E_PADDING,
  E_REQUIRES, E_SHAPE, E_TYPE, E_VALUE,
} from '../common/abi';
import { canonicalCode, canonicalRowBytes } from '../common/canonical';
import {
  ACC_MAX, ACT_BITS_MAX, ACT_BITS_MIN, FLOAT32_MAX, MAX_CATEGORIES, FORMAT_VERSION, INPUT_BITS_MAX, INPUT_BITS_MIN, MAX_DATASET_LENGTH,
  MAX_FEATURES, MAX_FILE_BYTES, MAX_LAYERS, MAX_METRICS, MAX_NAME_LENGTH, MAX_NEURONS, REQUANT_MULT_MAX, REQUANT_SHIFT_MAX,
  REQUANT_SHIFT_MIN, WEIGHT_BITS_MAX, WEIGHT_BITS_MIN,
} from '../common/limits';
import {
  addKey, end, errCode, fail, hKind, hLen, hNext, hNum, hPtr, head, resetError, scan, scratch, setEnd, skip, slot, strIs, typeErr, walk, zeroed,
  K_ARRAY, K_BIN, K_FLOAT, K_INT, K_MAP, K_NIL, K_STR,
} from './msgpack';

export const MAX_L = MAX_LAYERS;

/** A msgpack int, or a float with an integral value (SPEC §2.1); NaN otherwise (formats/read.ts integerAt). */
function integer(p: usize): f64 {
  if (p == 0 || !head(p, end)) return NaN;
  if (hKind == K_INT) return hNum;
  if (hKind == K_FLOAT && isFinite(hNum) && Math.floor(hNum) == hNum) return hNum;
  return NaN;
}

/** Unsigned integer in min..max: E_TYPE, then E_LIMIT; -1 on error. */
function uint(p: usize, at: usize, max: i32, min: i32): i32 {
  const v = integer(p);
  if (!(v >= 0)) {
    typeErr(p, at);
    return -1;
  }
  if (v > <f64>max || v < <f64>min) {
    fail(E_LIMIT, p);
    return -1;
  }
  return <i32>v;
}

/** A str of at most `max` bytes: E_TYPE, then E_LIMIT. */
function str(p: usize, at: usize, max: i32): bool {
  if (p == 0 || !head(p, end) || hKind != K_STR) return typeErr(p, at);
  if (hLen > <u32>max) {
    fail(E_LIMIT, p);
    return false;
  }
  return true;
}

/** Bin of exactly `bytes` bytes: E_TYPE, then E_LENGTH. Returns its payload pointer (0 on error). */
function bin(p: usize, at: usize, bytes: u32): usize {
  if (p == 0 || !head(p, end) || hKind != K_BIN) return typeErr(p, at) ? 0 : 0;
  if (hLen != bytes) {
    fail(E_LENGTH, p);
    return 0;
  }
  return hPtr;
}

/** Array of exactly `count` strs (names): E_TYPE, E_SHAPE, then each name. */
function names(p: usize, at: usize, count: i32): bool {
  if (p == 0 || !head(p, end) || hKind != K_ARRAY) return typeErr(p, at);
  if (<i32>hLen != count) {
    fail(E_SHAPE, p);
    return false;
  }
  p = hNext;
  for (let i = 0; i < count; i++) {
    if (!str(p, p, MAX_NAME_LENGTH)) return false;
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

// CRC-32 (SPEC §2.4), slicing-by-4: four 1 KiB tables built at start (T[k][n]: byte n then k zero bytes), one word
// per step; 4 KiB of memory for about 4x the speed of the 64-byte nibble table it replaced (tools/bench/load.ts).
const CRC_T = memory.data(4096);
function crcTables(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(CRC_T + (<usize>n << 2), c);
  }
  for (let k: usize = 1; k < 4; k++) {
    for (let n: usize = 0; n < 256; n++) {
      const prev = load<u32>(CRC_T + ((k - 1) << 10) + (n << 2));
      store<u32>(CRC_T + (k << 10) + (n << 2), (prev >>> 8) ^ load<u32>(CRC_T + ((<usize>prev & 0xff) << 2)));
    }
  }
}
crcTables();
@inline function crcT(k: usize, n: u32): u32 {
  return load<u32>(CRC_T + (k << 10) + (<usize>(n & 0xff) << 2));
}
function crc32(p: usize, n: usize): u32 {
  let c: u32 = 0xffffffff;
  const e = p + n, e4 = p + (n & ~3);
  for (; p < e4; p += 4) {
    const w = c ^ load<u32>(p); // little-endian, as WebAssembly
    c = crcT(3, w) ^ crcT(2, w >>> 8) ^ crcT(1, w >>> 16) ^ crcT(0, w >>> 24);
  }
  for (; p < e; p++) c = crcT(0, c ^ <u32>load<u8>(p)) ^ (c >>> 8);
  return ~c;
}

// ---- What validate found, for the planner and the API (one model per instance): counts and payload pointers.
export let F: i32 = 0;
export let O: i32 = 0;
export let nL: i32 = 0;
export let inBitsP: usize = 0, centerP: usize = 0, gainP: usize = 0, scaleP: usize = 0, offsetP: usize = 0, outNamesP: usize = 0;
export let layersP: usize = 0;

/** Validates one layer map at `lp` (formats/read.ts readLayer); `inBits` points at the widths of its inputs. */
function checkLayer(lp: usize, fanIn: i32, isLast: bool, inBits: usize, inSigned: bool): i32 {
  if (!scan(lp, 'in,out,w_bits,weights,bias,w_scale,act', lp)) return -1;
  const pIn = slot(0), pOut = slot(1), pWb = slot(2), pW = slot(3), pB = slot(4), pS = slot(5), pAct = slot(6);
  const k = uint(pIn, lp, MAX_NEURONS, 0);
  if (k < 0) return -1;
  const n = uint(pOut, lp, MAX_NEURONS, 1);
  if (n < 0) return -1;
  if (k != fanIn) {
    fail(E_SHAPE, pIn);
    return -1;
  }
  const wb = bin(pWb, lp, n);
  if (!wb || !bits(wb, n, WEIGHT_BITS_MIN, WEIGHT_BITS_MAX)) return -1;
  let total: u32 = 0;
  for (let j = 0; j < n; j++) total += <u32>canonicalRowBytes(k, load<u8>(wb + j));
  const w = bin(pW, lp, total);
  if (!w) return -1;
  const bias = bin(pB, lp, 4 * n);
  if (!bias) return -1;
  const ws = bin(pS, lp, 4 * n);
  if (!ws || !floats(ws, n, 4, true)) return -1;
  // Sum of max|input|: a row whose worst case (every weight at its largest magnitude) fits needs no pass over its weights.
  let inSum: i64 = 0;
  for (let e = 0; e < k; e++) {
    const ib = <i32>load<u8>(inBits + e);
    inSum += inSigned ? (1 << (ib - 1)) - 1 : (1 << ib) - 1;
  }
  let row = w;
  for (let j = 0; j < n; j++) {
    const b = <i32>load<u8>(wb + j), rb = canonicalRowBytes(k, b);
    // SPEC §5.2: padding bits after the last code are zero.
    const used = k * b;
    if (used & 7 && (<i32>load<u8>(row + <usize>(rb - 1)) >>> (used & 7)) != 0) {
      fail(E_PADDING, row + <usize>(rb - 1));
      return -1;
    }
    // SPEC §6.3: |bias| + sum |w| * max|input| fits int32 (in i64: it can reach about 2^35).
    let bound = abs<i64>(<i64>load<i32>(bias + (<usize>j << 2)));
    if (b && bound + (b == 1 ? 1 : <i64>1 << (b - 1)) * inSum > <i64>ACC_MAX) {
      for (let e = 0; e < k; e++) {
        const ib = <i32>load<u8>(inBits + e);
        const inMax = inSigned ? (1 << (ib - 1)) - 1 : (1 << ib) - 1;
        bound += <i64>abs<i32>(canonicalCode(row, e, b)) * <i64>inMax;
      }
    }
    if (bound > <i64>ACC_MAX) {
      fail(E_ACC_OVERFLOW, row);
      return -1;
    }
    row += <usize>rb;
  }
  if (isLast) {
    if (pAct != 0) {
      head(pAct, end);
      if (hKind != K_NIL) return typeErr(pAct, lp) ? -1 : -1;
    }
  } else {
    if (!scan(pAct, 'bits,scale,mult,shift', lp)) return -1;
    const pBits = slot(0), pScale = slot(1), pMult = slot(2), pShift = slot(3);
    const ab = bin(pBits, pAct, n);
    if (!ab || !bits(ab, n, ACT_BITS_MIN, ACT_BITS_MAX)) return -1;
    const as = bin(pScale, pAct, 4 * n);
    if (!as || !floats(as, n, 4, true)) return -1;
    const am = bin(pMult, pAct, 4 * n);
    if (!am) return -1;
    const sh = bin(pShift, pAct, n);
    if (!sh) return -1;
    for (let j = 0; j < n; j++) {
      const m = load<i32>(am + (<usize>j << 2)), s = <i32>load<u8>(sh + j);
      if (m < 1 || m > REQUANT_MULT_MAX) { fail(E_VALUE, am + (<usize>j << 2)); return -1; }
      if (s < REQUANT_SHIFT_MIN || s > REQUANT_SHIFT_MAX) { fail(E_VALUE, sh + j); return -1; }
    }
  }
  return n;
}

/** Hash table of 2^k >= 2n slots (8 bytes each) at `tbl`, zeroed: its mask, or 0 when memory cannot grow. */
function table(tbl: usize, n: u32, at: usize): u32 {
  let slots: u32 = 2;
  while (slots < n << 1) slots <<= 1;
  return zeroed(tbl, tbl + (<usize>slots << 3), at) ? slots - 1 : 0;
}

/** fail(code, at), then false: the error exits of `categories`. */
function no(code: i32, at: usize): bool {
  fail(code, at);
  return false;
}

const CAT_KEYS = 'column,encoding,values,first_input';

/**
 * R18 (SPEC §3.7), formats/read.ts readCategories: `meta.categories` entry by entry, then column names against numeric
 * inputs' names. The module never encodes raw rows, but it must give every file the same verdict. Scratch memory after
 * the file (free once the walk is done): one byte per input (fed by a column?), the table of columns, one of values.
 */
function categories(p: usize, pFeat: usize): bool {
  if (!head(p, end) || hKind != K_ARRAY) return typeErr(p, p);
  const n = hLen;
  if (n > <u32>F) return no(E_LIMIT, p);
  let q = hNext;
  const owned = scratch, cols = (scratch + <usize>F + 7) & ~7;
  const cmask = zeroed(owned, cols, p) ? table(cols, n, p) : 0;
  if (!cmask) return false;
  const vals = cols + ((<usize>cmask + 1) << 3);
  for (let i: u32 = 0; i < n; i++) {
    if (!scan(q, CAT_KEYS, q)) return false;
    const pCol = slot(0), pEnc = slot(1), pVal = slot(2), pFirst = slot(3);
    if (!str(pCol, q, MAX_NAME_LENGTH)) return false;
    if (hLen == 0) return no(E_LIMIT, pCol);
    if (!addKey(cols, cmask, hPtr, hLen)) return no(E_VALUE, pCol);
    if (!str(pEnc, q, MAX_NAME_LENGTH)) return false;
    const oneHot = strIs(hPtr, hLen, 'one_hot');
    if (!oneHot && !strIs(hPtr, hLen, 'ordinal')) return no(E_VALUE, pEnc);
    if (pVal == 0 || !head(pVal, end) || hKind != K_ARRAY) return typeErr(pVal, q);
    const nv = hLen;
    if (nv < 1 || nv > <u32>MAX_CATEGORIES) return no(E_LIMIT, pVal);
    let v = hNext;
    const vmask = table(vals, nv, pVal);
    if (!vmask) return false;
    for (let k: u32 = 0; k < nv; k++) {
      if (!str(v, v, MAX_NAME_LENGTH)) return false;
      if (!addKey(vals, vmask, hPtr, hLen)) return no(E_VALUE, v);
      v = hNext;
    }
    const first = integer(pFirst);
    if (!(first >= 0)) return typeErr(pFirst, q);
    const width: u32 = oneHot ? nv : 1;
    if (first + <f64>width > <f64>F) return no(E_SHAPE, pFirst);
    for (let j = owned + <usize>first, e = j + width; j < e; j++) {
      if (load<u8>(j)) return no(E_SHAPE, pFirst);
      store<u8>(j, 1);
    }
    q = skip(q, end);
  }
  // Entry by entry, a column may not be a numeric input's name: a table of those names (where the values' was).
  const nmask = table(vals, <u32>F, p);
  if (!nmask) return false;
  head(pFeat, end);
  let f = hNext;
  for (let j = 0; j < F; j++) {
    head(f, end);
    f = hNext;
    if (!load<u8>(owned + j)) addKey(vals, nmask, hPtr, hLen);
  }
  head(p, end);
  q = hNext;
  for (let i: u32 = 0; i < n; i++) {
    scan(q, CAT_KEYS);
    head(slot(0), end);
    if (!addKey(vals, nmask, hPtr, hLen, false)) return no(E_VALUE, slot(0));
    q = skip(q, end);
  }
  return true;
}

/** formats/read.ts readEnvelope: 0, or the first error code; leaves `end` at the body's end and returns via bodyP/bodyLen. */
let bodyP: usize = 0, bodyLen: usize = 0;
function envelope(file: usize, len: usize): i32 {
  if (len == 0) { fail(E_EMPTY, file); return errCode; }
  if (len > <usize>MAX_FILE_BYTES) { fail(E_LIMIT, file); return errCode; }
  if (!walk(file, end)) return errCode;
  if (!scan(file, 'format,version,requires,body,crc32', file)) return errCode;
  const pFormat = slot(0), pVersion = slot(1), pReq = slot(2), pBody = slot(3), pCrc = slot(4);
  if (pFormat == 0) { fail(E_FORMAT_NAME, file); return errCode; }
  head(pFormat, end);
  if (hKind != K_STR || !strIs(hPtr, hLen, 'nmp-edge')) { fail(E_FORMAT_NAME, pFormat); return errCode; }
  const version = integer(pVersion);
  if (!(version >= 1)) { fail(E_FORMAT_VERSION, pVersion ? pVersion : file); return errCode; }
  if (version > <f64>FORMAT_VERSION) { fail(E_FORMAT_VERSION, pVersion); return errCode; }
  if (pReq == 0 || !head(pReq, end) || hKind != K_ARRAY) { typeErr(pReq, file); return errCode; }
  let nReq = hLen, q = hNext;
  for (let i: u32 = 0; i < nReq; i++) {
    if (!str(q, q, MAX_NAME_LENGTH)) return errCode;
    fail(E_REQUIRES, q); // v1 knows no requirement
    return errCode;
  }
  if (pBody == 0 || !head(pBody, end) || hKind != K_BIN) { typeErr(pBody, file); return errCode; }
  bodyP = hPtr;
  bodyLen = hLen;
  const stored = integer(pCrc);
  if (!(stored >= 0 && stored <= 4294967295)) { typeErr(pCrc, file); return errCode; }
  if (<f64>crc32(bodyP, bodyLen) != stored) { fail(E_CHECKSUM, pCrc); return errCode; }
  return 0;
}

/** Validates the whole file (every rule of SPEC §7 in formats/read.ts order); 0 or the first error code. */
export function validate(file: usize, len: usize): i32 {
  resetError();
  setEnd(file + len);
  scratch = (file + len + 15) & ~15;
  if (envelope(file, len)) return errCode;
  const body = bodyP;
  setEnd(body + bodyLen);
  if (!walk(body, end)) return errCode;
  if (!scan(body, 'meta,input,layers,output', body)) return errCode;
  const pMeta = slot(0), pInput = slot(1), pLayers = slot(2), pOutput = slot(3);
  if (!scan(pMeta, 'task,feature_names,output_names,provenance,target_column,categories', body)) return errCode;
  const pTask = slot(0), pFeat = slot(1), pOutN = slot(2), pProv = slot(3), pTarget = slot(4), pCat = slot(5);
  if (!str(pTask, pMeta, MAX_NAME_LENGTH)) return errCode;
  if (!(strIs(hPtr, hLen, 'classification') || strIs(hPtr, hLen, 'regression'))) { fail(E_VALUE, pTask); return errCode; }

  if (!scan(pInput, 'bits,center,gain', body)) return errCode;
  const pBits = slot(0), pCenter = slot(1), pGain = slot(2);
  if (pBits == 0 || !head(pBits, end) || hKind != K_BIN) { typeErr(pBits, pInput); return errCode; }
  F = <i32>hLen;
  inBitsP = hPtr;
  if (hLen < 1 || hLen > <u32>MAX_FEATURES) { fail(E_LIMIT, pBits); return errCode; }
  centerP = bin(pCenter, pInput, 8 * F);
  if (!centerP) return errCode;
  gainP = bin(pGain, pInput, 8 * F);
  if (!gainP) return errCode;
  if (!bits(inBitsP, F, INPUT_BITS_MIN, INPUT_BITS_MAX) || !floats(centerP, F, 8, false) || !floats(gainP, F, 8, true)) return errCode;

  if (pLayers == 0 || !head(pLayers, end) || hKind != K_ARRAY) { typeErr(pLayers, body); return errCode; }
  if (hLen < 1 || hLen > <u32>MAX_LAYERS) { fail(E_LIMIT, pLayers); return errCode; }
  nL = <i32>hLen;
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
  if (!names(pFeat, pMeta, F)) return errCode;
  if (!names(pOutN, pMeta, O)) return errCode;
  outNamesP = pOutN;

  // provenance (formats/read.ts readProvenance order)
  if (!scan(pProv, 'method,dataset,seed,metrics,tool,created_at', pMeta)) return errCode;
  const pMethod = slot(0), pData = slot(1), pSeed = slot(2), pMetrics = slot(3), pTool = slot(4), pCreated = slot(5);
  if (!str(pMethod, pProv, MAX_NAME_LENGTH) || !str(pData, pProv, MAX_DATASET_LENGTH)) return errCode;
  if (pSeed == 0 || (head(pSeed, end), hKind != K_NIL)) {
    if (isNaN(integer(pSeed))) { typeErr(pSeed, pProv); return errCode; }
  }
  if (pMetrics == 0 || !head(pMetrics, end) || hKind != K_MAP) { typeErr(pMetrics, pProv); return errCode; }
  const nm = hLen;
  if (nm > <u32>MAX_METRICS) { fail(E_LIMIT, pMetrics); return errCode; }
  let q = hNext;
  for (let i: u32 = 0; i < nm; i++) {
    if (!str(q, q, MAX_NAME_LENGTH)) return errCode;
    q = hNext;
    head(q, end);
    if (!(hKind == K_INT || (hKind == K_FLOAT && isFinite(hNum)))) { fail(E_TYPE, q); return errCode; }
    q = skip(q, end);
  }
  if (!str(pTool, pProv, MAX_NAME_LENGTH) || !str(pCreated, pProv, MAX_NAME_LENGTH)) return errCode;
  if (pTarget != 0 && !str(pTarget, pMeta, MAX_NAME_LENGTH)) return errCode;

  if (!scan(pOutput, 'scale,offset', body)) return errCode;
  const pScale = slot(0), pOffset = slot(1);
  scaleP = bin(pScale, pOutput, 8 * O);
  if (!scaleP) return errCode;
  offsetP = bin(pOffset, pOutput, 8 * O);
  if (!offsetP || !floats(scaleP, O, 8, true) || !floats(offsetP, O, 8, false)) return errCode;
  // SPEC §3.6: no accumulator may dequantise to an infinite float32.
  for (let j = 0; j < O; j++) {
    if (load<f64>(scaleP + (<usize>j << 3)) * <f64>ACC_MAX + Math.abs(load<f64>(offsetP + (<usize>j << 3))) > FLOAT32_MAX) {
      fail(E_VALUE, scaleP + (<usize>j << 3));
      return errCode;
    }
  }
  if (pCat != 0 && !categories(pCat, pFeat)) return errCode;
  return 0;
}
