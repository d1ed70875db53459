/** @fileoverview The fuzzer's mutator (formats/testdata/mutate.ts): replayable, frames valid files whole, rewraps bodies. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bodyOf, envelope, mutateFile, sites } from '../../formats/testdata/mutate.js';
import { readModel } from '../../formats/read.js';
import { testdataDir } from '../support/paths.js';

const file = new Uint8Array(readFileSync(`${testdataDir}mlp-mixed.nmp`));

test('mutate › sites frame a valid file and its body completely, in byte order', () => {
  for (const b of [file, bodyOf(file)!]) {
    const all = sites(b);
    assert.equal(all[0].start, 0);
    assert.equal(all[0].end, b.length, 'the top value spans the bytes');
    for (let i = 1; i < all.length; i++) assert.ok(all[i].start > all[i - 1].start);
  }
});

test('mutate › envelope(bodyOf(file)) is a valid file with the same model', () => {
  assert.deepEqual(readModel(envelope(bodyOf(file)!)).layers.map((l) => l.outFeatures), readModel(file).layers.map((l) => l.outFeatures));
});

test('mutate › file i of a seed replays exactly, and different files differ', () => {
  const seeds = [file];
  assert.deepEqual(mutateFile(seeds, 7, 123), mutateFile(seeds, 7, 123));
  const distinct = new Set(Array.from({ length: 50 }, (_, i) => Buffer.from(mutateFile(seeds, 7, i)).toString('base64')));
  assert.ok(distinct.size >= 45, `${distinct.size} distinct files of 50`);
});
