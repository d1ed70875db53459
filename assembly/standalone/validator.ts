/**
 * @fileoverview No-host validator: checks a model file placed in linear memory with every rule of SPEC §7, in the order
 * and with the error codes of formats/read.ts (numbers: common/abi.ts), and records where the planner finds its parts.
 */
import {
  E_ACC_OVERFLOW, E_BITWIDTH, E_CHECKSUM, E_EMPTY, E_FORMAT_NAME, E_FORMAT_VERSION, E_LENGTH, E_LIMIT, E_MSGPACK, E_PADDING,
  E_REQUIRES, E_SHAPE, E_TYPE, E_VALUE,
} from '../common/abi';
import { canonicalCode, canonicalRowBytes } from '../common/canonical';
import {
  end, errCode, fail, hKind, hLen, hNext, hNum, hPtr, head, resetError, scan, skip, slot, strIs, typeErr,
  K_ARRAY, K_BIN, K_FLOAT, K_INT, K_MAP, K_NIL, K_STR,
} from './msgpack';

export const MAX_FILE = 64 << 20, MAX_F = 4096, MAX_N = 4096, MAX_L = 64, MAX_NAME = 256;

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

// CRC-32 (SPEC §2.4), nibble table: 64 bytes of static data instead of 1 KiB.
const CRC_NIBBLE = memory.data<u32>([
  0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
  0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
]);
function crc32(p: usize, n: usize): u32 {
  let c: u32 = 0xffffffff;
  for (let i: usize = 0; i < n; i++) {
    c ^= <u32>load<u8>(p + i);
    c = (c >>> 4) ^ load<u32>(CRC_NIBBLE + ((c & 15) << 2));
    c = (c >>> 4) ^ load<u32>(CRC_NIBBLE + ((c & 15) << 2));
  }
  return ~c;
}

// ---- What validate found, for the planner and the API (one model per instance): counts and payload pointers.
export let F: i32 = 0;
export let O: i32 = 0;
export let nL: i32 = 0;
export let inBitsP: usize = 0, centerP: usize = 0, gainP: usize = 0, scaleP: usize = 0, offsetP: usize = 0, outNamesP: usize = 0;
export let layersP: usize = 0;

/** Validates one layer map at `p` (formats/read.ts readLayer); `inBits` points at the widths of its inputs. */
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
  for (let j = 0; j < n; j++) total += <u32>canonicalRowBytes(k, load<u8>(wb + j));
  const w = bin(pW, total);
  if (!w) return -1;
  const bias = bin(pB, 4 * n);
  if (!bias) return -1;
  const ws = bin(pS, 4 * n);
  if (!ws || !floats(ws, n, 4, true)) return -1;
  let row = w;
  for (let j = 0; j < n; j++) {
    const b = <i32>load<u8>(wb + j), rb = canonicalRowBytes(k, b);
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
        bound += <i64>abs<i32>(canonicalCode(row, e, b)) * <i64>inMax;
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

