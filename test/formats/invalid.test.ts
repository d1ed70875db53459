/**
 * @fileoverview Invalid-file conformance (SPEC §7, §8): the committed vectors in formats/testdata/invalid/ are what the
 * generator writes, and every reader (formats/read.ts, loadModel simd and scalar, nohost.wasm in V8) returns exactly the
 * code and byte offset each one expects, and accepts each accepted edge case with outputs equal to the reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { invalidIndexJson, invalidVectors, type InvalidVector } from '../../formats/testdata/invalid.js';
import { ModelFormatError } from '../../formats/errors.js';
import { readModel } from '../../formats/read.js';
import { dequantizeOutput, forwardCodes, quantizeInput } from '../../formats/reference/forward.js';
import { testdataDir } from '../support/paths.js';
import { NoHost, runtimeLoad, tsRead } from '../../tools/fuzz/readers.js';

const dir = `${testdataDir}invalid/`;
const vectors = invalidVectors();
const bytesOf = (v: InvalidVector) => v.bytes ?? new Uint8Array(v.synthetic!.length).fill(v.synthetic!.fill);
const expected = (v: InvalidVector) => (v.code === 'ok' ? 'ok' : `${v.code} at byte ${v.offset}`);

test('invalid › committed files and index are exactly what generate.ts writes (no drift)', () => {
  const committed = readdirSync(dir).filter((f) => f.endsWith('.nmp')).sort();
  assert.deepEqual(committed, vectors.filter((v) => v.bytes).map((v) => `${v.name}.nmp`).sort());
  for (const v of vectors) if (v.bytes) assert.deepEqual(new Uint8Array(readFileSync(`${dir}${v.name}.nmp`)), v.bytes, `${v.name}.nmp differs: run node dist/formats/testdata/generate.js only if SPEC changed`);
  assert.equal(readFileSync(`${dir}index.json`, 'utf8'), invalidIndexJson(vectors));
});

test('invalid › every error code and every rule of SPEC §7 has a vector', () => {
  const codes = new Set(vectors.map((v) => v.code));
  for (const c of ['E_EMPTY', 'E_MSGPACK', 'E_FORMAT_NAME', 'E_FORMAT_VERSION', 'E_REQUIRES', 'E_CHECKSUM', 'E_TYPE', 'E_LIMIT', 'E_SHAPE', 'E_BITWIDTH', 'E_LENGTH', 'E_PADDING', 'E_VALUE', 'E_ACC_OVERFLOW', 'ok']) {
    assert.ok(codes.has(c as never), `no vector for ${c}`);
  }
  const rules = new Set(vectors.map((v) => v.rule));
  for (let r = 1; r <= 17; r++) assert.ok(rules.has(`R${r}`), `no vector for R${r}`);
  assert.ok(rules.has('order'), 'no precedence vector');
});

test('invalid › formats/read.ts: the expected code and offset, and a message naming where, what was found and expected', () => {
  const errs: string[] = [];
  for (const v of vectors) {
    const got = tsRead(bytesOf(v)).verdict;
    if (got !== expected(v)) errs.push(`${v.name}: expected ${expected(v)}, got ${got}`);
    if (v.code !== 'ok') {
      try {
        readModel(bytesOf(v));
      } catch (e) {
        assert.ok(e instanceof ModelFormatError);
        assert.match(e.message, new RegExp(`^\\S.* \\(byte ${v.offset}\\): .+ - got .+, expected .+ \\[${v.code}\\]$`), v.name);
      }
    }
  }
  assert.deepEqual(errs, []);
});

test('invalid › nohost.wasm (one instance, file after file): the expected code and offset', () => {
  const nh = new NoHost();
  const errs: string[] = [];
  for (const v of vectors) {
    const got = nh.load(bytesOf(v));
    if (got !== expected(v)) errs.push(`${v.name}: expected ${expected(v)}, got ${got}`);
    if (got === 'ok') {
      const m = readModel(bytesOf(v)), x = Array.from({ length: m.input.bits.length }, (_, i) => i - 1.5);
      const acc = forwardCodes(m, quantizeInput(m, x)).acc;
      assert.deepEqual(Array.from(nh.predict(x).acc), Array.from(acc), v.name);
    }
  }
  assert.deepEqual(errs, []);
});

for (const backend of ['simd', 'scalar'] as const) {
  test(`invalid › loadModel ${backend}: the expected code and offset; accepted edge cases predict as the reference`, async () => {
    const errs: string[] = [];
    for (const v of vectors) {
      const { verdict, model } = await runtimeLoad(bytesOf(v), backend);
      if (verdict !== expected(v)) errs.push(`${v.name}: expected ${expected(v)}, got ${verdict}`);
      if (model) {
        const m = readModel(bytesOf(v)), x = Array.from({ length: m.input.bits.length }, (_, i) => i - 1.5);
        assert.deepEqual(Array.from(model.predict(x)), Array.from(dequantizeOutput(m, forwardCodes(m, quantizeInput(m, x)).acc)), v.name);
        model.dispose();
      }
    }
    assert.deepEqual(errs, []);
  });
}

test('invalid › files the fuzzer saved (formats/testdata/fuzz-found/, if any): one verdict from every reader', async () => {
  const found = `${testdataDir}fuzz-found/`;
  const files = existsSync(found) ? readdirSync(found).filter((f) => f.endsWith('.nmp')) : [];
  const nh = new NoHost();
  const errs: string[] = [];
  for (const f of files) {
    const bytes = new Uint8Array(readFileSync(`${found}${f}`));
    const all = [tsRead(bytes).verdict, nh.load(bytes)];
    for (const backend of ['simd', 'scalar'] as const) {
      const r = await runtimeLoad(bytes, backend);
      r.model?.dispose();
      all.push(r.verdict);
    }
    if (new Set(all).size !== 1) errs.push(`${f}: ${all.join(' / ')}`);
  }
  assert.deepEqual(errs, []);
});
