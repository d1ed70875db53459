/**
 * @fileoverview Strict reader of model format v1 (SPEC.md §7). A model file is untrusted: its msgpack structure is walked
 * without decoding (§2.1), then every field is checked in the one order of §7, so that an invalid file gets exactly one
 * code and one byte offset, the same as from the no-host loader (assembly/standalone/validator.ts, a line-by-line twin).
 * Nothing sized by the file is allocated before the value that sizes it passed its rule.
 */

import {
  ACC_MAX, ACT_BITS_MAX, FLOAT32_MAX, ACT_BITS_MIN, FORMAT_NAME, FORMAT_VERSION, INPUT_BITS_MAX, INPUT_BITS_MIN,
  KNOWN_REQUIREMENTS, MAX_CATEGORIES, MAX_DATASET_LENGTH, MAX_DEPTH, MAX_FEATURES, MAX_FILE_BYTES, MAX_LAYERS, MAX_MAP_ENTRIES, MAX_METRICS,
  MAX_NAME_LENGTH, MAX_NEURONS, REQUANT_MULT_MAX, REQUANT_SHIFT_MAX, REQUANT_SHIFT_MIN, WEIGHT_BITS_MAX, WEIGHT_BITS_MIN,
} from './constants.js';
import { crc32 } from './crc32.js';
import { ModelFormatError, type ModelFormatErrorCode } from './errors.js';
import { rowBytes } from './pack.js';
import type { ActivationQuantizer, CategoricalColumn, InputQuantizer, Layer, ModelMeta, NmpModel, OutputDequantizer, Provenance, TaskKind } from './schema.js';

// Kinds of a msgpack head (SPEC §2.1); extension types and 0xc1 never get past the structure walk.
const NIL: number = 0, BOOL: number = 1, INT: number = 2, FLOAT: number = 3, STR: number = 4, BIN: number = 5, ARRAY: number = 6, MAP: number = 7;
const KIND_NAMES = ['nil', 'bool', 'integer', 'float', 'str', 'bin', 'array', 'map'];

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One file being read: the bytes and the decoded head of the value last looked at. */
class Cursor {
  readonly b: Uint8Array;
  readonly dv: DataView;
  /** Kind, payload start (str, bin), length or count, number (int, float, bool as 0/1), position after the head. */
  kind = NIL;
  ptr = 0;
  len = 0;
  num = 0;
  next = 0;

  constructor(b: Uint8Array) {
    this.b = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /**
   * Decodes the head at `p` of a value the structure walk accepted, or returns false when the head is not standard msgpack
   * or does not fit before `end` (the walk's job to report). Containers: `len` = entries (map) or items (array).
   */
  head(p: number, end: number): boolean {
    const b = this.b, dv = this.dv;
    if (p >= end) return false;
    const h = b[p];
    this.num = 0;
    let n = 0; // bytes of the length/value field
    let kind: number;
    if (h <= 0x7f) { this.num = h; kind = INT; }
    else if (h >= 0xe0) { this.num = h - 256; kind = INT; }
    else if (h <= 0x8f) { this.kind = MAP; this.len = h & 15; this.next = p + 1; return true; }
    else if (h <= 0x9f) { this.kind = ARRAY; this.len = h & 15; this.next = p + 1; return true; }
    else if (h <= 0xbf) return this.payload(STR, p + 1, h & 31, end);
    else {
      switch (h) {
        case 0xc0: this.kind = NIL; this.next = p + 1; return true;
        case 0xc2: case 0xc3: this.kind = BOOL; this.num = h - 0xc2; this.next = p + 1; return true;
        case 0xc4: case 0xc5: case 0xc6: case 0xd9: case 0xda: case 0xdb: {
          const w = h === 0xc4 || h === 0xd9 ? 1 : h === 0xc5 || h === 0xda ? 2 : 4;
          if (p + 1 + w > end) return false;
          const len = w === 1 ? b[p + 1] : w === 2 ? dv.getUint16(p + 1) : dv.getUint32(p + 1);
          return this.payload(h <= 0xc6 ? BIN : STR, p + 1 + w, len, end);
        }
        case 0xca: case 0xcb:
          n = h === 0xca ? 4 : 8;
          if (p + 1 + n > end) return false;
          this.num = n === 4 ? dv.getFloat32(p + 1) : dv.getFloat64(p + 1);
          kind = FLOAT;
          break;
        case 0xcc: case 0xcd: case 0xce: case 0xcf: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
          n = 1 << (h & 3);
          if (p + 1 + n > end) return false;
          const signed = h >= 0xd0;
          if (n === 1) this.num = signed ? dv.getInt8(p + 1) : b[p + 1];
          else if (n === 2) this.num = signed ? dv.getInt16(p + 1) : dv.getUint16(p + 1);
          else if (n === 4) this.num = signed ? dv.getInt32(p + 1) : dv.getUint32(p + 1);
          // hi * 2^32 is exact, so the sum is the 64-bit value rounded once to binary64, as in the AssemblyScript twin.
          else this.num = (signed ? dv.getInt32(p + 1) : dv.getUint32(p + 1)) * 4294967296 + dv.getUint32(p + 5);
          kind = INT;
          break;
        }
        case 0xdc: case 0xdd: case 0xde: case 0xdf: {
          n = h & 1 ? 4 : 2;
          if (p + 1 + n > end) return false;
          this.kind = h <= 0xdd ? ARRAY : MAP;
          this.len = n === 2 ? dv.getUint16(p + 1) : dv.getUint32(p + 1);
          this.next = p + 1 + n;
          return true;
        }
        default: return false; // 0xc1 and the extension types
      }
    }
    this.kind = kind;
    this.next = p + 1 + n;
    return true;
  }

  private payload(kind: number, at: number, len: number, end: number): boolean {
    if (at + len > end) return false;
    this.kind = kind;
    this.ptr = at;
    this.len = len;
    this.next = at + len;
    return true;
  }

  /** Rendering of the current head for messages. */
  describe(): string {
    switch (this.kind) {
      case STR: return this.len > 40 ? `str of ${this.len} bytes` : `str "${utf8.decode(this.b.subarray(this.ptr, this.next))}"`;
      case BIN: return `bin of ${this.len} bytes`;
      case ARRAY: return `array of ${this.len}`;
      case MAP: return `map of ${this.len}`;
      case BOOL: return `bool ${this.num === 1}`;
      case NIL: return 'nil';
      default: return `${KIND_NAMES[this.kind]} ${this.num}`;
    }
  }
}

/** Well-formed UTF-8 (Unicode table 3-7: what a fatal TextDecoder accepts), without decoding. */
function isUtf8(b: Uint8Array, p: number, end: number): boolean {
  while (p < end) {
    const c = b[p];
    if (c < 0x80) { p++; continue; }
    let more = 0, lo = 0x80, hi = 0xbf; // continuation bytes left; range of the first one
    if (c >= 0xc2 && c <= 0xdf) more = 1;
    else if (c >= 0xe0 && c <= 0xef) { more = 2; if (c === 0xe0) lo = 0xa0; else if (c === 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { more = 3; if (c === 0xf0) lo = 0x90; else if (c === 0xf4) hi = 0x8f; }
    else return false;
    if (p + more >= end) return false;
    if (b[p + 1] < lo || b[p + 1] > hi) return false;
    for (let i = 2; i <= more; i++) if (b[p + i] < 0x80 || b[p + i] > 0xbf) return false;
    p += 1 + more;
  }
  return true;
}

/** A key (valid UTF-8) for messages, shortened. */
function describeKey(b: Uint8Array, p: number, end: number): string {
  const s = utf8.decode(b.subarray(p, end));
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

function fail(code: ModelFormatErrorCode, at: number, path: string, what: string, found: string, expected: string, hint?: string): never {
  throw new ModelFormatError(code, at, path, what, found, expected, hint);
}

/**
 * SPEC §2.1 structure of the value at `start`, which must end exactly at `end`: standard types only (no 0xc1, no
 * extension type), every head and payload inside the bytes, every str valid UTF-8, map keys str and unique per map,
 * nesting and map sizes within §3.4. Offsets: the head of the offending value (a missing value: where it would start),
 * or the first trailing byte. Iterative, with no allocation sized by a count before the count fits the bytes left.
 */
function walk(c: Cursor, start: number, end: number, path: string): void {
  const b = c.b;
  // Open containers: items left (a map counts keys and values), and for maps the keys seen so far.
  const left: number[] = [];
  const keys: (Set<string> | null)[] = [];
  let p = start;
  let rootDone = false;
  const bad = (what: string, found: string, expected: string) => fail('E_MSGPACK', p, `${path} byte ${p}`, what, found, expected);
  while (!rootDone) {
    const d = left.length;
    const isKey = d > 0 && keys[d - 1] !== null && (left[d - 1] & 1) === 0;
    if (p >= end) bad('truncated msgpack value', 'end of data', 'one more value');
    const h = b[p];
    if (h === 0xc1) bad('reserved msgpack byte', '0xc1', 'a standard msgpack type (SPEC §2.1)');
    if ((h >= 0xc7 && h <= 0xc9) || (h >= 0xd4 && h <= 0xd8)) bad('msgpack extension type', `0x${h.toString(16)}`, 'a standard msgpack type (SPEC §2.1)');
    const isStr = (h >= 0xa0 && h <= 0xbf) || (h >= 0xd9 && h <= 0xdb);
    if (isKey && !isStr) bad('map key is not a str', `0x${h.toString(16)}`, 'str keys (SPEC §2.1)');
    if (!c.head(p, end)) bad('truncated msgpack value', `${end - p} bytes left`, 'the whole value');
    const items = c.kind === MAP ? 2 * c.len : c.kind === ARRAY ? c.len : 0;
    if (items > end - c.next) bad('map or array count larger than the bytes left', String(c.len), `at most ${end - c.next} items`);
    if (c.kind === STR) {
      if (!isUtf8(b, c.ptr, c.next)) bad('invalid UTF-8 in a str', `str of ${c.len} bytes`, 'well-formed UTF-8 (SPEC §2.1)');
      if (isKey) {
        // Bytes as Latin-1 characters: one string per distinct byte sequence, cheaper than decoding.
        let k = '';
        for (let i = c.ptr; i < c.next; i++) k += String.fromCharCode(b[i]);
        const seen = keys[d - 1]!;
        if (seen.has(k)) bad('repeated map key', JSON.stringify(describeKey(b, c.ptr, c.next)), 'each key once per map (SPEC §2.1)');
        seen.add(k);
      }
    }
    if (c.kind === MAP || c.kind === ARRAY) {
      if (d + 1 > MAX_DEPTH) fail('E_LIMIT', p, `${path} byte ${p}`, 'maps and arrays nested too deep', `depth ${d + 1}`, `at most ${MAX_DEPTH}`);
      if (c.kind === MAP && c.len > MAX_MAP_ENTRIES) fail('E_LIMIT', p, `${path} byte ${p}`, 'map with too many entries', String(c.len), `at most ${MAX_MAP_ENTRIES}`);
    }
    p = c.next;
    if (d > 0) left[d - 1]--;
    else rootDone = items === 0;
    if (items > 0) {
      left.push(items);
      keys.push(c.kind === MAP ? new Set() : null);
    }
    while (left.length && left[left.length - 1] === 0) {
      left.pop();
      keys.pop();
      if (!left.length) rootDone = true;
    }
  }
  if (p !== end) bad('trailing bytes after the msgpack value', `${end - p} bytes`, 'none');
}

// ---- Field checks. `p` is the position of a value, -1 when its key is absent; `at` is then the offset of the map
// that lacks it (SPEC §7: a missing field is reported at its map).

function typeError(c: Cursor, p: number, at: number, path: string, expected: string): never {
  if (p < 0) fail('E_TYPE', at, path, 'missing field', 'nothing (missing)', expected);
  fail('E_TYPE', p, path, 'wrong type', c.describe(), expected);
}

/** Index of the str bytes (p, len) among the ASCII `names`, or -1. */
function keyIndex(b: Uint8Array, p: number, len: number, names: readonly string[]): number {
  outer: for (let k = 0; k < names.length; k++) {
    const n = names[k];
    if (n.length !== len) continue;
    for (let i = 0; i < len; i++) if (b[p + i] !== n.charCodeAt(i)) continue outer;
    return k;
  }
  return -1;
}

/** Positions of the values of `names` in the map at `p` (-1: absent); E_TYPE unless it is a map. Unknown keys are skipped. */
function mapAt(c: Cursor, p: number, at: number, path: string, names: readonly string[]): number[] {
  if (p < 0 || !c.head(p, Infinity) || c.kind !== MAP) typeError(c, p, at, path, 'map');
  const out = names.map(() => -1);
  let q = c.next;
  const n = c.len;
  for (let i = 0; i < n; i++) {
    c.head(q, Infinity); // keys are str (the structure walk checked it)
    const k = keyIndex(c.b, c.ptr, c.len, names);
    q = c.next;
    if (k >= 0) out[k] = q;
    q = skip(c, q);
  }
  return out;
}

/** Position after the (structurally valid) value at `p`. */
function skip(c: Cursor, p: number): number {
  let left = 1;
  while (left > 0) {
    c.head(p, Infinity);
    left--;
    if (c.kind === MAP) left += 2 * c.len;
    else if (c.kind === ARRAY) left += c.len;
    p = c.next;
  }
  return p;
}

/** A msgpack int, or a float with an integral value (SPEC §2.1); NaN otherwise. */
function integerAt(c: Cursor, p: number): number {
  if (p < 0 || !c.head(p, Infinity)) return NaN;
  if (c.kind === INT) return c.num;
  if (c.kind === FLOAT && Number.isFinite(c.num) && Math.floor(c.num) === c.num) return c.num;
  return NaN;
}

/** Unsigned integer at most `max`: E_TYPE, then E_LIMIT. */
function uintAt(c: Cursor, p: number, at: number, path: string, max: number, min = 0): number {
  const v = integerAt(c, p);
  if (!(v >= 0)) typeError(c, p, at, path, 'non-negative integer');
  if (v > max || v < min) fail('E_LIMIT', p, path, 'count out of range', String(v), `${min}..${max}`);
  return v === 0 ? 0 : v; // -0.0 reads as 0
}

/** A str of at most `max` bytes: E_TYPE, then E_LIMIT. */
function strAt(c: Cursor, p: number, at: number, path: string, max = MAX_NAME_LENGTH): string {
  if (p < 0 || !c.head(p, Infinity) || c.kind !== STR) typeError(c, p, at, path, 'str');
  if (c.len > max) fail('E_LIMIT', p, path, 'str too long', `${c.len} bytes`, `at most ${max} bytes`);
  return utf8.decode(c.b.subarray(c.ptr, c.next));
}

/** A bin of exactly `bytes` bytes: E_TYPE, then E_LENGTH; returns its payload offset. */
function binAt(c: Cursor, p: number, at: number, path: string, bytes: number, unit: string): number {
  if (p < 0 || !c.head(p, Infinity) || c.kind !== BIN) typeError(c, p, at, path, 'bin');
  if (c.len !== bytes) fail('E_LENGTH', p, path, 'bin length disagrees with the shapes', `${c.len} bytes`, `${bytes} bytes (${unit})`);
  return c.ptr;
}

/** An array of exactly `count` strs: E_TYPE, E_SHAPE, then each name (E_TYPE, E_LIMIT) in order. */
function namesAt(c: Cursor, p: number, at: number, path: string, count: number): string[] {
  if (p < 0 || !c.head(p, Infinity) || c.kind !== ARRAY) typeError(c, p, at, path, `array of ${count} str`);
  if (c.len !== count) fail('E_SHAPE', p, path, 'wrong number of names', String(c.len), String(count));
  const out: string[] = [];
  let q = c.next;
  for (let i = 0; i < count; i++) {
    out.push(strAt(c, q, q, `${path}[${i}]`));
    q = c.next;
  }
  return out;
}

function bitsAt(c: Cursor, ptr: number, n: number, path: string, min: number, max: number): Uint8Array {
  const bits = c.b.slice(ptr, ptr + n);
  for (let i = 0; i < n; i++) {
    if (bits[i] < min || bits[i] > max) fail('E_BITWIDTH', ptr + i, `${path}[${i}]`, 'bit-width out of range', String(bits[i]), `${min}..${max}`);
  }
  return bits;
}

function floatsAt(c: Cursor, ptr: number, n: number, size: 4 | 8, path: string, positive: boolean): Float32Array | Float64Array {
  const out = size === 4 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = size === 4 ? c.dv.getFloat32(ptr + 4 * i, true) : c.dv.getFloat64(ptr + 8 * i, true);
    if (!Number.isFinite(v) || (positive && !(v > 0))) {
      fail('E_VALUE', ptr + size * i, `${path}[${i}]`, positive ? 'scale must be finite and positive' : 'value must be finite', String(v), positive ? 'finite number > 0' : 'finite number');
    }
    out[i] = v;
  }
  return out;
}

function int32sAt(c: Cursor, ptr: number, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = c.dv.getInt32(ptr + 4 * i, true);
  return out;
}

const ENVELOPE_KEYS = ['format', 'version', 'requires', 'body', 'crc32'] as const;

/** SPEC §7 steps 1-3: size, structure, envelope; returns the body's offset and length. */
function readEnvelope(c: Cursor): { version: number; requires: string[]; body: number; bodyLen: number } {
  const len = c.b.length;
  if (len === 0) fail('E_EMPTY', 0, '$', 'empty file', '0 bytes', 'a msgpack map');
  if (len > MAX_FILE_BYTES) fail('E_LIMIT', 0, '$', 'file too large', `${len} bytes`, `at most ${MAX_FILE_BYTES}`);
  walk(c, 0, len, '$');
  const [pFormat, pVersion, pReq, pBody, pCrc] = mapAt(c, 0, 0, '$', ENVELOPE_KEYS);
  if (pFormat < 0) fail('E_FORMAT_NAME', 0, '$.format', 'not an nmp-edge model', 'nothing (missing)', `str "${FORMAT_NAME}"`);
  c.head(pFormat, len);
  if (c.kind !== STR || c.len !== FORMAT_NAME.length || utf8.decode(c.b.subarray(c.ptr, c.next)) !== FORMAT_NAME) {
    fail('E_FORMAT_NAME', pFormat, '$.format', 'not an nmp-edge model', c.describe(), `str "${FORMAT_NAME}"`);
  }
  const version = integerAt(c, pVersion);
  if (!(version >= 1)) {
    if (pVersion < 0) fail('E_FORMAT_VERSION', 0, '$.version', 'bad version', 'nothing (missing)', 'positive integer');
    c.head(pVersion, len);
    fail('E_FORMAT_VERSION', pVersion, '$.version', 'bad version', c.describe(), 'positive integer');
  }
  if (version > FORMAT_VERSION) {
    fail('E_FORMAT_VERSION', pVersion, '$.version', `file is format v${version}; this reader reads up to v${FORMAT_VERSION}`, String(version), `<= ${FORMAT_VERSION}`, 'upgrade nmp-edge');
  }
  if (pReq < 0 || !c.head(pReq, len) || c.kind !== ARRAY) typeError(c, pReq, 0, '$.requires', 'array of str');
  const requires: string[] = [];
  let q = c.next;
  for (let i = 0, n = c.len; i < n; i++) {
    const r = strAt(c, q, q, `$.requires[${i}]`);
    if (!KNOWN_REQUIREMENTS.includes(r)) {
      fail('E_REQUIRES', q, `$.requires[${i}]`, 'unknown requirement', `"${r}"`, KNOWN_REQUIREMENTS.length ? KNOWN_REQUIREMENTS.join(', ') : 'none (v1 defines no requirement)', 'the file needs a newer reader');
    }
    requires.push(r);
    q = c.next;
  }
  if (pBody < 0 || !c.head(pBody, len) || c.kind !== BIN) typeError(c, pBody, 0, '$.body', 'bin');
  const body = c.ptr, bodyLen = c.len;
  const stored = integerAt(c, pCrc);
  if (!(stored >= 0 && stored <= 0xffffffff)) typeError(c, pCrc, 0, '$.crc32', 'uint32');
  const actual = crc32(c.b.subarray(body, body + bodyLen));
  if (actual !== stored) {
    fail('E_CHECKSUM', pCrc, '$.crc32', 'body checksum mismatch (file corrupted)', `0x${actual.toString(16).padStart(8, '0')} computed`, `0x${stored.toString(16).padStart(8, '0')} stored`);
  }
  return { version, requires, body, bodyLen };
}

/** Worst-case |accumulator| of every neuron (SPEC §6.3) and zero padding (§5.2), row by row: E_PADDING, E_ACC_OVERFLOW. */
function checkRows(c: Cursor, path: string, w: number, k: number, wBits: Uint8Array, bias: Int32Array, inMax: Float64Array): void {
  const b = c.b;
  // Sum of max|input|: a row whose worst case (every weight at its largest magnitude) fits needs no pass over its weights.
  let inSum = 0;
  for (let e = 0; e < k; e++) inSum += inMax[e];
  let row = w;
  for (let j = 0; j < wBits.length; j++) {
    const bits = wBits[j], rb = rowBytes(k, bits), used = k * bits;
    if (used & 7 && b[row + rb - 1] >> (used & 7)) {
      fail('E_PADDING', row + rb - 1, `${path}.weights row ${j}`, 'non-zero padding bits after the last code', 'a set bit', 'zero bits up to the byte boundary');
    }
    let bound = Math.abs(bias[j]);
    if (bits === 0 || bound + (bits === 1 ? 1 : 2 ** (bits - 1)) * inSum <= ACC_MAX) {
      // No pass over the weights: a pruned row's bound is |bias| alone (still checked: -2^31 does not fit).
    } else if (bits === 1) {
      for (let e = 0; e < k; e++) bound += inMax[e]; // |±1| = 1
    } else if (bits !== 0) {
      const mask = (1 << bits) - 1, sign = 1 << (bits - 1);
      if (bits === 8) {
        for (let e = 0; e < k; e++) bound += Math.abs((b[row + e] ^ 0x80) - 0x80) * inMax[e];
      } else {
        for (let e = 0, t = 0; e < k; e++, t += bits) {
          const at = row + (t >> 3), s = t & 7;
          let f = b[at] >> s;
          if (s + bits > 8) f |= b[at + 1] << (8 - s);
          bound += Math.abs(((f & mask) ^ sign) - sign) * inMax[e];
        }
      }
    }
    if (bound > ACC_MAX) {
      fail('E_ACC_OVERFLOW', row, `${path} neuron ${j}`, 'worst-case accumulator exceeds int32', String(bound), `|bias| + sum |w| * max|input| <= ${ACC_MAX}`, 'lower this neuron\'s weight bits, its bias, or its inputs\' activation bits');
    }
    row += rb;
  }
}

const LAYER_KEYS = ['in', 'out', 'w_bits', 'weights', 'bias', 'w_scale', 'act'] as const;
const ACT_KEYS = ['bits', 'scale', 'mult', 'shift'] as const;

function readLayer(c: Cursor, p: number, path: string, fanIn: number, isLast: boolean, inMax: Float64Array, copy: boolean): { layer: Layer; outMax: Float64Array } {
  const [pIn, pOut, pWb, pW, pB, pS, pAct] = mapAt(c, p, p, path, LAYER_KEYS);
  const k = uintAt(c, pIn, p, `${path}.in`, MAX_NEURONS);
  const n = uintAt(c, pOut, p, `${path}.out`, MAX_NEURONS, 1);
  if (k !== fanIn) fail('E_SHAPE', pIn, `${path}.in`, 'fan-in disagrees with the previous layer', String(k), String(fanIn));
  const weightBits = bitsAt(c, binAt(c, pWb, p, `${path}.w_bits`, n, '1 byte per neuron'), n, `${path}.w_bits`, WEIGHT_BITS_MIN, WEIGHT_BITS_MAX);
  const rowOffsets = new Uint32Array(n + 1);
  for (let j = 0; j < n; j++) rowOffsets[j + 1] = rowOffsets[j] + rowBytes(k, weightBits[j]);
  const w = binAt(c, pW, p, `${path}.weights`, rowOffsets[n], 'sum over neurons of ceil(in * w_bits / 8)');
  const bias = int32sAt(c, binAt(c, pB, p, `${path}.bias`, 4 * n, 'int32 per neuron'), n);
  const weightScale = floatsAt(c, binAt(c, pS, p, `${path}.w_scale`, 4 * n, 'float32 per neuron'), n, 4, `${path}.w_scale`, true) as Float32Array;
  checkRows(c, path, w, k, weightBits, bias, inMax);
  const weights = copy ? c.b.slice(w, w + rowOffsets[n]) : c.b.subarray(w, w + rowOffsets[n]);

  let act: ActivationQuantizer | null = null;
  const outMax = new Float64Array(n);
  if (isLast) {
    if (pAct >= 0 && (c.head(pAct, Infinity), c.kind !== NIL)) {
      fail('E_TYPE', pAct, `${path}.act`, 'the last layer outputs accumulators and has no activation quantiser', c.describe(), 'nil');
    }
  } else {
    const [pBits, pScale, pMult, pShift] = mapAt(c, pAct, p, `${path}.act`, ACT_KEYS);
    const at = pAct;
    const bits = bitsAt(c, binAt(c, pBits, at, `${path}.act.bits`, n, '1 byte per neuron'), n, `${path}.act.bits`, ACT_BITS_MIN, ACT_BITS_MAX);
    const scale = floatsAt(c, binAt(c, pScale, at, `${path}.act.scale`, 4 * n, 'float32 per neuron'), n, 4, `${path}.act.scale`, true) as Float32Array;
    const pm = binAt(c, pMult, at, `${path}.act.mult`, 4 * n, 'int32 per neuron');
    const mult = int32sAt(c, pm, n);
    const ps = binAt(c, pShift, at, `${path}.act.shift`, n, '1 byte per neuron');
    const shift = c.b.slice(ps, ps + n);
    for (let j = 0; j < n; j++) {
      if (mult[j] < 1 || mult[j] > REQUANT_MULT_MAX) fail('E_VALUE', pm + 4 * j, `${path}.act.mult[${j}]`, 'requantisation multiplier out of range', String(mult[j]), `1..${REQUANT_MULT_MAX}`);
      if (shift[j] < REQUANT_SHIFT_MIN || shift[j] > REQUANT_SHIFT_MAX) fail('E_VALUE', ps + j, `${path}.act.shift[${j}]`, 'requantisation shift out of range', String(shift[j]), `${REQUANT_SHIFT_MIN}..${REQUANT_SHIFT_MAX}`);
      outMax[j] = 2 ** bits[j] - 1;
    }
    act = { bits, scale, mult, shift };
  }
  return { layer: { inFeatures: k, outFeatures: n, weightBits, weights, rowOffsets, bias, weightScale, act }, outMax };
}

const PROVENANCE_KEYS = ['method', 'dataset', 'seed', 'metrics', 'tool', 'created_at'] as const;

function readProvenance(c: Cursor, p: number, at: number, path: string): Provenance {
  const [pMethod, pData, pSeed, pMetrics, pTool, pCreated] = mapAt(c, p, at, path, PROVENANCE_KEYS);
  const method = strAt(c, pMethod, p, `${path}.method`);
  const dataset = strAt(c, pData, p, `${path}.dataset`, MAX_DATASET_LENGTH);
  let seed: number | null = null;
  if (pSeed < 0 || (c.head(pSeed, Infinity), c.kind !== NIL)) {
    seed = integerAt(c, pSeed);
    if (Number.isNaN(seed)) typeError(c, pSeed, p, `${path}.seed`, 'integer or nil');
  }
  if (pMetrics < 0 || !c.head(pMetrics, Infinity) || c.kind !== MAP) typeError(c, pMetrics, p, `${path}.metrics`, 'map of str to number');
  if (c.len > MAX_METRICS) fail('E_LIMIT', pMetrics, `${path}.metrics`, 'too many metrics', String(c.len), `at most ${MAX_METRICS}`);
  const metrics: Record<string, number> = Object.create(null);
  let q = c.next;
  for (let i = 0, n = c.len; i < n; i++) {
    const key = strAt(c, q, q, `${path}.metrics key ${i}`);
    q = c.next;
    c.head(q, Infinity);
    if (!(c.kind === INT || (c.kind === FLOAT && Number.isFinite(c.num)))) fail('E_TYPE', q, `${path}.metrics.${key}`, 'wrong type', c.describe(), 'finite number');
    metrics[key] = c.num;
    q = skip(c, q);
  }
  const tool = strAt(c, pTool, p, `${path}.tool`);
  const createdAt = strAt(c, pCreated, p, `${path}.created_at`);
  return { method, dataset, seed, metrics: { ...metrics }, tool, createdAt };
}

const CATEGORY_KEYS = ['column', 'encoding', 'values', 'first_input'] as const;
const ENCODINGS = ['one_hot', 'ordinal'] as const;

/**
 * R18 (SPEC §3.7): the optional `meta.categories` table, entry by entry in field order, then entry by entry the column
 * name against the numeric inputs' names (which needs every entry's inputs first). Runs after R17, as everything it refers to (F,
 * `feature_names`) has passed its rule by then.
 */
function readCategories(c: Cursor, p: number, path: string, featureNames: string[]): CategoricalColumn[] {
  if (!c.head(p, Infinity) || c.kind !== ARRAY) typeError(c, p, p, path, 'array of maps');
  const F = featureNames.length, n = c.len;
  if (n > F) fail('E_LIMIT', p, path, 'more categorical columns than inputs', String(n), `at most ${F}`);
  const owner = new Int32Array(F).fill(-1); // entry feeding each input
  const columns = new Set<string>();
  const columnAt: number[] = []; // where each entry's column name is
  const out: CategoricalColumn[] = [];
  let q = c.next;
  for (let i = 0; i < n; i++) {
    const pe = `${path}[${i}]`;
    const [pCol, pEnc, pVal, pFirst] = mapAt(c, q, q, pe, CATEGORY_KEYS);
    const column = strAt(c, pCol, q, `${pe}.column`);
    if (column === '') fail('E_LIMIT', pCol, `${pe}.column`, 'empty column name', '0 bytes', `1..${MAX_NAME_LENGTH} bytes of UTF-8`);
    if (columns.has(column)) fail('E_VALUE', pCol, `${pe}.column`, 'column named twice', `"${column}"`, 'one entry per column');
    columns.add(column);
    columnAt.push(pCol);
    const encoding = strAt(c, pEnc, q, `${pe}.encoding`);
    const enc = ENCODINGS.indexOf(encoding as (typeof ENCODINGS)[number]);
    if (enc < 0) fail('E_VALUE', pEnc, `${pe}.encoding`, 'unknown encoding', `"${encoding}"`, '"one_hot" or "ordinal"');
    if (pVal < 0 || !c.head(pVal, Infinity) || c.kind !== ARRAY) typeError(c, pVal, q, `${pe}.values`, 'array of str');
    const nv = c.len;
    if (nv < 1 || nv > MAX_CATEGORIES) fail('E_LIMIT', pVal, `${pe}.values`, 'category count out of range', String(nv), `1..${MAX_CATEGORIES}`);
    const values: string[] = [];
    const seen = new Set<string>();
    let v = c.next;
    for (let k = 0; k < nv; k++) {
      const s = strAt(c, v, v, `${pe}.values[${k}]`);
      if (seen.has(s)) fail('E_VALUE', v, `${pe}.values[${k}]`, 'category listed twice', `"${s}"`, 'distinct categories');
      seen.add(s);
      values.push(s);
      v = c.next;
    }
    const first = integerAt(c, pFirst);
    if (!(first >= 0)) typeError(c, pFirst, q, `${pe}.first_input`, 'non-negative integer');
    const width = enc === 0 ? nv : 1;
    if (first + width > F) fail('E_SHAPE', pFirst, `${pe}.first_input`, 'inputs beyond the features', `inputs ${first}..${first + width - 1}`, `within 0..${F - 1}`);
    for (let j = first; j < first + width; j++) {
      if (owner[j] >= 0) fail('E_SHAPE', pFirst, `${pe}.first_input`, 'inputs shared with another categorical column', `input ${j} also fed by entry ${owner[j]}`, 'disjoint input ranges');
      owner[j] = i;
    }
    out.push({ column, encoding: ENCODINGS[enc], values, firstInput: first === 0 ? 0 : first });
    q = skip(c, q);
  }
  // A raw row names each numeric input by its feature name: a categorical column of that name would be ambiguous.
  const numeric = new Map<string, number>(); // name -> first numeric input of that name
  for (let j = F - 1; j >= 0; j--) if (owner[j] < 0) numeric.set(featureNames[j], j);
  out.forEach((o, i) => {
    const j = numeric.get(o.column);
    if (j !== undefined) fail('E_VALUE', columnAt[i], `${path}[${i}].column`, 'column is also a numeric input', `"${o.column}" (input ${j})`, 'distinct raw column names');
  });
  return out;
}

const BODY_KEYS = ['meta', 'input', 'layers', 'output'] as const;
const META_KEYS = ['task', 'feature_names', 'output_names', 'provenance', 'target_column', 'categories'] as const;
const INPUT_KEYS = ['bits', 'center', 'gain'] as const;
const OUTPUT_KEYS = ['scale', 'offset'] as const;

export interface ReadOptions {
  /**
   * false: each layer's `weights` is a view of `bytes` instead of a copy (the model then changes if `bytes` does). For
   * callers that read the weights once, as loadModel, so that loading a big file holds it once. Default true.
   */
  copy?: boolean;
}

/**
 * Decodes and validates a whole model file in the order of SPEC §7.
 * @throws ModelFormatError with the code and byte offset SPEC §7 assigns, naming the path, what was found and what was expected.
 */
export function readModel(bytes: Uint8Array, options: ReadOptions = {}): NmpModel {
  const c = new Cursor(bytes);
  const { version, requires, body, bodyLen } = readEnvelope(c);
  const end = body + bodyLen;
  walk(c, body, end, 'body');
  const [pMeta, pInput, pLayers, pOutput] = mapAt(c, body, body, 'body', BODY_KEYS);
  const [pTask, pFeat, pOutN, pProv, pTarget, pCat] = mapAt(c, pMeta, body, 'body.meta', META_KEYS);
  const task = strAt(c, pTask, pMeta, 'body.meta.task');
  if (task !== 'classification' && task !== 'regression') fail('E_VALUE', pTask, 'body.meta.task', 'unknown task kind', `"${task}"`, '"classification" or "regression"');

  const [pBits, pCenter, pGain] = mapAt(c, pInput, body, 'body.input', INPUT_KEYS);
  if (pBits < 0 || !c.head(pBits, end) || c.kind !== BIN) typeError(c, pBits, pInput, 'body.input.bits', 'bin');
  const F = c.len, bitsPtr = c.ptr;
  if (F < 1 || F > MAX_FEATURES) fail('E_LIMIT', pBits, 'body.input.bits', 'feature count out of range', String(F), `1..${MAX_FEATURES}`);
  const centerPtr = binAt(c, pCenter, pInput, 'body.input.center', 8 * F, 'float64 per feature');
  const gainPtr = binAt(c, pGain, pInput, 'body.input.gain', 8 * F, 'float64 per feature');
  const input: InputQuantizer = {
    bits: bitsAt(c, bitsPtr, F, 'body.input.bits', INPUT_BITS_MIN, INPUT_BITS_MAX),
    center: floatsAt(c, centerPtr, F, 8, 'body.input.center', false) as Float64Array,
    gain: floatsAt(c, gainPtr, F, 8, 'body.input.gain', true) as Float64Array,
  };

  if (pLayers < 0 || !c.head(pLayers, end) || c.kind !== ARRAY) typeError(c, pLayers, body, 'body.layers', 'array of layer maps');
  const L = c.len;
  if (L < 1 || L > MAX_LAYERS) fail('E_LIMIT', pLayers, 'body.layers', 'layer count out of range', String(L), `1..${MAX_LAYERS}`);
  const layers: Layer[] = [];
  let fanIn = F, lp = c.next;
  let inMax: Float64Array = Float64Array.from(input.bits, (b) => 2 ** (b - 1) - 1);
  for (let l = 0; l < L; l++) {
    const { layer, outMax } = readLayer(c, lp, `body.layers[${l}]`, fanIn, l === L - 1, inMax, options.copy !== false);
    layers.push(layer);
    fanIn = layer.outFeatures;
    inMax = outMax;
    lp = skip(c, lp);
  }
  const O = fanIn;

  const featureNames = namesAt(c, pFeat, pMeta, 'body.meta.feature_names', F);
  const outputNames = namesAt(c, pOutN, pMeta, 'body.meta.output_names', O);
  const provenance = readProvenance(c, pProv, pMeta, 'body.meta.provenance');
  const meta: ModelMeta = { task: task as TaskKind, featureNames, outputNames, provenance };
  if (pTarget >= 0) meta.targetColumn = strAt(c, pTarget, pMeta, 'body.meta.target_column');

  const [pScale, pOffset] = mapAt(c, pOutput, body, 'body.output', OUTPUT_KEYS);
  const scalePtr = binAt(c, pScale, pOutput, 'body.output.scale', 8 * O, 'float64 per output of the last layer');
  const offsetPtr = binAt(c, pOffset, pOutput, 'body.output.offset', 8 * O, 'float64 per output of the last layer');
  const output: OutputDequantizer = {
    scale: floatsAt(c, scalePtr, O, 8, 'body.output.scale', true) as Float64Array,
    offset: floatsAt(c, offsetPtr, O, 8, 'body.output.offset', false) as Float64Array,
  };
  for (let j = 0; j < O; j++) {
    if (output.scale[j] * ACC_MAX + Math.abs(output.offset[j]) > FLOAT32_MAX) {
      fail('E_VALUE', scalePtr + 8 * j, `body.output.scale[${j}]`, 'outputs could overflow float32', `scale ${output.scale[j]}, offset ${output.offset[j]}`, `scale * (2^31-1) + |offset| <= ${FLOAT32_MAX}`);
    }
  }
  if (pCat >= 0) meta.categories = readCategories(c, pCat, 'body.meta.categories', featureNames);
  return { version, requires, meta, input, layers, output };
}
