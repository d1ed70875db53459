/**
 * @fileoverview Invalid-file conformance vectors (SPEC.md §7, §8): one or more files per reader rule and per limit, each
 * with the one code and byte offset SPEC §7 assigns. The expected offset is derived here from where the encoder put the
 * offending value (a mark), not from any reader. `generate.ts` writes them to formats/testdata/invalid/; a test
 * regenerates them in memory and requires byte equality, then runs every reader over them.
 */

import { FORMAT_NAME, MAX_DEPTH, MAX_FILE_BYTES, MAX_MAP_ENTRIES } from '../constants.js';
import { crc32 } from '../crc32.js';
import type { ModelFormatErrorCode } from '../errors.js';
import { modelBody } from '../write.js';
import { workedExampleModel } from './vectors.js';

// ---- A msgpack encoder that can write what a writer never should: any key type, repeated keys, raw bytes, bad UTF-8.

/** A map as an ordered list of entries (keys of any type, repeats allowed). */
export class Pairs {
  constructor(readonly entries: [Node, Node][]) {}
  get(key: string): Node {
    const e = this.entries.find(([k]) => k === key);
    if (!e) throw new Error(`no key ${key}`);
    return e[1];
  }
  map(key: string): Pairs {
    return this.get(key) as Pairs;
  }
  bin(key: string): Uint8Array {
    return this.get(key) as Uint8Array;
  }
  /** Replaces the value of `key` in place (appends when absent). */
  set(key: string, v: Node): this {
    const e = this.entries.find(([k]) => k === key);
    if (e) e[1] = v;
    else this.entries.push([key, v]);
    return this;
  }
  delete(key: string): this {
    const i = this.entries.findIndex(([k]) => k === key);
    if (i < 0) throw new Error(`no key ${key}`);
    this.entries.splice(i, 1);
    return this;
  }
}
/** Bytes written verbatim where a value stands. */
export class Raw {
  constructor(readonly bytes: ArrayLike<number>) {}
}
/** A str whose payload is these bytes (which need not be UTF-8). */
export class StrBytes {
  constructor(readonly bytes: ArrayLike<number>) {}
}
/** A float64 even when the value is integral. */
export class F64 {
  constructor(readonly v: number) {}
}
/** Records where its value is written: the head, and for str and bin the payload. */
export class Mark {
  constructor(readonly name: string, readonly v: Node) {}
}
export type Node = null | boolean | number | string | Uint8Array | Node[] | Pairs | Raw | StrBytes | F64 | Mark;

interface Where {
  head: number;
  payload: number;
}

function encodeInto(v: Node, out: number[], marks: Map<string, Where>): void {
  const u = (n: number, bytes: number) => {
    for (let i = bytes - 1; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  };
  const withLen = (len: number, fix: number | null, fixMax: number, c8: number | null, c16: number, c32: number) => {
    if (fix !== null && len <= fixMax) out.push(fix | len);
    else if (c8 !== null && len <= 0xff) out.push(c8, len);
    else if (len <= 0xffff) { out.push(c16); u(len, 2); }
    else { out.push(c32); u(len, 4); }
  };
  if (v instanceof Mark) {
    const head = out.length;
    encodeInto(v.v, out, marks);
    let payload = head;
    const h = out[head];
    if ((h >= 0xa0 && h <= 0xbf)) payload = head + 1;
    else if (h === 0xc4 || h === 0xd9) payload = head + 2;
    else if (h === 0xc5 || h === 0xda) payload = head + 3;
    else if (h === 0xc6 || h === 0xdb) payload = head + 5;
    marks.set(v.name, { head, payload });
  } else if (v === null) out.push(0xc0);
  else if (typeof v === 'boolean') out.push(v ? 0xc3 : 0xc2);
  else if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -32 && v <= 0x7f) out.push(v & 0xff);
    else if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) {
      if (v <= 0xff) out.push(0xcc, v); else if (v <= 0xffff) { out.push(0xcd); u(v, 2); } else { out.push(0xce); u(v, 4); }
    } else if (Number.isInteger(v) && v < 0 && v >= -0x80000000) {
      out.push(0xd2);
      u(v >>> 0, 4);
    } else encodeInto(new F64(v), out, marks);
  } else if (v instanceof F64) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v.v);
    out.push(0xcb, ...b);
  } else if (typeof v === 'string') encodeInto(new StrBytes(new TextEncoder().encode(v)), out, marks);
  else if (v instanceof StrBytes) {
    withLen(v.bytes.length, 0xa0, 31, 0xd9, 0xda, 0xdb);
    for (let i = 0; i < v.bytes.length; i++) out.push(v.bytes[i]);
  } else if (v instanceof Uint8Array) {
    withLen(v.length, null, 0, 0xc4, 0xc5, 0xc6);
    for (let i = 0; i < v.length; i++) out.push(v[i]);
  } else if (v instanceof Raw) {
    for (let i = 0; i < v.bytes.length; i++) out.push(v.bytes[i]);
  } else if (Array.isArray(v)) {
    withLen(v.length, 0x90, 15, null, 0xdc, 0xdd);
    for (const x of v) encodeInto(x, out, marks);
  } else {
    withLen(v.entries.length, 0x80, 15, null, 0xde, 0xdf);
    for (const [k, x] of v.entries) {
      encodeInto(k, out, marks);
      encodeInto(x, out, marks);
    }
  }
}

/** msgpack bytes of `v` and where its marks landed. */
export function encodeNode(v: Node): { bytes: Uint8Array; marks: Map<string, Where> } {
  const out: number[] = [];
  const marks = new Map<string, Where>();
  encodeInto(v, out, marks);
  return { bytes: Uint8Array.from(out), marks };
}

/** Plain decoded-style value (objects, arrays, bins) as a tree of Pairs. */
function toNode(v: unknown): Node {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(toNode);
  if (v !== null && typeof v === 'object') return new Pairs(Object.entries(v).map(([k, x]) => [k, toNode(x)]));
  return v as Node;
}

// ---- The base file: SPEC §5.3's worked example, 3 features -> 2 hidden -> 1 output.

/** Body of the worked example as an editable tree. */
export function baseBody(): Pairs {
  return toNode(modelBody(workedExampleModel())) as Pairs;
}

/** Envelope around body bytes: the keys in the writer's order, checksum correct unless replaced. */
export function baseEnvelope(body: Uint8Array): Pairs {
  return new Pairs([['format', FORMAT_NAME], ['version', 1], ['requires', []], ['crc32', crc32(body)], ['body', new Mark('$body', body)]]);
}

export interface InvalidCase {
  name: string;
  /** SPEC §7 rule (`R1`..`R18`) the file breaks, `order` for precedence cases, `valid` for accepted edge cases. */
  rule: string;
  description: string;
  /** 'ok' for a file every reader must accept. */
  code: ModelFormatErrorCode | 'ok';
  /** The one byte offset of the error (null when accepted). */
  offset: number | null;
}

export interface InvalidVector extends InvalidCase {
  /** The file, or null for a `synthetic` one: too large to commit, so the index describes it (`length` bytes of `fill`). */
  bytes: Uint8Array | null;
  synthetic?: { length: number; fill: number };
}

type Target = { mark: string; in?: 'body' | 'file'; plus?: number; payload?: boolean } | number | null;

interface Spec {
  name: string;
  rule: string;
  description: string;
  code: ModelFormatErrorCode | 'ok';
  at: Target;
  body?: (b: Pairs) => void;
  env?: (e: Pairs) => void;
  /** Whole-file bytes (then `body`/`env` are unused). */
  file?: () => Uint8Array;
  /** Keep the stored checksum of the unedited body (for E_CHECKSUM). */
  staleCrc?: boolean;
}

const f32 = (v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setFloat32(0, v, true); return b; };
const f64 = (v: number) => { const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, v, true); return b; };
const i32 = (v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v, true); return b; };
const layer = (b: Pairs, l: number) => (b.get('layers') as Node[])[l] as Pairs;
/** Marks key `key` of map `m` (the value). */
const mark = (m: Pairs, key: string, name = key) => m.set(key, new Mark(name, m.get(key)));
/** Overwrites element bytes of a bin in place and marks the bin. */
const patch = (m: Pairs, key: string, at: number, bytes: ArrayLike<number>, name = key) => {
  const v = new Uint8Array(m.bin(key));
  v.set(Array.from(bytes), at);
  m.set(key, new Mark(name, v));
};
const nested = (depth: number): Node => (depth === 0 ? 1 : [depth === 1 ? new Mark('deep', [1]) : nested(depth - 1)]);
const utf8 = (s: string) => new TextEncoder().encode(s);
/** SPEC §3.7 entry `column`: one-hot `color` over inputs 0, 1 unless told otherwise. */
const cat = (column: Node = 'color', encoding: Node = 'one_hot', values: Node = ['red', 'blue'], first: Node = 0) =>
  new Pairs([['column', column], ['encoding', encoding], ['values', values], ['first_input', first]]);
/** Gives the base model (3 inputs) a `meta.categories` table; inputs 0, 1 named as one-hot `color`, input 2 `size`. */
const cats = (b: Pairs, table: Node) => void b.map('meta').set('feature_names', ['color=red', 'color=blue', 'size']).set('categories', table);

const SPECS: Spec[] = [
  // §7 steps 1-2: the file as a whole.
  { name: 'empty', rule: 'R1', description: 'zero bytes', code: 'E_EMPTY', at: 0, file: () => new Uint8Array(0) },
  { name: 'text-file', rule: 'R3', description: 'a CSV file: byte 0 is the positive fixint 104, then trailing bytes', code: 'E_MSGPACK', at: 1, file: () => utf8('hello,1,2\n') },
  { name: 'truncated-body', rule: 'R3', description: 'the last byte missing: the body bin does not fit', code: 'E_MSGPACK', at: { mark: '$body', in: 'file' }, file: () => fileOf(baseBody()).subarray(0, -1) as Uint8Array },
  { name: 'trailing-byte', rule: 'R3', description: 'a nil after the envelope map', code: 'E_MSGPACK', at: -1, file: () => Uint8Array.of(...fileOf(baseBody()), 0xc0) },
  // §2.1 structure of the envelope.
  { name: 'env-c1', rule: 'R3', description: 'the never-used byte 0xc1 as the value of an unknown envelope key', code: 'E_MSGPACK', at: { mark: 'x', in: 'file' }, env: (e) => e.entries.unshift(['x.v', new Mark('x', new Raw([0xc1]))]) },
  { name: 'env-ext-minus1', rule: 'R3', description: 'a timestamp (fixext 4, type -1) under an unknown envelope key', code: 'E_MSGPACK', at: { mark: 'x', in: 'file' }, env: (e) => e.entries.unshift(['x.v', new Mark('x', new Raw([0xd6, 0xff, 0, 0, 0, 0]))]) },
  { name: 'env-int-key', rule: 'R3', description: 'an integer map key in the envelope', code: 'E_MSGPACK', at: { mark: 'k', in: 'file' }, env: (e) => e.entries.unshift([new Mark('k', 7), 1]) },
  { name: 'env-repeated-key', rule: 'R3', description: '`version` twice in the envelope (same value)', code: 'E_MSGPACK', at: { mark: 'k', in: 'file' }, env: (e) => e.entries.splice(2, 0, [new Mark('k', 'version'), 1]) },
  { name: 'env-count-too-large', rule: 'R3', description: 'an array32 claiming 2^31 items under an unknown key', code: 'E_MSGPACK', at: { mark: 'x', in: 'file' }, env: (e) => e.entries.unshift(['x.v', new Mark('x', new Raw([0xdd, 0x80, 0, 0, 0]))]) },
  // §2.1 structure of the body, unknown keys included.
  { name: 'body-c1-unknown-key', rule: 'R8', description: '0xc1 under an unknown body key', code: 'E_MSGPACK', at: { mark: 'x' }, body: (b) => b.set('x.vendor', new Mark('x', new Raw([0xc1]))) },
  { name: 'body-ext0-unknown-key', rule: 'R8', description: 'ext type 0 (fixext 1) under an unknown body key', code: 'E_MSGPACK', at: { mark: 'x' }, body: (b) => b.set('x.vendor', new Mark('x', new Raw([0xd4, 0x00, 0x00]))) },
  { name: 'body-ext8-metric', rule: 'R8', description: 'an ext 8 value as a metric', code: 'E_MSGPACK', at: { mark: 'x' }, body: (b) => b.map('meta').map('provenance').set('metrics', new Pairs([['acc', new Mark('x', new Raw([0xc7, 0x01, 0x74, 0x00]))]])) },
  { name: 'body-nil-key', rule: 'R8', description: 'a nil key in metrics', code: 'E_MSGPACK', at: { mark: 'k' }, body: (b) => b.map('meta').map('provenance').set('metrics', new Pairs([[new Mark('k', null), 1]])) },
  { name: 'body-bin-key', rule: 'R8', description: 'a bin key in the body map', code: 'E_MSGPACK', at: { mark: 'k' }, body: (b) => b.entries.push([new Mark('k', utf8('meta')), 1]) },
  { name: 'body-float-key', rule: 'R8', description: 'a float key in a layer map', code: 'E_MSGPACK', at: { mark: 'k' }, body: (b) => layer(b, 0).entries.unshift([new Mark('k', new F64(1.5)), 1]) },
  { name: 'body-repeated-meta', rule: 'R8', description: '`meta` twice in the body', code: 'E_MSGPACK', at: { mark: 'k' }, body: (b) => b.entries.push([new Mark('k', 'meta'), b.get('meta')]) },
  { name: 'body-repeated-metric', rule: 'R8', description: 'a metric key twice', code: 'E_MSGPACK', at: { mark: 'k' }, body: (b) => b.map('meta').map('provenance').set('metrics', new Pairs([['acc', 1], [new Mark('k', 'acc'), 2]])) },
  { name: 'utf8-invalid-name', rule: 'R8', description: 'a feature name with the byte 0xff', code: 'E_MSGPACK', at: { mark: 'x' }, body: (b) => ((b.map('meta').get('feature_names') as Node[])[1] = new Mark('x', new StrBytes([0x61, 0xff]))) },
  { name: 'utf8-overlong', rule: 'R8', description: 'an overlong encoding (C0 80) in a dataset name', code: 'E_MSGPACK', at: { mark: 'x' }, body: (b) => b.map('meta').map('provenance').set('dataset', new Mark('x', new StrBytes([0xc0, 0x80]))) },
  { name: 'utf8-surrogate', rule: 'R8', description: 'an encoded surrogate (ED A0 80) under an unknown key', code: 'E_MSGPACK', at: { mark: 'x' }, body: (b) => b.set('x.note', new Mark('x', new StrBytes([0xed, 0xa0, 0x80]))) },
  { name: 'utf8-truncated-key', rule: 'R8', description: 'a key ending inside a 3-byte sequence', code: 'E_MSGPACK', at: { mark: 'k' }, body: (b) => b.entries.push([new Mark('k', new StrBytes([0x78, 0xe2, 0x82])), 1]) },
  { name: 'utf8-above-10ffff', rule: 'R8', description: 'F4 90 80 80 (above U+10FFFF) in the tool name', code: 'E_MSGPACK', at: { mark: 'x' }, body: (b) => b.map('meta').map('provenance').set('tool', new Mark('x', new StrBytes([0xf4, 0x90, 0x80, 0x80]))) },
  { name: 'body-trailing-byte', rule: 'R8', description: 'the body bin holds a nil after the body map (checksum correct)', code: 'E_MSGPACK', at: { mark: 'end' }, body: (b) => void b, file: undefined },
  { name: 'depth-17', rule: 'R8', description: `arrays nested ${MAX_DEPTH + 1} deep under an unknown key (the body map is depth 1)`, code: 'E_LIMIT', at: { mark: 'deep' }, body: (b) => b.set('x.deep', nested(MAX_DEPTH - 1)) },
  { name: 'depth-16-ok', rule: 'valid', description: `arrays nested exactly ${MAX_DEPTH} deep under an unknown key`, code: 'ok', at: null, body: (b) => b.set('x.deep', nested(MAX_DEPTH - 2)) },
  { name: 'map-entries-1025', rule: 'R8', description: `an unknown map of ${MAX_MAP_ENTRIES + 1} entries`, code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => b.set('x.big', new Mark('x', new Pairs(Array.from({ length: MAX_MAP_ENTRIES + 1 }, (_, i) => [`k${i}`, 0])))) },
  { name: 'map-entries-1024-ok', rule: 'valid', description: `an unknown map of ${MAX_MAP_ENTRIES} entries`, code: 'ok', at: null, body: (b) => b.set('x.big', new Pairs(Array.from({ length: MAX_MAP_ENTRIES }, (_, i) => [`k${i}`, 0]))) },
  // §7 step 3: the envelope.
  { name: 'env-not-map', rule: 'R4', description: 'the file is an array', code: 'E_TYPE', at: 0, file: () => encodeNode([FORMAT_NAME, 1]).bytes },
  { name: 'format-missing', rule: 'R4', description: 'no `format` key', code: 'E_FORMAT_NAME', at: 0, env: (e) => e.delete('format') },
  { name: 'format-gguf', rule: 'R4', description: '`format` is "gguf"', code: 'E_FORMAT_NAME', at: { mark: 'format', in: 'file' }, env: (e) => mark(e.set('format', 'gguf'), 'format') },
  { name: 'format-int', rule: 'R4', description: '`format` is an integer', code: 'E_FORMAT_NAME', at: { mark: 'format', in: 'file' }, env: (e) => mark(e.set('format', 1), 'format') },
  { name: 'version-missing', rule: 'R5', description: 'no `version` key', code: 'E_FORMAT_VERSION', at: 0, env: (e) => e.delete('version') },
  { name: 'version-2', rule: 'R5', description: 'a newer version', code: 'E_FORMAT_VERSION', at: { mark: 'version', in: 'file' }, env: (e) => mark(e.set('version', 2), 'version') },
  { name: 'version-0', rule: 'R5', description: 'version 0', code: 'E_FORMAT_VERSION', at: { mark: 'version', in: 'file' }, env: (e) => mark(e.set('version', 0), 'version') },
  { name: 'version-1.5', rule: 'R5', description: 'a fractional version', code: 'E_FORMAT_VERSION', at: { mark: 'version', in: 'file' }, env: (e) => mark(e.set('version', 1.5), 'version') },
  { name: 'version-str', rule: 'R5', description: 'version "1"', code: 'E_FORMAT_VERSION', at: { mark: 'version', in: 'file' }, env: (e) => mark(e.set('version', '1'), 'version') },
  { name: 'version-float-1-ok', rule: 'valid', description: 'version 1.0 as a float64 (an integral float is an integer, SPEC §2.1)', code: 'ok', at: null, env: (e) => e.set('version', new F64(1)) },
  { name: 'requires-missing', rule: 'R6', description: 'no `requires` key', code: 'E_TYPE', at: 0, env: (e) => e.delete('requires') },
  { name: 'requires-str', rule: 'R6', description: '`requires` is a str', code: 'E_TYPE', at: { mark: 'requires', in: 'file' }, env: (e) => mark(e.set('requires', 'acc64'), 'requires') },
  { name: 'requires-int-entry', rule: 'R6', description: '`requires` holds an integer', code: 'E_TYPE', at: { mark: 'r', in: 'file' }, env: (e) => e.set('requires', [new Mark('r', 1)]) },
  { name: 'requires-long-entry', rule: 'R6', description: 'a 257-byte requirement', code: 'E_LIMIT', at: { mark: 'r', in: 'file' }, env: (e) => e.set('requires', [new Mark('r', 'r'.repeat(257))]) },
  { name: 'requires-unknown', rule: 'R6', description: 'an unknown requirement (the second entry is an integer: the first error wins)', code: 'E_REQUIRES', at: { mark: 'r', in: 'file' }, env: (e) => e.set('requires', [new Mark('r', 'acc64'), 1]) },
  { name: 'body-missing', rule: 'R7', description: 'no `body` key', code: 'E_TYPE', at: 0, env: (e) => e.delete('body') },
  { name: 'body-str', rule: 'R7', description: '`body` is a str', code: 'E_TYPE', at: { mark: 'b', in: 'file' }, env: (e) => e.set('body', new Mark('b', 'body')) },
  { name: 'crc-missing', rule: 'R7', description: 'no `crc32` key', code: 'E_TYPE', at: 0, env: (e) => e.delete('crc32') },
  { name: 'crc-negative', rule: 'R7', description: '`crc32` is -1', code: 'E_TYPE', at: { mark: 'crc32', in: 'file' }, env: (e) => mark(e.set('crc32', -1), 'crc32') },
  { name: 'crc-2^32', rule: 'R7', description: '`crc32` is 2^32', code: 'E_TYPE', at: { mark: 'crc32', in: 'file' }, env: (e) => mark(e.set('crc32', new F64(2 ** 32)), 'crc32') },
  { name: 'crc-mismatch', rule: 'R7', description: 'one body byte changed after the checksum was taken', code: 'E_CHECKSUM', at: { mark: 'crc32', in: 'file' }, staleCrc: true, body: (b) => b.map('meta').set('task', 'regressiom'), env: (e) => mark(e, 'crc32') },
  // §7 step 5: the body, in the order of SPEC §7.
  { name: 'body-not-map', rule: 'R8', description: 'the body is an array', code: 'E_TYPE', at: { mark: '$body', in: 'file', payload: true }, file: () => fileOfBytes(encodeNode([1, 2]).bytes).bytes },
  { name: 'meta-missing', rule: 'R9', description: 'no `meta` (reported at the body map)', code: 'E_TYPE', at: { mark: '$body', in: 'file', payload: true }, body: (b) => b.delete('meta') },
  { name: 'task-missing', rule: 'R9', description: 'no `meta.task` (reported at the meta map)', code: 'E_TYPE', at: { mark: 'meta' }, body: (b) => { b.map('meta').delete('task'); mark(b, 'meta'); } },
  { name: 'task-int', rule: 'R9', description: '`task` is an integer', code: 'E_TYPE', at: { mark: 't' }, body: (b) => b.map('meta').set('task', new Mark('t', 3)) },
  { name: 'task-long', rule: 'R9', description: 'a 257-byte task', code: 'E_LIMIT', at: { mark: 't' }, body: (b) => b.map('meta').set('task', new Mark('t', 'c'.repeat(257))) },
  { name: 'task-unknown', rule: 'R9', description: '`task` is "ranking"', code: 'E_VALUE', at: { mark: 't' }, body: (b) => b.map('meta').set('task', new Mark('t', 'ranking')) },
  { name: 'input-missing', rule: 'R10', description: 'no `input`', code: 'E_TYPE', at: { mark: '$body', in: 'file', payload: true }, body: (b) => b.delete('input') },
  { name: 'input-bits-missing', rule: 'R10', description: 'no `input.bits` (reported at the input map)', code: 'E_TYPE', at: { mark: 'input' }, body: (b) => { b.map('input').delete('bits'); mark(b, 'input'); } },
  { name: 'input-bits-array', rule: 'R10', description: '`input.bits` is an array of integers', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => b.map('input').set('bits', new Mark('x', [8, 8, 4])) },
  { name: 'features-0', rule: 'R10', description: 'an empty `input.bits`', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => b.map('input').set('bits', new Mark('x', new Uint8Array(0))) },
  { name: 'features-4097', rule: 'R10', description: '4097 features', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => b.map('input').set('bits', new Mark('x', new Uint8Array(4097).fill(8))) },
  { name: 'center-short', rule: 'R10', description: '`input.center` one byte short', code: 'E_LENGTH', at: { mark: 'x' }, body: (b) => b.map('input').set('center', new Mark('x', b.map('input').bin('center').subarray(1))) },
  { name: 'gain-missing', rule: 'R10', description: 'no `input.gain`', code: 'E_TYPE', at: { mark: 'input' }, body: (b) => { b.map('input').delete('gain'); mark(b, 'input'); } },
  { name: 'input-bits-1', rule: 'R10', description: 'input width 1 (feature 1)', code: 'E_BITWIDTH', at: { mark: 'bits', payload: true, plus: 1 }, body: (b) => patch(b.map('input'), 'bits', 1, [1]) },
  { name: 'input-bits-17', rule: 'R10', description: 'input width 17 (feature 2)', code: 'E_BITWIDTH', at: { mark: 'bits', payload: true, plus: 2 }, body: (b) => patch(b.map('input'), 'bits', 2, [17]) },
  { name: 'center-nan', rule: 'R10', description: '`input.center[1]` is NaN', code: 'E_VALUE', at: { mark: 'center', payload: true, plus: 8 }, body: (b) => patch(b.map('input'), 'center', 8, f64(NaN)) },
  { name: 'gain-zero', rule: 'R10', description: '`input.gain[0]` is 0', code: 'E_VALUE', at: { mark: 'gain', payload: true }, body: (b) => patch(b.map('input'), 'gain', 0, f64(0)) },
  { name: 'gain-minus-inf', rule: 'R10', description: '`input.gain[2]` is -Infinity', code: 'E_VALUE', at: { mark: 'gain', payload: true, plus: 16 }, body: (b) => patch(b.map('input'), 'gain', 16, f64(-Infinity)) },
  { name: 'layers-missing', rule: 'R11', description: 'no `layers`', code: 'E_TYPE', at: { mark: '$body', in: 'file', payload: true }, body: (b) => b.delete('layers') },
  { name: 'layers-map', rule: 'R11', description: '`layers` is a map', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => b.set('layers', new Mark('x', new Pairs([]))) },
  { name: 'layers-0', rule: 'R11', description: 'no layers', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => b.set('layers', new Mark('x', [])) },
  { name: 'layers-65', rule: 'R11', description: '65 layers', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => b.set('layers', new Mark('x', Array.from({ length: 65 }, () => layer(b, 1)))) },
  { name: 'layer-not-map', rule: 'R11', description: 'layer 1 is nil', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => ((b.get('layers') as Node[])[1] = new Mark('x', null)) },
  { name: 'in-missing', rule: 'R11', description: 'no `in` in layer 0 (reported at the layer map)', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => { layer(b, 0).delete('in'); (b.get('layers') as Node[])[0] = new Mark('x', layer(b, 0)); } },
  { name: 'in-negative', rule: 'R11', description: '`in` is -1', code: 'E_TYPE', at: { mark: 'in' }, body: (b) => mark(layer(b, 0).set('in', -1), 'in') },
  { name: 'in-fraction', rule: 'R11', description: '`in` is 2.5', code: 'E_TYPE', at: { mark: 'in' }, body: (b) => mark(layer(b, 0).set('in', 2.5), 'in') },
  { name: 'in-bool', rule: 'R11', description: '`in` is true (a bool is never an integer)', code: 'E_TYPE', at: { mark: 'in' }, body: (b) => mark(layer(b, 0).set('in', true), 'in') },
  { name: 'in-float-ok', rule: 'valid', description: '`in` is 3.0 as a float64', code: 'ok', at: null, body: (b) => layer(b, 0).set('in', new F64(3)) },
  { name: 'in-4097', rule: 'R11', description: '`in` is 4097', code: 'E_LIMIT', at: { mark: 'in' }, body: (b) => mark(layer(b, 0).set('in', 4097), 'in') },
  { name: 'out-0', rule: 'R11', description: '`out` is 0', code: 'E_LIMIT', at: { mark: 'out' }, body: (b) => mark(layer(b, 1).set('out', 0), 'out') },
  { name: 'out-2^31', rule: 'R11', description: '`out` is 2^31 (before anything is sized by it)', code: 'E_LIMIT', at: { mark: 'out' }, body: (b) => mark(layer(b, 0).set('out', 2 ** 31), 'out') },
  { name: 'in-mismatch', rule: 'R11', description: 'layer 1 `in` is 3, layer 0 has 2 neurons', code: 'E_SHAPE', at: { mark: 'in' }, body: (b) => mark(layer(b, 1).set('in', 3), 'in') },
  { name: 'w-bits-long', rule: 'R11', description: '`w_bits` one byte too long', code: 'E_LENGTH', at: { mark: 'x' }, body: (b) => layer(b, 0).set('w_bits', new Mark('x', Uint8Array.of(2, 1, 1))) },
  { name: 'w-bits-9', rule: 'R11', description: 'weight width 9', code: 'E_BITWIDTH', at: { mark: 'w_bits', payload: true, plus: 1 }, body: (b) => patch(layer(b, 0), 'w_bits', 1, [9]) },
  { name: 'weights-short', rule: 'R11', description: '`weights` one byte short', code: 'E_LENGTH', at: { mark: 'x' }, body: (b) => layer(b, 0).set('weights', new Mark('x', layer(b, 0).bin('weights').subarray(1))) },
  { name: 'bias-missing', rule: 'R11', description: 'no `bias` in layer 1', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => { layer(b, 1).delete('bias'); (b.get('layers') as Node[])[1] = new Mark('x', layer(b, 1)); } },
  { name: 'bias-array', rule: 'R11', description: '`bias` as an array of integers', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => layer(b, 0).set('bias', new Mark('x', [5, -3])) },
  { name: 'w-scale-nan', rule: 'R11', description: '`w_scale[1]` is NaN', code: 'E_VALUE', at: { mark: 'w_scale', payload: true, plus: 4 }, body: (b) => patch(layer(b, 0), 'w_scale', 4, f32(NaN)) },
  { name: 'padding', rule: 'R12', description: 'row 1 (3 codes of 1 bit) with its top padding bit set', code: 'E_PADDING', at: { mark: 'weights', payload: true, plus: 1 }, body: (b) => patch(layer(b, 0), 'weights', 1, [0x85]) },
  { name: 'acc-overflow', rule: 'R12', description: 'bias 2^31-1 on a neuron with weights', code: 'E_ACC_OVERFLOW', at: { mark: 'weights', payload: true }, body: (b) => { patch(layer(b, 0), 'bias', 0, i32(0x7fffffff), 'bias'); mark(layer(b, 0), 'weights'); } },
  { name: 'acc-int32-min', rule: 'R12', description: 'bias -2^31 on neuron 1 (|bias| alone exceeds 2^31-1)', code: 'E_ACC_OVERFLOW', at: { mark: 'weights', payload: true, plus: 1 }, body: (b) => { patch(layer(b, 0), 'bias', 4, i32(-0x80000000), 'bias'); mark(layer(b, 0), 'weights'); } },
  { name: 'acc-pruned-int32-min', rule: 'R12', description: 'a pruned neuron (w_bits 0, no row bytes) with bias -2^31: its bound is |bias| alone (found by the fuzzer)', code: 'E_ACC_OVERFLOW', at: { mark: 'weights', payload: true, plus: 1 }, body: (b) => { const l0 = layer(b, 0); l0.set('w_bits', Uint8Array.of(2, 0)); l0.set('weights', new Mark('weights', l0.bin('weights').subarray(0, 1))); patch(l0, 'bias', 4, i32(-0x80000000), 'bias'); } },
  { name: 'act-on-last', rule: 'R13', description: 'the last layer has an activation map', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => layer(b, 1).set('act', new Mark('x', layer(b, 0).get('act'))) },
  { name: 'act-absent-last-ok', rule: 'valid', description: 'the last layer has no `act` key', code: 'ok', at: null, body: (b) => layer(b, 1).delete('act') },
  { name: 'act-nil-hidden', rule: 'R13', description: 'a hidden layer with `act` nil', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => layer(b, 0).set('act', new Mark('x', null)) },
  { name: 'act-missing-hidden', rule: 'R13', description: 'a hidden layer without `act` (reported at the layer map)', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => { layer(b, 0).delete('act'); (b.get('layers') as Node[])[0] = new Mark('x', layer(b, 0)); } },
  { name: 'act-bits-0', rule: 'R13', description: 'activation width 0', code: 'E_BITWIDTH', at: { mark: 'bits', payload: true }, body: (b) => patch(layer(b, 0).map('act'), 'bits', 0, [0]) },
  { name: 'act-bits-17', rule: 'R13', description: 'activation width 17', code: 'E_BITWIDTH', at: { mark: 'bits', payload: true, plus: 1 }, body: (b) => patch(layer(b, 0).map('act'), 'bits', 1, [17]) },
  { name: 'act-scale-zero', rule: 'R13', description: '`act.scale[0]` is 0', code: 'E_VALUE', at: { mark: 'scale', payload: true }, body: (b) => patch(layer(b, 0).map('act'), 'scale', 0, f32(0)) },
  { name: 'act-mult-short', rule: 'R13', description: '`act.mult` 4 bytes short', code: 'E_LENGTH', at: { mark: 'x' }, body: (b) => layer(b, 0).map('act').set('mult', new Mark('x', layer(b, 0).map('act').bin('mult').subarray(4))) },
  { name: 'act-shift-missing', rule: 'R13', description: 'no `act.shift` (reported at the act map)', code: 'E_TYPE', at: { mark: 'act' }, body: (b) => { layer(b, 0).map('act').delete('shift'); mark(layer(b, 0), 'act'); } },
  { name: 'mult-0', rule: 'R13', description: '`act.mult[1]` is 0', code: 'E_VALUE', at: { mark: 'mult', payload: true, plus: 4 }, body: (b) => patch(layer(b, 0).map('act'), 'mult', 4, i32(0)) },
  { name: 'mult-negative', rule: 'R13', description: '`act.mult[0]` is -2^31', code: 'E_VALUE', at: { mark: 'mult', payload: true }, body: (b) => patch(layer(b, 0).map('act'), 'mult', 0, i32(-0x80000000)) },
  { name: 'shift-0', rule: 'R13', description: '`act.shift[0]` is 0', code: 'E_VALUE', at: { mark: 'shift', payload: true }, body: (b) => patch(layer(b, 0).map('act'), 'shift', 0, [0]) },
  { name: 'shift-63', rule: 'R13', description: '`act.shift[1]` is 63', code: 'E_VALUE', at: { mark: 'shift', payload: true, plus: 1 }, body: (b) => patch(layer(b, 0).map('act'), 'shift', 1, [63]) },
  { name: 'feature-names-missing', rule: 'R14', description: 'no `feature_names` (reported at the meta map)', code: 'E_TYPE', at: { mark: 'meta' }, body: (b) => { b.map('meta').delete('feature_names'); mark(b, 'meta'); } },
  { name: 'feature-names-short', rule: 'R14', description: 'two feature names for three features', code: 'E_SHAPE', at: { mark: 'x' }, body: (b) => b.map('meta').set('feature_names', new Mark('x', ['a', 'b'])) },
  { name: 'feature-name-int', rule: 'R14', description: 'a feature name that is an integer', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => b.map('meta').set('feature_names', ['a', new Mark('x', 2), 'c']) },
  { name: 'feature-name-257', rule: 'R14', description: 'a feature name of 257 bytes (128 x U+00E9 + "x")', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => b.map('meta').set('feature_names', ['a', new Mark('x', 'é'.repeat(128) + 'x'), 'c']) },
  { name: 'feature-name-256-ok', rule: 'valid', description: 'a feature name of exactly 256 bytes of UTF-8 (64 astral characters)', code: 'ok', at: null, body: (b) => b.map('meta').set('feature_names', ['a', '😀'.repeat(64), 'c']) },
  { name: 'output-names-long', rule: 'R14', description: 'two output names for one output', code: 'E_SHAPE', at: { mark: 'x' }, body: (b) => b.map('meta').set('output_names', new Mark('x', ['y', 'z'])) },
  { name: 'provenance-missing', rule: 'R15', description: 'no `provenance`', code: 'E_TYPE', at: { mark: 'meta' }, body: (b) => { b.map('meta').delete('provenance'); mark(b, 'meta'); } },
  { name: 'method-missing', rule: 'R15', description: 'no `provenance.method` (reported at the provenance map)', code: 'E_TYPE', at: { mark: 'provenance' }, body: (b) => { b.map('meta').map('provenance').delete('method'); mark(b.map('meta'), 'provenance'); } },
  { name: 'dataset-4097', rule: 'R15', description: 'a dataset name of 4097 bytes', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => b.map('meta').map('provenance').set('dataset', new Mark('x', 'd'.repeat(4097))) },
  { name: 'dataset-4096-ok', rule: 'valid', description: 'a dataset name of exactly 4096 bytes', code: 'ok', at: null, body: (b) => b.map('meta').map('provenance').set('dataset', 'd'.repeat(4096)) },
  { name: 'seed-missing', rule: 'R15', description: 'no `seed`', code: 'E_TYPE', at: { mark: 'provenance' }, body: (b) => { b.map('meta').map('provenance').delete('seed'); mark(b.map('meta'), 'provenance'); } },
  { name: 'seed-fraction', rule: 'R15', description: '`seed` is 1.5', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => b.map('meta').map('provenance').set('seed', new Mark('x', 1.5)) },
  { name: 'seed-str', rule: 'R15', description: '`seed` is "1"', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => b.map('meta').map('provenance').set('seed', new Mark('x', '1')) },
  { name: 'seed-big-float-ok', rule: 'valid', description: '`seed` is 2^40 as a float64 (what msgpackr writes for it)', code: 'ok', at: null, body: (b) => b.map('meta').map('provenance').set('seed', new F64(2 ** 40)) },
  { name: 'metrics-missing', rule: 'R15', description: 'no `metrics`', code: 'E_TYPE', at: { mark: 'provenance' }, body: (b) => { b.map('meta').map('provenance').delete('metrics'); mark(b.map('meta'), 'provenance'); } },
  { name: 'metrics-257', rule: 'R15', description: '257 metrics', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => b.map('meta').map('provenance').set('metrics', new Mark('x', new Pairs(Array.from({ length: 257 }, (_, i) => [`m${i}`, i])))) },
  { name: 'metric-key-257', rule: 'R15', description: 'a metric name of 257 bytes', code: 'E_LIMIT', at: { mark: 'k' }, body: (b) => b.map('meta').map('provenance').set('metrics', new Pairs([['acc', 1], [new Mark('k', 'm'.repeat(257)), 2]])) },
  { name: 'metric-nan', rule: 'R15', description: 'a NaN metric', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => b.map('meta').map('provenance').set('metrics', new Pairs([['acc', new Mark('x', new F64(NaN))]])) },
  { name: 'metric-str', rule: 'R15', description: 'a str metric', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => b.map('meta').map('provenance').set('metrics', new Pairs([['acc', new Mark('x', '0.9')]])) },
  { name: 'tool-int', rule: 'R15', description: '`tool` is an integer', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => b.map('meta').map('provenance').set('tool', new Mark('x', 1)) },
  { name: 'created-at-missing', rule: 'R15', description: 'no `created_at`', code: 'E_TYPE', at: { mark: 'provenance' }, body: (b) => { b.map('meta').map('provenance').delete('created_at'); mark(b.map('meta'), 'provenance'); } },
  { name: 'target-column-nil', rule: 'R16', description: '`target_column` is nil (an optional key is absent or of its type)', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => b.map('meta').set('target_column', new Mark('x', null)) },
  { name: 'target-column-257', rule: 'R16', description: 'a target column name of 257 bytes', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => b.map('meta').set('target_column', new Mark('x', 't'.repeat(257))) },
  { name: 'output-missing', rule: 'R17', description: 'no `output`', code: 'E_TYPE', at: { mark: '$body', in: 'file', payload: true }, body: (b) => b.delete('output') },
  { name: 'output-scale-short', rule: 'R17', description: '`output.scale` 8 bytes short', code: 'E_LENGTH', at: { mark: 'x' }, body: (b) => b.map('output').set('scale', new Mark('x', new Uint8Array(0))) },
  { name: 'output-offset-missing', rule: 'R17', description: 'no `output.offset`', code: 'E_TYPE', at: { mark: 'output' }, body: (b) => { b.map('output').delete('offset'); mark(b, 'output'); } },
  { name: 'output-scale-zero', rule: 'R17', description: '`output.scale[0]` is 0', code: 'E_VALUE', at: { mark: 'scale', payload: true }, body: (b) => patch(b.map('output'), 'scale', 0, f64(0)) },
  { name: 'output-offset-nan', rule: 'R17', description: '`output.offset[0]` is NaN', code: 'E_VALUE', at: { mark: 'offset', payload: true }, body: (b) => patch(b.map('output'), 'offset', 0, f64(NaN)) },
  { name: 'output-overflow', rule: 'R17', description: '`output.scale[0]` 1e30: outputs could be infinite in float32', code: 'E_VALUE', at: { mark: 'scale', payload: true }, body: (b) => patch(b.map('output'), 'scale', 0, f64(1e30)) },
  { name: 'categories-ok', rule: 'valid', description: 'a one-hot column over inputs 0, 1 and an ordinal one at input 2', code: 'ok', at: null, body: (b) => cats(b, [cat(), cat('size', 'ordinal', ['S', 'M', 'L'], 2)]) },
  { name: 'categories-1024-values-ok', rule: 'valid', description: 'an ordinal column of 1024 categories, `first_input` an integral float', code: 'ok', at: null, body: (b) => cats(b, [cat('size', 'ordinal', Array.from({ length: 1024 }, (_, i) => `v${i}`), new F64(2))]) },
  { name: 'categories-nil', rule: 'R18', description: '`categories` is nil (an optional key is absent or of its type)', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => cats(b, new Mark('x', null)) },
  { name: 'categories-too-many', rule: 'R18', description: 'four entries for three inputs', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => cats(b, new Mark('x', ['a', 'b', 'c', 'd'].map((c, i) => cat(c, 'ordinal', ['x'], i)))) },
  { name: 'category-not-map', rule: 'R18', description: 'an entry that is a str', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => cats(b, [new Mark('x', 'color')]) },
  { name: 'category-column-missing', rule: 'R18', description: 'an entry without `column` (reported at the entry map)', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => cats(b, [new Mark('x', cat().delete('column'))]) },
  { name: 'category-column-int', rule: 'R18', description: '`column` is an integer', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => cats(b, [cat(new Mark('x', 7))]) },
  { name: 'category-column-empty', rule: 'R18', description: '`column` is ""', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => cats(b, [cat(new Mark('x', ''))]) },
  { name: 'category-column-257', rule: 'R18', description: 'a column name of 257 bytes', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => cats(b, [cat(new Mark('x', 'c'.repeat(257)))]) },
  { name: 'category-column-twice', rule: 'R18', description: 'two entries for `color`', code: 'E_VALUE', at: { mark: 'x' }, body: (b) => cats(b, [cat(), cat(new Mark('x', 'color'), 'ordinal', ['S'], 2)]) },
  { name: 'category-encoding-int', rule: 'R18', description: '`encoding` is an integer', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => cats(b, [cat('color', new Mark('x', 1))]) },
  { name: 'category-encoding-257', rule: 'R18', description: 'an `encoding` of 257 bytes', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => cats(b, [cat('color', new Mark('x', 'o'.repeat(257)))]) },
  { name: 'category-encoding-unknown', rule: 'R18', description: '`encoding` is "binary"', code: 'E_VALUE', at: { mark: 'x' }, body: (b) => cats(b, [cat('color', new Mark('x', 'binary'))]) },
  { name: 'category-values-str', rule: 'R18', description: '`values` is a str', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => cats(b, [cat('color', 'one_hot', new Mark('x', 'red,blue'))]) },
  { name: 'category-values-empty', rule: 'R18', description: 'no categories', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => cats(b, [cat('color', 'one_hot', new Mark('x', []))]) },
  { name: 'category-values-1025', rule: 'R18', description: 'an ordinal column of 1025 categories', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => cats(b, [cat('size', 'ordinal', new Mark('x', Array.from({ length: 1025 }, (_, i) => `v${i}`)), 2)]) },
  { name: 'category-value-int', rule: 'R18', description: 'a category that is an integer', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => cats(b, [cat('color', 'one_hot', ['red', new Mark('x', 2)])]) },
  { name: 'category-value-257', rule: 'R18', description: 'a category of 257 bytes', code: 'E_LIMIT', at: { mark: 'x' }, body: (b) => cats(b, [cat('color', 'one_hot', ['red', new Mark('x', 'b'.repeat(257))])]) },
  { name: 'category-value-twice', rule: 'R18', description: '"red" listed twice (at the repeat)', code: 'E_VALUE', at: { mark: 'x' }, body: (b) => cats(b, [cat('size', 'ordinal', ['red', 'blue', new Mark('x', 'red')], 2)]) },
  { name: 'category-first-input-missing', rule: 'R18', description: 'an entry without `first_input` (reported at the entry map)', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => cats(b, [new Mark('x', cat().delete('first_input'))]) },
  { name: 'category-first-input-negative', rule: 'R18', description: '`first_input` is -1', code: 'E_TYPE', at: { mark: 'x' }, body: (b) => cats(b, [cat('color', 'one_hot', ['red', 'blue'], new Mark('x', -1))]) },
  { name: 'category-beyond-features', rule: 'R18', description: 'a one-hot column of 2 at input 2 of 3 (inputs 2..3)', code: 'E_SHAPE', at: { mark: 'x' }, body: (b) => cats(b, [cat('color', 'one_hot', ['red', 'blue'], new Mark('x', 2))]) },
  { name: 'category-first-input-huge', rule: 'R18', description: '`first_input` is 2^64-1 (a uint64)', code: 'E_SHAPE', at: { mark: 'x' }, body: (b) => cats(b, [cat('color', 'one_hot', ['red', 'blue'], new Mark('x', new Raw([0xcf, 255, 255, 255, 255, 255, 255, 255, 255])))]) },
  { name: 'category-overlap', rule: 'R18', description: 'an ordinal column at input 1, which the one-hot `color` feeds', code: 'E_SHAPE', at: { mark: 'x' }, body: (b) => cats(b, [cat(), cat('size', 'ordinal', ['S'], new Mark('x', 1))]) },
  { name: 'category-column-numeric', rule: 'R18', description: 'a column named `size`, the name of numeric input 2 (reported at that column)', code: 'E_VALUE', at: { mark: 'x' }, body: (b) => cats(b, [cat('color', 'ordinal', ['red', 'blue'], 0), cat(new Mark('x', 'size'), 'ordinal', ['S'], 1)]) },
  // Precedence (SPEC §7): the first rule in the order wins, not the first byte.
  { name: 'order-output-before-categories', rule: 'order', description: 'an unknown encoding (early bytes) and output scale 0: R17 comes before R18', code: 'E_VALUE', at: { mark: 'scale', payload: true }, body: (b) => { cats(b, [cat('color', 'binary')]); patch(b.map('output'), 'scale', 0, f64(0)); } },
  { name: 'order-layers-before-names', rule: 'order', description: 'too few feature names (early bytes) and weight width 9 (later bytes): layers are checked first', code: 'E_BITWIDTH', at: { mark: 'w_bits', payload: true }, body: (b) => { b.map('meta').set('feature_names', ['a']); patch(layer(b, 0), 'w_bits', 0, [9]); } },
  { name: 'order-structure-first', rule: 'order', description: 'an unknown task and, in the last bytes, a repeated key: structure is checked first', code: 'E_MSGPACK', at: { mark: 'k' }, body: (b) => { b.map('meta').set('task', 'ranking'); b.map('output').entries.push([new Mark('k', 'scale'), 0]); } },
  { name: 'order-envelope-first', rule: 'order', description: 'a wrong format name and a checksum mismatch: the format name is checked first', code: 'E_FORMAT_NAME', at: { mark: 'format', in: 'file' }, staleCrc: true, body: (b) => b.map('meta').set('task', 'regressiom'), env: (e) => mark(e.set('format', 'NMP-EDGE'), 'format') },
];

function fileOfBytes(body: Uint8Array, env?: (e: Pairs) => void, crcOf?: Uint8Array): { bytes: Uint8Array; marks: Map<string, Where> } {
  const e = baseEnvelope(body);
  if (crcOf) e.set('crc32', crc32(crcOf));
  env?.(e);
  return encodeNode(e);
}
function fileOf(body: Pairs): Uint8Array {
  return fileOfBytes(encodeNode(body).bytes).bytes;
}

/** Every invalid-file vector (and the accepted edge cases), in SPEC §7 order. */
export function invalidVectors(): InvalidVector[] {
  const out: InvalidVector[] = [];
  for (const s of SPECS) {
    let bytes: Uint8Array;
    let offset: number | null = null;
    // A body mark is relative to the body bytes: add where the body's payload starts in the file.
    const resolve = (bodyMarks: Map<string, Where>, fileMarks: Map<string, Where>) => {
      const t = s.at;
      if (t === null || typeof t === 'number') return t;
      const m = (t.in === 'file' ? fileMarks : bodyMarks).get(t.mark);
      if (!m) throw new Error(`${s.name}: mark ${t.mark} not written`);
      const base = t.in === 'file' ? 0 : fileMarks.get('$body')!.payload;
      return base + (t.payload ? m.payload : m.head) + (t.plus ?? 0);
    };
    if (s.name === 'body-trailing-byte') {
      const body = Uint8Array.of(...encodeNode(baseBody()).bytes, 0xc0);
      const f = fileOfBytes(body);
      bytes = f.bytes;
      offset = f.marks.get('$body')!.payload + body.length - 1;
    } else if (s.file) {
      bytes = s.file();
      if (s.name === 'body-not-map') {
        const f = fileOfBytes(encodeNode([1, 2]).bytes);
        offset = f.marks.get('$body')!.payload;
      } else if (s.name === 'truncated-body') {
        offset = fileOfBytes(encodeNode(baseBody()).bytes).marks.get('$body')!.head;
      } else offset = typeof s.at === 'number' ? (s.at < 0 ? bytes.length - 1 : s.at) : null;
    } else {
      const b = baseBody();
      const clean = encodeNode(baseBody()).bytes;
      s.body?.(b);
      const enc = encodeNode(b);
      const f = fileOfBytes(enc.bytes, s.env, s.staleCrc ? clean : undefined);
      bytes = f.bytes;
      offset = resolve(enc.marks, f.marks);
    }
    if (s.code === 'ok') offset = null;
    out.push({ name: s.name, rule: s.rule, description: s.description, code: s.code, offset, bytes });
  }
  out.push({
    name: 'file-too-large', rule: 'R2', description: `${MAX_FILE_BYTES + 1} zero bytes (not committed: the test builds it)`, code: 'E_LIMIT', offset: 0,
    bytes: null, synthetic: { length: MAX_FILE_BYTES + 1, fill: 0 },
  });
  return out;
}

/** The index file: one line per vector. */
export function invalidIndexJson(vectors: InvalidVector[]): string {
  const lines = vectors.map((v) => '  ' + JSON.stringify({ file: v.bytes ? `${v.name}.nmp` : null, rule: v.rule, code: v.code, offset: v.offset, description: v.description, ...(v.synthetic ? { synthetic: v.synthetic } : {}) }));
  return `[\n${lines.join(',\n')}\n]\n`;
}
