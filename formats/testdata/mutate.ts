/**
 * @fileoverview Structure-aware mutation of model files for fuzzing (SPEC §7): msgpack values are replaced, deleted or
 * added whole (msgpack is self-delimiting, so a splice keeps the rest of the file well-formed), counts and lengths are
 * nudged, bit-widths, floats, integers and weight rows are set to edge values, and the checksum is usually fixed up so
 * that mutations reach the body's rules. Seeded: (seed, index) replays one file anywhere.
 */

import { crc32 } from '../crc32.js';
import { rng } from './random.js';

/** One msgpack value found by `sites`: where it starts and ends, its head, and for maps whether it is a key. */
export interface Site {
  start: number;
  /** End of the head (start of the payload or of the first item). */
  headEnd: number;
  end: number;
  /** First byte. */
  h: number;
  kind: 'nil' | 'bool' | 'int' | 'float' | 'str' | 'bin' | 'array' | 'map' | 'other';
  /** Items (array), entries (map), or payload bytes (str, bin). */
  count: number;
  isKey: boolean;
  /** For map values: the key's text when it is a short ASCII str. */
  key: string | null;
}

/** Lenient walk of the msgpack value at 0: every value it can frame, in byte order (stops where framing fails). */
export function sites(b: Uint8Array): Site[] {
  const out: Site[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const stack: { left: number; map: boolean; key: string | null }[] = [];
  let p = 0;
  const ends: number[][] = []; // indexes into out of open containers, to set their end
  for (let guard = 0; guard < 1 << 20; guard++) {
    if (p >= b.length) break;
    const top = stack[stack.length - 1];
    const isKey = !!top && top.map && top.left % 2 === 0;
    const h = b[p];
    let headEnd = p + 1, count = 0, payload = 0, kind: Site['kind'] = 'other';
    const u = (at: number, n: number) => (at + n > b.length ? -1 : n === 1 ? b[at] : n === 2 ? dv.getUint16(at) : dv.getUint32(at));
    if (h <= 0x7f || h >= 0xe0) kind = 'int';
    else if (h <= 0x8f) { kind = 'map'; count = h & 15; }
    else if (h <= 0x9f) { kind = 'array'; count = h & 15; }
    else if (h <= 0xbf) { kind = 'str'; payload = count = h & 31; }
    else if (h === 0xc0) kind = 'nil';
    else if (h === 0xc2 || h === 0xc3) kind = 'bool';
    else if (h >= 0xc4 && h <= 0xc6) { const n = 1 << (h - 0xc4); kind = 'bin'; payload = count = u(p + 1, n); headEnd += n; }
    else if (h >= 0xd9 && h <= 0xdb) { const n = 1 << (h - 0xd9); kind = 'str'; payload = count = u(p + 1, n); headEnd += n; }
    else if (h === 0xca || h === 0xcb) { kind = 'float'; payload = h === 0xca ? 4 : 8; }
    else if (h >= 0xcc && h <= 0xd3) { kind = 'int'; payload = 1 << (h & 3); }
    else if (h === 0xdc || h === 0xdd) { const n = h === 0xdc ? 2 : 4; kind = 'array'; count = u(p + 1, n); headEnd += n; }
    else if (h === 0xde || h === 0xdf) { const n = h === 0xde ? 2 : 4; kind = 'map'; count = u(p + 1, n); headEnd += n; }
    else break; // 0xc1, extension types: stop framing here
    if (count < 0 || headEnd + payload > b.length) break;
    const key = !isKey && top?.map ? top.key : null;
    const s: Site = { start: p, headEnd, end: headEnd + payload, h, kind, count, isKey, key };
    out.push(s);
    if (isKey && kind === 'str' && payload <= 32) top.key = String.fromCharCode(...b.subarray(headEnd, headEnd + payload));
    else if (isKey) top.key = null;
    if (top) top.left--;
    p = headEnd + payload;
    const items = kind === 'map' ? 2 * count : kind === 'array' ? count : 0;
    if (items > 0 && items <= b.length - p) {
      stack.push({ left: items, map: kind === 'map', key: null });
      ends.push([out.length - 1]);
    } else if (items > 0) break;
    while (stack.length && stack[stack.length - 1].left === 0) {
      stack.pop();
      out[ends.pop()![0]].end = p;
    }
    if (!stack.length) break;
  }
  return out;
}

// ---- msgpack snippets for replacement values

const be = (n: number, bytes: number) => Array.from({ length: bytes }, (_, i) => Math.floor(n / 2 ** (8 * (bytes - 1 - i))) & 0xff);
function encInt(v: number): number[] {
  if (v >= 0 && v <= 0x7f) return [v];
  if (v < 0 && v >= -32) return [v & 0xff];
  if (v >= 0 && v <= 0xff) return [0xcc, v];
  if (v >= 0 && v <= 0xffff) return [0xcd, ...be(v, 2)];
  if (v >= 0 && v <= 0xffffffff) return [0xce, ...be(v, 4)];
  if (v < 0 && v >= -0x80000000) return [0xd2, ...be(v >>> 0, 4)];
  return encF64(v);
}
function encF64(v: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v);
  return [0xcb, ...b];
}
function encLen(len: number, fix: number | null, fixMax: number, c8: number | null, c16: number, c32: number): number[] {
  if (fix !== null && len <= fixMax) return [fix | len];
  if (c8 !== null && len <= 0xff) return [c8, len];
  if (len <= 0xffff) return [c16, ...be(len, 2)];
  return [c32, ...be(len, 4)];
}
const encStrBytes = (bytes: ArrayLike<number>) => [...encLen(bytes.length, 0xa0, 31, 0xd9, 0xda, 0xdb), ...Array.from(bytes)];
const encStr = (s: string) => encStrBytes(new TextEncoder().encode(s));
const encBin = (bytes: ArrayLike<number>) => [...encLen(bytes.length, null, 0, 0xc4, 0xc5, 0xc6), ...Array.from(bytes)];
/** Header of a map or array holding `n` entries/items, in the same family as the head `h` where it fits. */
function encCountLike(h: number, n: number): number[] {
  const isMap = (h >= 0x80 && h <= 0x8f) || h === 0xde || h === 0xdf;
  return isMap ? encLen(n, 0x80, 15, null, 0xde, 0xdf) : encLen(n, 0x90, 15, null, 0xdc, 0xdd);
}

const KEYS = ['meta', 'input', 'layers', 'output', 'task', 'feature_names', 'output_names', 'provenance', 'target_column', 'bits',
  'center', 'gain', 'in', 'out', 'w_bits', 'weights', 'bias', 'w_scale', 'act', 'scale', 'mult', 'shift', 'offset', 'method',
  'dataset', 'seed', 'metrics', 'tool', 'created_at', 'x.vendor', 'format', 'version', 'requires', 'crc32', 'body'];
const INTS = [0, 1, 2, -1, -32, -33, 3, 7, 8, 9, 15, 16, 17, 62, 63, 64, 65, 127, 128, 255, 256, 4095, 4096, 4097, 65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff, -0x80000000];
const FLOATS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, 1.5, 1e30, 1e-310, 3.4028234663852886e38, 2 ** 32];

/** A random msgpack value: scalars at edge values, strs (some not UTF-8), bins, small containers, or non-msgpack bytes. */
function randomValue(r: () => number, depth = 0): number[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const k = r();
  if (k < 0.1) return [0xc0];
  if (k < 0.15) return [r() < 0.5 ? 0xc2 : 0xc3];
  if (k < 0.35) return encInt(pick(INTS));
  if (k < 0.45) return r() < 0.5 ? encF64(pick(FLOATS)) : [0xca, ...Array.from({ length: 4 }, () => Math.floor(r() * 256))];
  if (k < 0.6) {
    const c = r();
    if (c < 0.4) return encStr(pick(KEYS));
    if (c < 0.6) return encStr('x'.repeat(pick([0, 1, 31, 32, 255, 256, 257, 4096, 4097])));
    if (c < 0.8) return encStrBytes(Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick([0xff, 0xc0, 0x80, 0xed, 0xa0, 0xf4, 0x90, 0xe2, 0x61])));
    return encStr('é'.repeat(pick([128, 129])));
  }
  if (k < 0.72) return encBin(Array.from({ length: pick([0, 1, 2, 3, 4, 8, 16, 24]) }, () => (r() < 0.5 ? 0 : Math.floor(r() * 256))));
  if (k < 0.8 && depth < 20) {
    const n = Math.floor(r() * 3);
    const items: number[] = [];
    for (let i = 0; i < n; i++) items.push(...randomValue(r, depth + 1));
    return [...encCountLike(0x90, n), ...items];
  }
  if (k < 0.86 && depth < 20) {
    const n = Math.floor(r() * 3);
    const items: number[] = [];
    for (let i = 0; i < n; i++) items.push(...(r() < 0.9 ? encStr(pick(KEYS)) : randomValue(r, depth + 1)), ...randomValue(r, depth + 1));
    return [...encCountLike(0x80, n), ...items];
  }
  if (k < 0.9) { // deep nesting around the limit
    const d = 12 + Math.floor(r() * 8);
    return [...new Array(d).fill(0x91), 0xc0];
  }
  if (k < 0.95) return pick([[0xc1], [0xd4, 0, 0], [0xd6, 0xff, 0, 0, 0, 0], [0xc7, 1, 0x74, 0], [0xd5, 1, 2, 3]]);
  return [0xdd, 0x80, 0, 0, 0]; // a count far beyond the bytes left
}

function splice(b: Uint8Array, start: number, end: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(b.length - (end - start) + insert.length);
  out.set(b.subarray(0, start), 0);
  out.set(Array.from(insert), start);
  out.set(b.subarray(end), start + insert.length);
  return out;
}

/** One structure-aware edit of the msgpack bytes `b` (body or envelope). */
function mutateOnce(b: Uint8Array, r: () => number): Uint8Array {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const all = sites(b);
  if (all.length === 0 || r() < 0.05) {
    // Raw byte edits: type bytes, small values, 0xff.
    const out = b.slice();
    if (!out.length) return Uint8Array.of(Math.floor(r() * 256));
    const at = Math.floor(r() * out.length), k = r();
    out[at] = k < 0.4 ? Math.floor(r() * 20) : k < 0.5 ? 0xff : k < 0.65 ? 0xc0 + Math.floor(r() * 32) : Math.floor(r() * 256);
    return out;
  }
  const s = pick(all);
  const bins = all.filter((x) => x.kind === 'bin' && x.count > 0);
  const op = r();
  if (op < 0.22) return splice(b, s.start, s.end, randomValue(r)); // replace a value (or a key) with anything
  if (op < 0.34) {
    // Integers where the file has integers: edge values, off-by-one, as floats.
    const ints = all.filter((x) => x.kind === 'int' && !x.isKey);
    const t = ints.length ? pick(ints) : s;
    const dv = new DataView(b.buffer, b.byteOffset);
    const cur = t.kind === 'int' ? (t.h <= 0x7f ? t.h : t.h >= 0xe0 ? t.h - 256 : t.h === 0xcc ? b[t.start + 1] : t.h === 0xcd ? dv.getUint16(t.start + 1) : t.h === 0xce ? dv.getUint32(t.start + 1) : 0) : 0;
    const v = r() < 0.5 ? cur + pick([-1, 1, -2, 2]) : pick(INTS);
    return splice(b, t.start, t.end, r() < 0.15 ? encF64(v) : encInt(v));
  }
  if (op < 0.6 && bins.length) {
    // Element edits inside a bin: bit-widths, row bits, float and int32 edge values.
    const t = pick(bins);
    const out = b.slice();
    const at = t.headEnd + Math.floor(r() * t.count), k = r();
    if (k < 0.35) out[at] = pick([0, 1, 2, 3, 8, 9, 15, 16, 17, 62, 63, 255]);
    else if (k < 0.55) out[at] ^= 1 << Math.floor(r() * 8);
    else if (k < 0.8) {
      const w = r() < 0.5 ? 4 : 8, base = t.headEnd + Math.floor(Math.floor(r() * t.count) / w) * w;
      if (base + w <= t.end) {
        const dv = new DataView(out.buffer, out.byteOffset);
        if (w === 8) dv.setFloat64(base, pick(FLOATS), true);
        else if (r() < 0.5) dv.setFloat32(base, pick(FLOATS), true);
        else dv.setInt32(base, pick(INTS) | 0, true);
      }
    } else out[at] = 0xff;
    return out;
  }
  if (op < 0.7 && bins.length) {
    // A bin one element longer or shorter, length fixed up (reaches E_LENGTH and the shape rules).
    const t = pick(bins);
    const n = Math.max(0, t.count + pick([-8, -4, -1, 1, 4, 8]));
    const payload = b.subarray(t.headEnd, t.end);
    const bytes = n <= payload.length ? payload.subarray(0, n) : Uint8Array.of(...payload, ...new Array(n - payload.length).fill(0));
    return splice(b, t.start, t.end, encBin(bytes));
  }
  const maps = all.filter((x) => x.kind === 'map');
  if (op < 0.88 && maps.length) {
    // Delete, repeat or add a map entry, with the count fixed up.
    const m = pick(maps);
    // Direct children of m in byte order: each starts where the previous one ended.
    const kids: Site[] = [];
    let pos = m.headEnd, j = all.indexOf(m) + 1;
    while (kids.length < 2 * m.count) {
      while (j < all.length && all[j].start < pos) j++;
      if (j >= all.length || all[j].start !== pos) break;
      kids.push(all[j]);
      pos = all[j].end;
      j++;
    }
    if (kids.length === 2 * m.count) {
      const k = r();
      if (k < 0.4 && m.count > 0) {
        const e = Math.floor(r() * m.count);
        const out = splice(b, kids[2 * e].start, kids[2 * e + 1].end, []);
        return splice(out, m.start, m.headEnd, encCountLike(m.h, m.count - 1));
      }
      let add: number[];
      if (k < 0.7 && m.count > 0) {
        const e = Math.floor(r() * m.count); // repeat an entry (a repeated key)
        add = Array.from(b.subarray(kids[2 * e].start, kids[2 * e + 1].end));
      } else add = [...(r() < 0.9 ? encStr(r() < 0.5 ? 'x.v' : pick(KEYS)) : randomValue(r)), ...randomValue(r)];
      const out = splice(b, pos, pos, add);
      return splice(out, m.start, m.headEnd, encCountLike(m.h, m.count + 1));
    }
  }
  if (op < 0.94) {
    // Counts and lengths that lie: a container or str/bin header off by one, zero, or huge (framing must still hold).
    const t = pick(all.filter((x) => x.kind === 'array' || x.kind === 'map' || x.kind === 'str' || x.kind === 'bin').concat([s]));
    const n = Math.max(0, pick([0, 1, t.count - 1, t.count + 1, 0xffff, 0x7fffffff]));
    const head = t.kind === 'str' ? encLen(n, 0xa0, 31, 0xd9, 0xda, 0xdb) : t.kind === 'bin' ? encLen(n, null, 0, 0xc4, 0xc5, 0xc6) : encCountLike(t.h, n);
    return splice(b, t.start, t.headEnd, head);
  }
  // Truncate or extend the whole thing.
  return r() < 0.5 ? b.subarray(0, Math.floor(r() * b.length)).slice() : Uint8Array.of(...b, ...randomValue(r));
}

/** Envelope bytes around `body` (the writer's key order), with a checksum that is right unless `crc` is given. */
export function envelope(body: Uint8Array, crc = crc32(body)): Uint8Array {
  const head = [0x85, ...encStr('format'), ...encStr('nmp-edge'), ...encStr('version'), 1, ...encStr('requires'), 0x90,
    ...encStr('crc32'), ...encInt(crc), ...encStr('body'), ...encLen(body.length, null, 0, 0xc4, 0xc5, 0xc6)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** The body bytes of a well-formed envelope written by `envelope` or formats/write.ts, or null. */
export function bodyOf(file: Uint8Array): Uint8Array | null {
  const all = sites(file);
  const i = all.findIndex((s) => s.isKey && s.kind === 'str' && s.count === 4 && String.fromCharCode(...file.subarray(s.headEnd, s.end)) === 'body');
  const v = all[i + 1];
  return v && v.kind === 'bin' ? file.slice(v.headEnd, v.end) : null;
}

/**
 * Fuzz file number `index` of `seed`, from one of the `seeds` (valid model files): 1-4 structure-aware edits of the
 * body with the checksum fixed up (93 %), or edits of the envelope itself.
 */
export function mutateFile(seeds: readonly Uint8Array[], seed: number, index: number): Uint8Array {
  const r = rng((seed * 0x9e3779b1 + index * 0x85ebca6b) >>> 0);
  const file = seeds[Math.floor(r() * seeds.length)];
  const edits = 1 + Math.floor(r() * r() * 4);
  if (r() < 0.07) {
    let b = file;
    for (let e = 0; e < edits; e++) b = mutateOnce(b, r);
    return b;
  }
  let body = bodyOf(file) ?? new Uint8Array(0);
  for (let e = 0; e < edits; e++) body = mutateOnce(body, r);
  return envelope(body, r() < 0.97 ? crc32(body) : (crc32(body) ^ 1) >>> 0);
}
