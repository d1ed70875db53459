/**
 * @fileoverview Minimal msgpack cursor over untrusted bytes in linear memory (no recursion), the structure walk of
 * SPEC §2.1 and map lookup by key names, for the no-host validator and planner. The twin of `walk` and `Cursor` in
 * formats/read.ts: same checks, same order, same byte offsets. Errors set `fail` (numbers: common/abi.ts), never trap.
 */
import { E_LIMIT, E_MEMORY, E_MSGPACK, E_TYPE } from '../common/abi';
import { MAX_DEPTH, MAX_MAP_ENTRIES } from '../common/limits';

/** First error (code, byte address); later errors never overwrite it. */
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
export const K_NIL = 0, K_BOOL = 1, K_INT = 2, K_FLOAT = 3, K_STR = 4, K_BIN = 5, K_ARRAY = 6, K_MAP = 7, K_BAD = 9;

/** Decoded head of the value at some position: kind, payload pointer/length (str, bin) or count (array, map), number. */
export let hKind: i32 = K_BAD;
export let hPtr: usize = 0;
export let hLen: u32 = 0;
export let hNum: f64 = 0;
/** Position after the head (after the payload for scalars, str and bin). */
export let hNext: usize = 0;

/** Big-endian unsigned integer of `n` (1, 2, 4 or 8) bytes at `p`. */
function be(p: usize, n: i32): u64 {
  let v: u64 = 0;
  for (let i = 0; i < n; i++) v = (v << 8) | <u64>load<u8>(p + i);
  return v;
}

// Heads 0xc0..0xdf: kind in the low nibble, size code in the high nibble (1, 2, 4 or 8 bytes of length/value).
// K_BAD: 0xc1 and the extension types (SPEC §2.1 forbids them everywhere).
const HEADS = memory.data<u8>([
  0x00, 0x09, 0x01, 0x01, 0x05, 0x15, 0x25, 0x09, 0x09, 0x09, 0x23, 0x33, 0x02, 0x12, 0x22, 0x32,
  0x0a, 0x1a, 0x2a, 0x3a, 0x09, 0x09, 0x09, 0x09, 0x09, 0x04, 0x14, 0x24, 0x16, 0x26, 0x17, 0x27,
]);
const K_SINT = 10; // internal: signed int head

/** Reads the head at `p` (not beyond `end`); false (and E_MSGPACK at `p`) when not standard msgpack or truncated. */
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
    return hKind == K_STR ? payload(p, K_STR, p + 1, hLen, end) : true;
  }
  const t = <i32>load<u8>(HEADS + <usize>(b - 0xc0));
  const kind = t & 15;
  if (kind == K_BAD) return bad(p);
  if (kind == K_NIL || kind == K_BOOL) {
    hKind = kind;
    hNum = <f64>(b & 1);
    return true;
  }
  const n = 1 << (t >> 4); // bytes of the length or value field
  const q = p + 1;
  if (<u64>q + <u64>n > <u64>end) return bad(p);
  if (kind == K_INT || kind == K_SINT) {
    let v = be(q, n);
    const sh = <u64>(64 - 8 * n);
    if (kind == K_SINT) v = <u64>(<i64>(v << sh) >> <i64>sh);
    return num(K_INT, kind == K_SINT ? <f64><i64>v : <f64>v, q + <usize>n);
  }
  if (kind == K_FLOAT) return num(K_FLOAT, n == 4 ? <f64>reinterpret<f32>(<u32>be(q, 4)) : reinterpret<f64>(be(q, 8)), q + <usize>n);
  const len = <u32>be(q, n);
  if (kind == K_STR || kind == K_BIN) return payload(p, kind, q + <usize>n, len, end);
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
function payload(at: usize, kind: i32, p: usize, n: u32, end: usize): bool {
  if (<u64>p + <u64>n > <u64>end) return bad(at);
  hKind = kind;
  hPtr = p;
  hLen = n;
  hNext = p + n;
  return true;
}

/** Well-formed UTF-8 (Unicode table 3-7, what a fatal WHATWG TextDecoder accepts). */
function utf8(p: usize, n: u32): bool {
  const e = p + <usize>n;
  while (p < e) {
    const c = <u32>load<u8>(p);
    if (c < 0x80) { p++; continue; }
    let more: u32 = 0, lo: u32 = 0x80, hi: u32 = 0xbf; // continuation bytes left; range of the first one
    if (c >= 0xc2 && c <= 0xdf) more = 1;
    else if (c >= 0xe0 && c <= 0xef) { more = 2; if (c == 0xe0) lo = 0xa0; else if (c == 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { more = 3; if (c == 0xf0) lo = 0x90; else if (c == 0xf4) hi = 0x8f; }
    else return false;
    if (<u64>p + <u64>more >= <u64>e) return false;
    const c1 = <u32>load<u8>(p + 1);
    if (c1 < lo || c1 > hi) return false;
    for (let i: u32 = 2; i <= more; i++) {
      const ci = <u32>load<u8>(p + i);
      if (ci < 0x80 || ci > 0xbf) return false;
    }
    p += 1 + <usize>more;
  }
  return true;
}

/**
 * End of the memory anything has ever written (files, key tables, arenas): above it, linear memory is still the zeros it
 * was created or grown with, so the planner need not clear it (a 66 MB arena: 0.1 s of memory.fill saved).
 */
export let dirtyTop: usize = 0;
export function touch(end: usize): void {
  if (end > dirtyTop) dirtyTop = end;
}

/** Scratch memory for the walk's key tables (after the file; the planner later reuses it). */
export let scratch: usize = 0;

// Frame stack of open containers: items left (negative = a map, whose items are keys and values), and for maps the
// key table (address, slot mask): open addressing, slots of (key ptr, key len), freed when the map closes (LIFO).
const FRAME = 12;
const frames = memory.data(MAX_DEPTH * FRAME + FRAME);

function fnv(p: usize, n: u32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: u32 = 0; i < n; i++) h = (h ^ <u32>load<u8>(p + i)) * 0x01000193;
  return h;
}

/** Adds the key (p, n) to the table (only looks it up when `add` is false); false when it is already there. */
export function addKey(tbl: usize, mask: u32, p: usize, n: u32, add: bool = true): bool {
  let i = fnv(p, n) & mask;
  while (true) {
    const s = tbl + (<usize>i << 3), kp = <usize>load<u32>(s);
    if (kp == 0) {
      if (add) {
        store<u32>(s, <u32>p);
        store<u32>(s, n, 4);
      }
      return true;
    }
    if (load<u32>(s, 4) == n && memory.compare(kp, p, n) == 0) return false;
    i = (i + 1) & mask;
  }
}

/**
 * SPEC §2.1 structure of the value at `p`, which must end exactly at `end` (formats/read.ts walk, same order): every head
 * standard and inside the bytes, str valid UTF-8, map keys str and unique, nesting and map sizes within the limits.
 */
export function walk(p: usize, end: usize): bool {
  let depth = 0; // open containers
  let left: i32 = 1; // items left in the current frame (the virtual root holds one)
  let isMap = false;
  let tbl: usize = 0, mask: u32 = 0, top = scratch;
  while (true) {
    while (left == 0) {
      if (depth == 0) {
        if (p != end) return bad(p);
        return true;
      }
      if (isMap) top = tbl;
      depth--;
      const f = frames + <usize>depth * FRAME;
      left = load<i32>(f);
      isMap = left < 0;
      if (isMap) left = -left;
      tbl = <usize>load<u32>(f, 4);
      mask = load<u32>(f, 8);
    }
    const keyNext = isMap && (left & 1) == 0;
    if (p >= end) return bad(p);
    const b = <i32>load<u8>(p);
    if (b == 0xc1 || (b >= 0xc7 && b <= 0xc9) || (b >= 0xd4 && b <= 0xd8)) return bad(p);
    if (keyNext && !((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb))) return bad(p);
    if (!head(p, end)) return false;
    const items: u64 = hKind == K_MAP ? <u64>hLen << 1 : hKind == K_ARRAY ? <u64>hLen : 0;
    if (items > <u64>(end - hNext)) return bad(p); // each item needs at least one byte
    if (hKind == K_STR) {
      if (!utf8(hPtr, hLen)) return bad(p);
      if (keyNext && !addKey(tbl, mask, hPtr, hLen)) return bad(p);
    }
    if (hKind == K_MAP || hKind == K_ARRAY) {
      if (depth + 1 > MAX_DEPTH || (hKind == K_MAP && hLen > <u32>MAX_MAP_ENTRIES)) {
        fail(E_LIMIT, p);
        return false;
      }
    }
    left--;
    p = hNext;
    if (items > 0) {
      const f = frames + <usize>depth * FRAME;
      store<i32>(f, isMap ? -left : left);
      store<u32>(f, <u32>tbl, 4);
      store<u32>(f, mask, 8);
      depth++;
      left = <i32>items;
      isMap = hKind == K_MAP;
      if (isMap) {
        let slots: u32 = 2;
        while (slots < hLen << 1) slots <<= 1;
        tbl = (top + 7) & ~7;
        mask = slots - 1;
        top = tbl + (<usize>slots << 3);
        if (!zeroed(tbl, top, p)) return false;
      }
    }
  }
}

/** Memory [from, to) grown if needed and zeroed; false (E_MEMORY at `at`) when memory cannot grow. */
export function zeroed(from: usize, to: usize, at: usize): bool {
  const have = <usize>memory.size() << 16;
  if (to > have && memory.grow(<i32>((to - have + 0xffff) >>> 16)) < 0) {
    fail(E_MEMORY, at);
    return false;
  }
  memory.fill(from, 0, to - from);
  touch(to);
  return true;
}

/** Position after the structurally valid value at `p`. */
export function skip(p: usize, end: usize): usize {
  let left: u64 = 1;
  while (left > 0) {
    head(p, end);
    left--;
    if (hKind == K_MAP) left += <u64>hLen << 1;
    else if (hKind == K_ARRAY) left += <u64>hLen;
    p = hNext;
  }
  return p;
}

/** End of the bytes being read (the file, then its body once the envelope is checked); set by the validator. */
export let end: usize = 0;
export function setEnd(e: usize): void {
  end = e;
}

/** E_TYPE at the value `p`, or at `at` (its map) when the value is absent (p = 0). */
export function typeErr(p: usize, at: usize): bool {
  fail(E_TYPE, p ? p : at);
  return false;
}

// ---- map field lookup: slot i = position of the value of key i, 0 if absent (keys are unique: the walk checked).
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

/** Fills `slots` for the comma-separated `names` from the map at `p`: E_TYPE (at `p`, or `at` when absent) if not a map. */
export function scan(p: usize, names: string, at: usize = 0): bool {
  memory.fill(slots, 0, 32);
  if (p == 0 || !head(p, end) || hKind != K_MAP) return typeErr(p, at);
  let n = hLen;
  p = hNext;
  for (let i: u32 = 0; i < n; i++) {
    head(p, end);
    const idx = keyIndex(hPtr, hLen, names);
    p = hNext;
    if (idx >= 0) store<u32>(slots + (<usize>idx << 2), <u32>p);
    p = skip(p, end);
  }
  return true;
}
