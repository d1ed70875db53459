/** @fileoverview Hostile input: every reader rule of SPEC §7, each with the error code, path and expectation it must name. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { readModel } from '../../formats/read.js';
import { ModelFormatError, type ModelFormatErrorCode } from '../../formats/errors.js';
import { encodeEnvelope, encodeModel, encodeUnchecked, modelBody } from '../../formats/write.js';
import { randomModel, rng } from '../../formats/testdata/random.js';
import { crc32 } from '../../formats/crc32.js';

const base = randomModel({ seed: 21, widths: [5, 9, 3], weightBitsMenu: [0, 1, 2, 4, 8], actBitsMenu: [4, 8, 16] });
const good = encodeModel(base);

type Body = Record<string, any>;
function mutated(edit: (body: Body) => void): Uint8Array {
  const body = structuredClone(modelBody(base)) as Body;
  edit(body);
  return encodeUnchecked(body);
}

function rejects(bytes: Uint8Array, code: ModelFormatErrorCode, pathPart: string, messagePart?: RegExp) {
  assert.throws(() => readModel(bytes), (e: unknown) => {
    assert.ok(e instanceof ModelFormatError, `expected ModelFormatError, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.path.includes(pathPart), `path "${e.path}" should include "${pathPart}"`);
    assert.match(e.message, / - got .+, expected .+/);
    if (messagePart) assert.match(e.message, messagePart);
    return true;
  });
}

test('read › a valid file round-trips', () => {
  const m = readModel(good);
  assert.equal(m.layers.length, 2);
  assert.deepEqual(Array.from(m.layers[0].weightBits), Array.from(base.layers[0].weightBits));
  assert.deepEqual(Array.from(m.layers[1].bias), Array.from(base.layers[1].bias));
});

test('read › empty file', () => rejects(new Uint8Array(0), 'E_EMPTY', '$'));

test('read › truncated file at every length', () => {
  for (let n = 1; n < good.length; n++) {
    assert.throws(() => readModel(good.subarray(0, n)), ModelFormatError, `length ${n}`);
  }
  rejects(good.subarray(0, good.length - 1), 'E_MSGPACK', '$');
});

test('read › not msgpack / trailing bytes', () => {
  rejects(new TextEncoder().encode('hello, this is a CSV file\n1,2,3\n'), 'E_MSGPACK', '$');
  rejects(Uint8Array.of(...good, 0), 'E_MSGPACK', '$', /trailing bytes/);
  rejects(Uint8Array.of(0x93, 1, 2, 3), 'E_TYPE', '$', /expected map/);
});

test('read › wrong format name', () => rejects(encodeEnvelope(new Uint8Array(1), { format: 'gguf' }), 'E_FORMAT_NAME', '$.format', /got str "gguf", expected str "nmp-edge"/));

test('read › newer version', () => rejects(encodeEnvelope(new Uint8Array(1), { version: 2 }), 'E_FORMAT_VERSION', '$.version', /format v2; this reader reads up to v1/));

test('read › unknown requires entry', () => rejects(encodeEnvelope(new Uint8Array(1), { requires: ['acc64'] }), 'E_REQUIRES', '$.requires[0]', /"acc64"/));

test('read › bad checksum (one flipped bit in the body)', () => {
  const body = new Packr({ useRecords: false } as never).pack(modelBody(base));
  const flipped = new Uint8Array(body);
  flipped[flipped.length >> 1] ^= 0x10;
  rejects(encodeEnvelope(flipped, { crc: crc32(body) }), 'E_CHECKSUM', '$.crc32');
});

test('read › weight bit-width 9 and -1 (0xFF in the bin)', () => {
  rejects(mutated((b) => { b.layers[0].w_bits[2] = 9; }), 'E_BITWIDTH', 'body.layers[0].w_bits[2]', /got 9, expected 0\.\.8/);
  rejects(mutated((b) => { b.layers[1].w_bits[0] = 0xff; }), 'E_BITWIDTH', 'body.layers[1].w_bits[0]', /got 255/);
  rejects(mutated((b) => { b.layers[0].act.bits[1] = 17; }), 'E_BITWIDTH', 'body.layers[0].act.bits[1]', /expected 1\.\.16/);
  rejects(mutated((b) => { b.layers[0].act.bits[1] = 0; }), 'E_BITWIDTH', 'body.layers[0].act.bits[1]');
  rejects(mutated((b) => { b.input.bits[0] = 1; }), 'E_BITWIDTH', 'body.input.bits[0]', /expected 2\.\.16/);
});

test('read › shapes that disagree', () => {
  rejects(mutated((b) => { b.layers[1].in = 8; }), 'E_SHAPE', 'body.layers[1].in', /got 8, expected 9/);
  rejects(mutated((b) => { b.meta.feature_names.pop(); }), 'E_SHAPE', 'body.meta.feature_names');
  rejects(mutated((b) => { b.meta.output_names.push('extra'); }), 'E_SHAPE', 'body.meta.output_names');
});

test('read › a bin one byte short or long', () => {
  rejects(mutated((b) => { b.layers[0].weights = b.layers[0].weights.subarray(1); }), 'E_LENGTH', 'body.layers[0].weights', /bytes, expected \d+ bytes/);
  rejects(mutated((b) => { b.layers[1].weights = Uint8Array.of(...b.layers[1].weights, 0); }), 'E_LENGTH', 'body.layers[1].weights');
  rejects(mutated((b) => { b.layers[0].bias = b.layers[0].bias.subarray(0, b.layers[0].bias.length - 1); }), 'E_LENGTH', 'body.layers[0].bias');
  rejects(mutated((b) => { b.output.offset = Uint8Array.of(...b.output.offset, 1); }), 'E_LENGTH', 'body.output.offset');
});

function f32le(v: number) { const b = new Uint8Array(4); new DataView(b.buffer).setFloat32(0, v, true); return b; }
function f64le(v: number) { const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, v, true); return b; }

test('read › NaN or zero scales', () => {
  rejects(mutated((b) => { b.layers[0].w_scale.set(f32le(NaN), 4); }), 'E_VALUE', 'body.layers[0].w_scale[1]', /NaN/);
  rejects(mutated((b) => { b.layers[0].act.scale.set(f32le(0), 0); }), 'E_VALUE', 'body.layers[0].act.scale[0]');
  rejects(mutated((b) => { b.output.scale.set(f64le(0), 8); }), 'E_VALUE', 'body.output.scale[1]');
  rejects(mutated((b) => { b.output.scale.set(f64le(-1), 0); }), 'E_VALUE', 'body.output.scale[0]');
  rejects(mutated((b) => { b.input.gain.set(f64le(Infinity), 0); }), 'E_VALUE', 'body.input.gain[0]');
  rejects(mutated((b) => { b.input.center.set(f64le(NaN), 8); }), 'E_VALUE', 'body.input.center[1]');
});

test('read › requantisation parameters out of range', () => {
  rejects(mutated((b) => { b.layers[0].act.shift[0] = 0; }), 'E_VALUE', 'body.layers[0].act.shift[0]');
  rejects(mutated((b) => { b.layers[0].act.shift[0] = 63; }), 'E_VALUE', 'body.layers[0].act.shift[0]');
  rejects(mutated((b) => { b.layers[0].act.mult.set([0, 0, 0, 0], 0); }), 'E_VALUE', 'body.layers[0].act.mult[0]');
  rejects(mutated((b) => { b.layers[0].act.mult.set([0, 0, 0, 0x80], 4); }), 'E_VALUE', 'body.layers[0].act.mult[1]');
});

test('read › a header claiming 2^31 neurons is rejected before any allocation', () => {
  const before = process.memoryUsage().arrayBuffers;
  const bytes = mutated((b) => { b.layers[0].out = 2 ** 31; });
  rejects(bytes, 'E_LIMIT', 'body.layers[0].out', /got 2147483648, expected 1\.\.4096/);
  // A 10-byte-style file: msgpack array header claiming 2^31 layers.
  rejects(encodeEnvelope(Uint8Array.of(0x81, 0xa6, ...new TextEncoder().encode('layers'), 0xdd, 0x80, 0, 0, 0)), 'E_MSGPACK', 'body');
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, 'no large buffer was allocated');
});

test('read › limits on layers and features', () => {
  rejects(mutated((b) => { b.layers[0].out = 0; }), 'E_LIMIT', 'body.layers[0].out', /expected 1\.\.4096/);
  rejects(mutated((b) => { b.layers = []; }), 'E_LIMIT', 'body.layers');
  rejects(mutated((b) => { b.layers = new Array(65).fill(b.layers[0]); }), 'E_LIMIT', 'body.layers', /expected 1\.\.64/);
  rejects(mutated((b) => { b.input.bits = new Uint8Array(4097).fill(8); }), 'E_LIMIT', 'body.input.bits');
});

test('read › wrong types and missing fields name their path', () => {
  rejects(mutated((b) => { delete b.layers[0].bias; }), 'E_TYPE', 'body.layers[0].bias', /got nothing \(missing\), expected bin/);
  rejects(mutated((b) => { b.layers[0].w_bits = Array.from(b.layers[0].w_bits); }), 'E_TYPE', 'body.layers[0].w_bits', /array of 9, expected bin/);
  rejects(mutated((b) => { b.meta.task = 'ranking'; }), 'E_VALUE', 'body.meta.task');
  rejects(mutated((b) => { b.layers[1].act = b.layers[0].act; }), 'E_TYPE', 'body.layers[1].act', /expected nil/);
  rejects(mutated((b) => { b.layers[0].act = null; }), 'E_TYPE', 'body.layers[0].act', /expected map/);
  rejects(mutated((b) => { b.meta.provenance.seed = 'abc'; }), 'E_TYPE', 'body.meta.provenance.seed');
  rejects(mutated((b) => { b.meta.provenance.metrics.acc = NaN; }), 'E_TYPE', 'body.meta.provenance.metrics.acc');
});

test('read › non-zero padding bits', () => {
  rejects(mutated((b) => {
    // layer 0 has fan-in 5; find a 1-bit row (5 bits used, 3 padding bits) and set its top bit
    const bits: Uint8Array = b.layers[0].w_bits;
    let off = 0;
    for (let j = 0; j < bits.length; j++) {
      const len = Math.ceil((5 * bits[j]) / 8);
      if (bits[j] === 1 || bits[j] === 2 || bits[j] === 4) { b.layers[0].weights[off + len - 1] |= 0x80; return; }
      off += len;
    }
    throw new Error('fixture has no row with padding');
  }), 'E_PADDING', 'body.layers[0].weights row');
});

test('read › accumulator that cannot be proven to fit int32', () => {
  rejects(mutated((b) => { b.layers[0].bias.set([0xff, 0xff, 0xff, 0x7f], 0); }), 'E_ACC_OVERFLOW', 'body.layers[0] neuron 0', /lower this neuron/);
});

test('read › unknown keys are ignored (forward compatible)', () => {
  const m = readModel(mutated((b) => { b['x.vendor.note'] = 'hello'; b.layers[0]['x.extra'] = 1; }));
  assert.equal(m.layers.length, 2);
});

test('read › 2000 seeded mutations: only ModelFormatError, never another exception or a hang', () => {
  const r = rng(99);
  let rejected = 0;
  for (let n = 0; n < 2000; n++) {
    const bytes = new Uint8Array(good);
    const edits = 1 + Math.floor(r() * 3);
    for (let e = 0; e < edits; e++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
    const cut = r() < 0.2 ? Math.floor(r() * bytes.length) : bytes.length;
    try {
      readModel(bytes.subarray(0, cut));
    } catch (e) {
      if (!(e instanceof ModelFormatError)) assert.fail(`mutation ${n} threw ${(e as Error).name}: ${(e as Error).message}`);
      rejected++;
    }
  }
  assert.ok(rejected > 1900, `${rejected} of 2000 corrupted files rejected`);
});

test('read › outputs that could overflow float32, and names over 256 bytes of UTF-8', () => {
  rejects(mutated((b) => { b.output.scale.set(f64le(1e30), 0); }), 'E_VALUE', 'body.output.scale[0]', /overflow float32/);
  rejects(mutated((b) => { b.meta.feature_names[0] = 'é'.repeat(129); }), 'E_LIMIT', 'body.meta.feature_names[0]', /got 258 bytes, expected at most 256 bytes/);
  assert.equal(readModel(mutated((b) => { b.meta.feature_names[0] = 'é'.repeat(128); })).meta.featureNames[0].length, 128);
  rejects(mutated((b) => { b.meta.target_column = null; }), 'E_TYPE', 'body.meta.target_column');
});

test('read › msgpack extension types are rejected wherever they stand; a key named "constructor" is fine', () => {
  // msgpackr would decode these (ext 0 -> undefined, 0x74 -> a typed array, 0x69 -> a structured clone); SPEC §2.1 forbids them.
  const body = new Packr({ useRecords: false, variableMapSize: true } as never).pack(modelBody(base));
  const withTarget = (ext: number[]) => {
    // Append a key "target_column" whose value is the raw bytes `ext` to the body map (fixmap/map16 header count + 1).
    const b = new Uint8Array(body);
    const key = [0xad, ...new TextEncoder().encode('target_column')];
    if ((b[0] & 0xf0) !== 0x80) throw new Error('fixture body is not a fixmap');
    return encodeEnvelope(Uint8Array.of(b[0] + 1, ...b.subarray(1), ...key, ...ext));
  };
  rejects(withTarget([0xd4, 0x00, 0x00]), 'E_MSGPACK', 'body byte', /extension type - got 0xd4/);
  rejects(withTarget([0xc7, 0x01, 0x74, 0x00]), 'E_MSGPACK', 'body byte', /extension type - got 0xc7/);
  rejects(withTarget([0xc1]), 'E_MSGPACK', 'body byte', /reserved msgpack byte/);
  assert.equal(readModel(mutated((b) => { b.meta.constructor = 'x'; b.meta.provenance.metrics = { constructor: 1 }; })).meta.provenance.metrics.constructor, 1);
});

test('read › nesting deeper than 16 is rejected before decoding (no recursion on hostile input)', () => {
  const deep = new Uint8Array(100_000).fill(0x91); // 100,000 nested one-element arrays
  rejects(encodeEnvelope(Uint8Array.of(0x81, 0xa4, ...new TextEncoder().encode('meta'), ...deep, 0xc0)), 'E_LIMIT', 'body byte', /nested too deep - got depth 17/);
});
