import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requantParams, requantRatio } from '../../formats/quant.js';

test('requantParams › normalised multiplier and relative error below 2^-30', () => {
  for (const ratio of [1e-9, 3.7e-5, 0.001, 0.25, 0.5, 0.75, 1, 1.5, 2 ** 20 + 3, 123456.789, 1e9]) {
    const { mult, shift } = requantParams(ratio);
    assert.ok(mult >= 1 && mult <= 0x7fffffff && shift >= 1 && shift <= 62, `ratio ${ratio}: ${mult} >> ${shift}`);
    if (ratio < 2 ** 29) assert.ok(mult >= 2 ** 30, `ratio ${ratio} not normalised: ${mult}`);
    assert.ok(Math.abs(requantRatio(mult, shift) / ratio - 1) <= 2 ** -30, `ratio ${ratio}`);
  }
  assert.deepEqual(requantParams(0.25), { mult: 2 ** 30, shift: 32 });
});

test('requantParams › refuses what cannot be represented', () => {
  for (const bad of [0, -1, NaN, Infinity, 2 ** 31, 1e-30]) assert.throws(() => requantParams(bad), RangeError, String(bad));
});
