/**
 * @fileoverview The no-host path of scalar.wasm (assembly/standalone): it runs the conformance vectors and random models
 * exactly like the reference, and its own loader accepts and rejects hostile bytes exactly as formats/read.ts does, with
 * the same error code (differential test over truncations, byte mutations with a valid CRC, and field edits).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Unpackr } from 'msgpackr';
import { ModelFormatError } from '../../formats/errors.js';
import * as abi from '../../runtime/abi.js';
import { readModel } from '../../formats/read.js';
import { argmax, dequantizeOutput, forwardCodes, quantizeInput } from '../../formats/reference/forward.js';
import { rng } from '../../formats/testdata/random.js';
import { encodeEnvelope, encodeUnchecked, modelBody } from '../../formats/write.js';
import { testdataDir, wasmDir } from '../support/paths.js';
import { conformanceVectors, randomCases } from '../runtime/support/exact.js';

/** nmp_load's result -> code name (runtime/abi.ts E_*). */
const CODES: string[] = ['ok'];
for (const [name, v] of Object.entries(abi)) if (name.startsWith('E_')) CODES[v] = name;
const SEED = process.env.SEED ? Number(process.env.SEED) : 1;
// The no-host API is nohost.wasm (target `nohost` in asconfig.json).
const scalar = new WebAssembly.Module(new Uint8Array(readFileSync(`${wasmDir}nohost.wasm`)));

interface NoHost {
  memory: WebAssembly.Memory;
  nmp_alloc(n: number): number; nmp_load(p: number, n: number): number; nmp_error_offset(): number;
  nmp_features(): number; nmp_outputs(): number; nmp_input(): number; nmp_output(): number; nmp_accumulators(): number;
  nmp_predict(): number; nmp_label(i: number): number; nmp_label_length(i: number): number; nmp_used_bytes(): number;
}

/** Fresh instance with `bytes` loaded; returns the instance and nmp_load's code name. */
function load(bytes: Uint8Array): { x: NoHost; code: string } {
  const x = new WebAssembly.Instance(scalar, {}).exports as unknown as NoHost;
  const p = x.nmp_alloc(bytes.length);
  assert.notEqual(p, 0, 'nmp_alloc failed');
  new Uint8Array(x.memory.buffer).set(bytes, p);
  const r = x.nmp_load(p, bytes.length);
  return { x, code: r === 0 ? 'ok' : `${CODES[r] ?? 'unknown'} at byte ${x.nmp_error_offset()}` };
}

function tsCode(bytes: Uint8Array): string {
  try {
    readModel(bytes);
    return 'ok';
  } catch (e) {
    if (e instanceof ModelFormatError) return `${e.code} at byte ${e.offset}`;
    throw e;
  }
}

function predict(x: NoHost, input: ArrayLike<number>): { y: Float32Array; acc: Int32Array; best: number } {
  new Float64Array(x.memory.buffer, x.nmp_input(), x.nmp_features()).set(Array.from(input));
  const best = x.nmp_predict();
  return { best, y: new Float32Array(x.memory.buffer, x.nmp_output(), x.nmp_outputs()).slice(), acc: new Int32Array(x.memory.buffer, x.nmp_accumulators(), x.nmp_outputs()).slice() };
}

for (const v of conformanceVectors(testdataDir)) {
  test(`standalone › conformance ${v.name}: outputs, accumulators, arg-max and labels`, () => {
    const { x, code } = load(v.bytes);
    assert.equal(code, 'ok');
    const names = readModel(v.bytes).meta.outputNames;
    for (const [n, c] of v.cases.entries()) {
      const r = predict(x, c.x);
      for (let j = 0; j < c.acc.length; j++) {
        if (r.acc[j] !== c.acc[j]) assert.fail(`${v.name} case ${n}: accumulator ${j} expected ${c.acc[j]}, got ${r.acc[j]}`);
        if (!Object.is(r.y[j], Math.fround(c.y[j]))) assert.fail(`${v.name} case ${n}: output ${j} expected ${c.y[j]}, got ${r.y[j]}`);
      }
      assert.equal(r.best, c.argmax, `${v.name} case ${n}: arg-max`);
    }
    names.forEach((name, i) => assert.equal(new TextDecoder().decode(new Uint8Array(x.memory.buffer, x.nmp_label(i), x.nmp_label_length(i))), name));
    assert.ok(x.nmp_used_bytes() > v.bytes.length);
  });
}

test('standalone › seeded random models equal the reference; non-finite inputs are refused by index', () => {
  for (const rc of randomCases([SEED + 40])) {
    const { x, code } = load(rc.bytes);
    assert.equal(code, 'ok', rc.label);
    for (const [s, input] of rc.inputs.entries()) {
      const acc = forwardCodes(rc.decoded, quantizeInput(rc.decoded, input)).acc, y = dequantizeOutput(rc.decoded, acc);
      const r = predict(x, input);
      for (let j = 0; j < acc.length; j++) {
        if (r.acc[j] !== acc[j] || !Object.is(r.y[j], y[j])) assert.fail(`${rc.label} sample ${s} output ${j}: expected ${acc[j]} / ${y[j]}, got ${r.acc[j]} / ${r.y[j]}`);
      }
      assert.equal(r.best, argmax(y));
    }
    const bad = Array.from(rc.inputs[0]);
    bad[bad.length - 1] = NaN;
    assert.equal(predict(x, bad).best, -bad.length);
  }
});

/** Compares both readers on `bytes`; returns a mismatch description or null. */
const seen = new Map<string, number>();
function differ(bytes: Uint8Array, what: string): string | null {
  const want = tsCode(bytes), got = load(bytes).code;
  const code = want.split(' ')[0];
  seen.set(code, (seen.get(code) ?? 0) + 1);
  return want === got ? null : `${what}: formats/read.ts says ${want}, standalone says ${got}`;
}

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' } as ConstructorParameters<typeof Unpackr>[0]);
const bodyOf = (file: Uint8Array) => new Uint8Array((unpackr.unpack(file) as { body: Uint8Array }).body);

test('standalone › truncation at every length and envelope byte flips: same verdict and code as formats/read.ts', () => {
  const v = conformanceVectors(testdataDir).find((c) => c.name === 'worked-example')!;
  const errs: string[] = [];
  for (let n = 0; n < v.bytes.length; n++) {
    const e = differ(v.bytes.subarray(0, n), `truncated to ${n} bytes`);
    if (e) errs.push(e);
  }
  const r = rng(SEED);
  for (let i = 0; i < 300; i++) {
    const b = v.bytes.slice();
    const at = Math.floor(r() * b.length);
    b[at] = Math.floor(r() * 256);
    const e = differ(b, `seed ${SEED} byte ${at} := ${b[at]}`);
    if (e) errs.push(e);
  }
  assert.deepEqual(errs.slice(0, 5), []);
});

test('standalone › body mutations with a valid checksum: same verdict and code as formats/read.ts', () => {
  const r = rng(SEED + 1);
  const errs: string[] = [];
  let accepted = 0, total = 0;
  for (const v of conformanceVectors(testdataDir).filter((c) => c.bytes.length < 20000)) {
    const body = bodyOf(v.bytes);
    for (let i = 0; i < 400; i++) {
      const b = body.slice();
      const edits = 1 + Math.floor(r() * 3);
      const desc: string[] = [];
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(r() * b.length);
        const kind = r();
        // Small integers and bit-width bytes matter most: bias toward 0..20, 0xff and type bytes.
        const val = kind < 0.4 ? Math.floor(r() * 20) : kind < 0.5 ? 0xff : kind < 0.6 ? 0xc0 + Math.floor(r() * 32) : Math.floor(r() * 256);
        b[at] = val;
        desc.push(`${at}:=${val}`);
      }
      const file = encodeEnvelope(b);
      total++;
      if (tsCode(file) === 'ok') accepted++;
      const d = differ(file, `seed ${SEED + 1} ${v.name} body ${desc.join(',')}`);
      if (d) errs.push(d);
    }
  }
  assert.deepEqual(errs.slice(0, 5), [], `${errs.length} of ${total} mutations disagree`);
  assert.ok(accepted > 0 && accepted < total, `mutations should produce both valid and invalid files (${accepted}/${total} valid)`);
});

test('standalone › field edits (types, ranges, shapes, unknown keys, int-valued floats): same verdict and code', () => {
  const base = readModel(conformanceVectors(testdataDir).find((c) => c.name === 'mlp-mixed')!.bytes);
  type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const edits: [string, (b: Body) => void][] = [
    ['task number', (b) => (b.meta.task = 3)],
    ['task unknown', (b) => (b.meta.task = 'ranking')],
    ['no meta', (b) => delete b.meta],
    ['feature_names short', (b) => b.meta.feature_names.pop()],
    ['feature name too long', (b) => (b.meta.feature_names[0] = 'x'.repeat(257))],
    ['feature name of 256 UTF-8 bytes', (b) => (b.meta.feature_names[0] = 'é'.repeat(128))],
    ['feature name of 257 UTF-8 bytes', (b) => (b.meta.feature_names[0] = 'é'.repeat(128) + 'x')],
    ['feature name of 64 astral chars (256 bytes)', (b) => (b.meta.feature_names[0] = '😀'.repeat(64))],
    ['output scale that overflows float32', (b) => new DataView(b.output.scale.buffer, b.output.scale.byteOffset).setFloat64(0, 1e30, true)],
    ['output name not str', (b) => (b.meta.output_names[1] = 7)],
    ['target_column nil', (b) => (b.meta.target_column = null)],
    ['target_column ok', (b) => (b.meta.target_column = 'label')],
    ['seed missing', (b) => delete b.meta.provenance.seed],
    ['seed float', (b) => (b.meta.provenance.seed = 1.5)],
    ['seed integral float', (b) => (b.meta.provenance.seed = 3.0)],
    ['metric NaN', (b) => (b.meta.provenance.metrics = { acc: NaN })],
    ['metric string', (b) => (b.meta.provenance.metrics = { acc: '1' })],
    ['257 metrics', (b) => (b.meta.provenance.metrics = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`m${i}`, i])))],
    ['dataset 4096 chars', (b) => (b.meta.provenance.dataset = 'd'.repeat(4096))],
    ['dataset 4097 chars', (b) => (b.meta.provenance.dataset = 'd'.repeat(4097))],
    ['input bits 1', (b) => (b.input.bits[0] = 1)],
    ['input bits 17', (b) => (b.input.bits[2] = 17)],
    ['no layers', (b) => (b.layers = [])],
    ['65 layers', (b) => (b.layers = Array(65).fill(b.layers[0]))],
    ['layers not array', (b) => (b.layers = {})],
    ['in as float 54.0 (JS number)', (b) => (b.layers[0].in = b.layers[0].in + 0.5 - 0.5)],
    ['in negative', (b) => (b.layers[0].in = -1)],
    ['out 4097', (b) => (b.layers[0].out = 4097)],
    ['out 0', (b) => (b.layers[1].out = 0)],
    ['fan-in mismatch', (b) => (b.layers[1].in += 1)],
    ['w_bits 9', (b) => (b.layers[0].w_bits[3] = 9)],
    ['act bits 0', (b) => (b.layers[0].act.bits[0] = 0)],
    ['act bits 17', (b) => (b.layers[0].act.bits[0] = 17)],
    ['act on last layer', (b) => (b.layers[b.layers.length - 1].act = b.layers[0].act)],
    ['act nil on last layer', (b) => (b.layers[b.layers.length - 1].act = null)],
    ['act missing on hidden layer', (b) => delete b.layers[0].act],
    ['mult 0', (b) => new DataView(b.layers[0].act.mult.buffer, b.layers[0].act.mult.byteOffset).setInt32(0, 0, true)],
    ['mult negative', (b) => new DataView(b.layers[0].act.mult.buffer, b.layers[0].act.mult.byteOffset).setInt32(4, -5, true)],
    ['shift 0', (b) => (b.layers[0].act.shift[1] = 0)],
    ['shift 63', (b) => (b.layers[0].act.shift[1] = 63)],
    ['w_scale zero', (b) => new DataView(b.layers[1].w_scale.buffer, b.layers[1].w_scale.byteOffset).setFloat32(0, 0, true)],
    ['act scale NaN', (b) => new DataView(b.layers[0].act.scale.buffer, b.layers[0].act.scale.byteOffset).setFloat32(0, NaN, true)],
    ['gain negative', (b) => new DataView(b.input.gain.buffer, b.input.gain.byteOffset).setFloat64(0, -1, true)],
    ['center infinite', (b) => new DataView(b.input.center.buffer, b.input.center.byteOffset).setFloat64(8, Infinity, true)],
    ['output offset NaN', (b) => new DataView(b.output.offset.buffer, b.output.offset.byteOffset).setFloat64(0, NaN, true)],
    ['bias overflow', (b) => new DataView(b.layers[0].bias.buffer, b.layers[0].bias.byteOffset).setInt32(0, 0x7fffffff, true)],
    ['bias int32 min', (b) => new DataView(b.layers[0].bias.buffer, b.layers[0].bias.byteOffset).setInt32(0, -0x80000000, true)],
    ['weights one byte short', (b) => (b.layers[0].weights = b.layers[0].weights.subarray(1))],
    ['bias as array', (b) => (b.layers[0].bias = Array.from(b.layers[0].bias))],
    ['unknown keys everywhere', (b) => { b['x.v.n'] = [[1, { a: [null, true, 1.5] }], 'z']; b.layers[0]['x.v'] = { q: new Uint8Array(3) }; b.meta.extra = -3; }],
    ['output scale short', (b) => (b.output.scale = b.output.scale.subarray(8))],
    ['output missing', (b) => delete b.output],
  ];
  const errs: string[] = [];
  for (const [what, edit] of edits) {
    const body = modelBody({ ...base, layers: base.layers.map(({ rowOffsets: _r, ...l }) => l) }) as Body;
    const copy = structuredClone(body);
    edit(copy);
    const d = differ(encodeUnchecked(copy), what);
    if (d) errs.push(d);
  }
  // Envelope-level edits.
  const body = bodyOf(conformanceVectors(testdataDir)[0].bytes);
  for (const [what, opts] of [['format gguf', { format: 'gguf' }], ['version 2', { version: 2 }], ['version 0', { version: 0 }], ['version 1.0 float', { version: 1.5 - 0.5 }], ['requires x', { requires: ['x'] }], ['requires number', { requires: [1] }], ['crc wrong', { crc: 1 }], ['crc negative', { crc: -1 }]] as const) {
    const d = differ(encodeEnvelope(body, opts as Parameters<typeof encodeEnvelope>[1]), what);
    if (d) errs.push(d);
  }
  assert.deepEqual(errs, []);
});

test('standalone › the differential tests above exercised every error code the reader has', (t) => {
  t.diagnostic(JSON.stringify(Object.fromEntries(seen)));
  for (const c of CODES.filter((c) => c !== 'E_MEMORY')) assert.ok(seen.has(c), `no case produced ${c}`);
});

test('standalone › one instance loads model after model; a rejected file leaves no model; predict before load refuses', () => {
  const vs = conformanceVectors(testdataDir);
  const x = new WebAssembly.Instance(scalar, {}).exports as unknown as NoHost;
  assert.equal(x.nmp_predict(), abi.NMP_NO_MODEL, 'no model loaded yet');
  const put = (bytes: Uint8Array) => {
    const p = x.nmp_alloc(bytes.length);
    new Uint8Array(x.memory.buffer).set(bytes, p);
    return CODES[x.nmp_load(p, bytes.length)];
  };
  for (const v of [...vs, ...vs.slice().reverse()]) {
    assert.equal(put(v.bytes), 'ok', v.name);
    const c = v.cases[v.cases.length - 1];
    const r = predict(x, c.x);
    assert.deepEqual(Array.from(r.acc), c.acc, v.name);
  }
  const bad = vs[0].bytes.slice();
  bad[bad.length - 2] ^= 4;
  assert.equal(put(bad), 'E_CHECKSUM');
  assert.equal(x.nmp_predict(), abi.NMP_NO_MODEL, 'a rejected file leaves no model');
  // Between nmp_alloc and nmp_load the old model's memory is the new file's: nothing may run on it.
  assert.equal(put(vs[1].bytes), 'ok');
  const p = x.nmp_alloc(vs[2].bytes.length);
  new Uint8Array(x.memory.buffer).set(vs[2].bytes, p);
  assert.equal(x.nmp_predict(), abi.NMP_NO_MODEL, 'predict after nmp_alloc, before nmp_load, refuses instead of reading over-written memory');
  assert.equal(x.nmp_features(), 0);
  assert.equal(x.nmp_label(0), 0);
});
