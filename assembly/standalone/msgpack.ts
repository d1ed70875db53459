/**
 * @fileoverview Minimal msgpack cursor over untrusted bytes in linear memory (no allocation, no recursion), and map
 * lookup by key names, for the no-host validator and planner. Mirrors what formats/read.ts accepts through msgpackr
 * (SPEC §2.1); errors set `fail` (numbers: common/abi.ts) and never trap.
 */
import { E_MSGPACK, E_TYPE } from '../common/abi';

/** First error (code, byte offset in the file); later errors never overwrite it. */
export let errCode: i32 = 0;
export let errAt: usize = 0;
export function fail(code: i32, at: usize): void {
  if (errCode == 0) {
    errCode = code;
    errAt = at;
  }
}
export function resetError(): void {
  errCode = 0;
  errAt = 0;
}

// Value kinds of `head`.
export const K_NIL = 0, K_BOOL = 1, K_INT = 2, K_FLOAT = 3, K_STR = 4, K_BIN = 5, K_ARRAY = 6, K_MAP = 7, K_EXT = 8, K_BAD = 9;

/** Decoded head of the value at some position: kind, payload pointer/length (str, bin) or count (array, map), number. */
export let hKind: i32 = K_BAD;
export let hPtr: usize = 0;
export let hLen: u32 = 0;
export let hNum: f64 = 0;
/** Position after the head (after the payload for scalars, str, bin, ext). */
export let hNext: usize = 0;

/** Big-endian unsigned integer of `n` (1, 2, 4 or 8) bytes at `p`. */
function be(p: usize, n: i32): u64 {
  let v: u64 = 0;
  for (let i = 0; i < n; i++) v = (v << 8) | <u64>load<u8>(p + i);
  return v;
}

// Heads 0xc0..0xdf: kind in the low nibble, size code in the high nibble (1, 2, 4, 8 or 16 bytes of length/value).
// 0xc1 is a placeholder value for msgpackr; fixext/ext carry a type byte after the length.
const HEADS = memory.data<u8>([
  0x00, 0x08, 0x01, 0x01, 0x05, 0x15, 0x25, 0x08, 0x18, 0x28, 0x23, 0x33, 0x02, 0x12, 0x22, 0x32,
  0x0a, 0x1a, 0x2a, 0x3a, 0x08, 0x18, 0x28, 0x38, 0x48, 0x04, 0x14, 0x24, 0x16, 0x26, 0x17, 0x27,
]);
const K_SINT = 10; // internal: signed int head

/** Reads the head at `p` (not beyond `end`); false (and E_MSGPACK) when truncated or not msgpack. */
export function head(p: usize, end: usize): bool {
  if (p >= end) return bad(p);
  const b = <i32>load<u8>(p);
  hNum = 0;
  hNext = p + 1;
  if (b < 0x80) return num(K_INT, <f64>b, p + 1);
  if (b >= 0xe0) return num(K_INT, <f64>(b - 256), p + 1);
  if (b < 0xc0) {
    hKind = b < 0x90 ? K_MAP : b < 0xa0 ? K_ARRAY : K_STR;
    hLen = b & (b < 0xa0 ? 15 : 31);
    return hKind == K_STR ? payload(K_STR, p + 1, hLen, end) : true;
  }
  const t = <i32>load<u8>(HEADS + <usize>(b - 0xc0));
  let kind = t & 15;
  const n = 1 << (t >> 4); // bytes of the length or value field
  const q = p + 1;
  if (kind == K_NIL || kind == K_BOOL || (kind == K_EXT && b == 0xc1)) {
    hKind = kind;
    return true;
  }
  const fixext = b >= 0xd4 && b <= 0xd8;
  if (<u64>q + <u64>(fixext ? 1 : kind == K_EXT ? n + 1 : n) > <u64>end) return bad(p);
  if (kind == K_EXT) {
    if (fixext) return ext(load<i8>(q), q + 1, n, end);
    return ext(load<i8>(q + <usize>n), q + <usize>n + 1, <u32>be(q, n), end);
  }
  if (kind == K_INT || kind == K_SINT) {
    let v = be(q, n);
    const sh = <u64>(64 - 8 * n);
    if (kind == K_SINT) v = <u64>(<i64>(v << sh) >> <i64>sh);
    return num(K_INT, kind == K_SINT ? <f64><i64>v : <f64>v, q + <usize>n);
  }
  if (kind == K_FLOAT) return num(K_FLOAT, n == 4 ? <f64>reinterpret<f32>(<u32>be(q, 4)) : reinterpret<f64>(be(q, 8)), q + <usize>n);
  const len = <u32>be(q, n);
  if (kind == K_STR || kind == K_BIN) return payload(kind, q + <usize>n, len, end);
  hKind = kind; // array or map
  hLen = len;
  hNext = q + <usize>n;
  return true;
}

function bad(p: usize): bool {
  hKind = K_BAD;
  fail(E_MSGPACK, p);
  return false;
}
function num(kind: i32, v: f64, next: usize): bool {
  hKind = kind;
  hNum = v;
  hNext = next;
  return true;
}
function payload(kind: i32, p: usize, n: u32, end: usize): bool {
  if (<u64>p + <u64>n > <u64>end) return bad(p);
  hKind = kind;
  hPtr = p;
  hLen = n;
  hNext = p + n;
  return true;
}
/** msgpackr decodes timestamps (type -1: 4, 8 or 12 bytes) and type 0; any other extension is an error there. */
function ext(type: i8, p: usize, n: u32, end: usize): bool {
  if (<u64>p + <u64>n > <u64>end) return bad(p);
  if (!(type == 0 || (type == -1 && (n == 4 || n == 8 || n == 12)))) return bad(p);
  hKind = K_EXT;
  hPtr = p;
  hLen = n;
  hNext = p + n;
  return true;
}

/** Deepest container nesting accepted (msgpackr's limit is the JS stack; files never nest more than 4 levels). */
export const MAX_DEPTH = 512;
// Frame stack: items left in each open container; negative = a map (items = 2 x pairs, even count left = key next).
const frames = memory.data(MAX_DEPTH * 4);

/** Position after the whole value at `p`, iteratively with a bounded frame stack; 0 on error (E_MSGPACK). */
export function skip(p: usize, end: usize): usize {
  let depth = 0;
  let left: i32 = 1; // items left in the current frame (the virtual root holds one)
  let isMap = false;
  while (true) {
    while (left == 0) {
      if (depth == 0) return p;
      depth--;
      left = load<i32>(frames + (<usize>depth << 2));
      isMap = left < 0;
      if (isMap) left = -left;
    }
    const keyNext = isMap && (left & 1) == 0;
    if (!head(p, end)) return 0;
    left--;
    // msgpackr turns map keys into property names and refuses containers and bins there.
    if (keyNext && (hKind == K_MAP || hKind == K_ARRAY || hKind == K_BIN || hKind == K_EXT)) return bad(p) ? 0 : 0;
    if (hKind == K_ARRAY || hKind == K_MAP) {
      const items: u64 = hKind == K_MAP ? <u64>hLen << 1 : <u64>hLen;
      if (items > <u64>(end - hNext)) return bad(p) ? 0 : 0; // each item needs at least one byte
      if (items > 0) {
        if (depth == MAX_DEPTH) return bad(p) ? 0 : 0;
        store<i32>(frames + (<usize>depth << 2), isMap ? -left : left);
        depth++;
        left = <i32>items;
        isMap = hKind == K_MAP;
      }
    }
    p = hNext;
  }
}

/** End of the bytes being read (the file, then its body once the envelope is checked); set by the validator. */
export let end: usize = 0;

export function typeErr(p: usize): bool {
  fail(E_TYPE, p);
  return false;
}

// ---- map field lookup: slot i = position of the value of key i (last one wins, as in msgpackr), 0 if absent.
const slots = memory.data(8 * 4);

@inline export function slot(i: i32): usize {
  return load<u32>(slots + (<usize>i << 2));
}

/** True when the str at (p, n) equals ASCII `s`. */
export function strIs(p: usize, n: u32, s: string): bool {
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
export function scan(p: usize, names: string): bool {
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
