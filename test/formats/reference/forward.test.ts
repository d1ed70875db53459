/** @fileoverview SPEC §6.6 arg-max: the lowest index among equal maxima, also within one row of a batch. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmax } from '../../../formats/reference/forward.js';

test('reference › argmax: largest value, lowest index on ties', () => {
  assert.equal(argmax([0.5, 2, -1, 2]), 1);
  assert.equal(argmax(Float32Array.of(-3, -3, -3)), 0);
  assert.equal(argmax([7]), 0);
  assert.equal(argmax([-0, 0]), 0, '-0 and +0 are equal');
});

test('reference › argmax(y, offset, length) picks within one row and returns the index in the row', () => {
  const y = Float32Array.of(9, 9, 9, /* row 1 */ 1, 4, 4, /* row 2 */ 0, 0, 5);
  assert.deepEqual([0, 1, 2].map((r) => argmax(y, r * 3, 3)), [0, 1, 2]);
  assert.equal(argmax(y, 3), 5, 'to the end by default');
});
