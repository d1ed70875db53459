/** @fileoverview The committed conformance vectors equal what the reference produces today, and decode as described. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { conformanceVectors, expectationsJson } from '../../formats/testdata/vectors.js';
import { readModel } from '../../formats/read.js';
import { forwardCodes, quantizeInput, dequantizeOutput } from '../../formats/reference/forward.js';
import { testdataDir } from '../support/paths.js';

const vectors = conformanceVectors();

test('conformance › committed files are exactly what generate.ts writes (no drift)', () => {
  const committed = readdirSync(testdataDir).filter((f) => f.endsWith('.nmp')).sort();
  assert.deepEqual(committed, vectors.map((v) => `${v.name}.nmp`).sort());
  for (const v of vectors) {
    assert.deepEqual(new Uint8Array(readFileSync(`${testdataDir}${v.name}.nmp`)), v.model, `${v.name}.nmp differs: run node dist/formats/testdata/generate.js only if SPEC changed`);
    assert.equal(readFileSync(`${testdataDir}${v.name}.expected.json`, 'utf8'), expectationsJson(v), `${v.name}.expected.json differs`);
  }
});

test('conformance › coverage: every (weight bits, activation bits) pair, pruned neurons, max fan-in, int32 edge', () => {
  const pairs = new Set<string>();
  let pruned = 0, maxFanIn = 0, accEdge = false;
  for (const v of vectors) {
    const m = readModel(v.model);
    m.layers.forEach((l, i) => {
      maxFanIn = Math.max(maxFanIn, l.inFeatures);
      const inBits = i === 0 ? null : m.layers[i - 1].act!.bits;
      for (let j = 0; j < l.outFeatures; j++) {
        if (l.weightBits[j] === 0) pruned++;
        if (inBits) for (const a of inBits) pairs.add(`${l.weightBits[j]}x${a}`);
      }
    });
    for (const c of v.cases) if (c.acc.some((a) => Math.abs(a) === 0x7fffffff)) accEdge = true;
  }
  for (let w = 0; w <= 8; w++) for (let a = 1; a <= 16; a++) assert.ok(pairs.has(`${w}x${a}`), `pair w${w} a${a} not covered`);
  assert.ok(pruned >= 10, `${pruned} pruned neurons`);
  assert.equal(maxFanIn, 4096);
  assert.ok(accEdge, 'an accumulator reaches 2^31-1');
});

for (const v of vectors) {
  test(`conformance › ${v.name}: reference reproduces every expected value`, () => {
    const m = readModel(new Uint8Array(readFileSync(`${testdataDir}${v.name}.nmp`)));
    const expected = JSON.parse(readFileSync(`${testdataDir}${v.name}.expected.json`, 'utf8'));
    for (const [n, c] of expected.cases.entries()) {
      const codes = quantizeInput(m, c.x);
      assert.deepEqual(Array.from(codes), c.input_codes, `case ${n} input codes`);
      const { acts, acc } = forwardCodes(m, codes);
      assert.deepEqual(acts.map((a) => Array.from(a)), c.acts, `case ${n} hidden codes`);
      assert.deepEqual(Array.from(acc), c.acc, `case ${n} accumulators`);
      assert.deepEqual(Array.from(dequantizeOutput(m, acc)), c.y, `case ${n} outputs`);
    }
  });
}
