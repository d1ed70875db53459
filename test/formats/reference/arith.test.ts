import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dequantizeValue, dotRowReference, quantizeInputValue, requantize } from '../../../formats/reference/arith.js';
import { packRow } from '../../../formats/pack.js';

test('reference › input quantisation rounds half up and saturates symmetrically', () => {
  assert.equal(quantizeInputValue(0.5, 0, 1, 8), 1);
  assert.equal(quantizeInputValue(-0.5, 0, 1, 8), 0); // floor(-0.5 + 0.5) = 0: half rounds toward +infinity
  assert.equal(quantizeInputValue(-1.5, 0, 1, 8), -1);
  assert.equal(quantizeInputValue(2.49, 0, 1, 8), 2);
  assert.equal(quantizeInputValue(1e300, 0, 1e300, 8), 127);
  assert.equal(quantizeInputValue(-1e9, 0, 1, 8), -127); // never -128: the range is symmetric
  assert.equal(quantizeInputValue(10, 10, 3, 2), 0);
  assert.equal(quantizeInputValue(11, 10, 3, 2), 1);
  assert.equal(quantizeInputValue(-70000, 0, 1, 16), -32767);
  assert.throws(() => quantizeInputValue(NaN, 0, 1, 8), RangeError);
  assert.throws(() => quantizeInputValue(Infinity, 0, 1, 8), RangeError);
});

test('reference › requantisation: floor((acc*m + 2^(n-1)) / 2^n), ReLU clamp, 64-bit product', () => {
  assert.equal(requantize(3, 1 << 30, 31, 8), 2); // 1.5 -> 2 (half up)
  assert.equal(requantize(1, 1 << 30, 31, 8), 1); // 0.5 -> 1
  assert.equal(requantize(-1, 1 << 30, 31, 8), 0); // -0.5 -> 0, and ReLU
  assert.equal(requantize(-1000, 0x7fffffff, 1, 16), 0);
  assert.equal(requantize(0x7fffffff, 0x7fffffff, 62, 16), 1); // (2^31-1)^2 / 2^62 = 0.99999... -> rounds to 1
  assert.equal(requantize(0x7fffffff, 0x7fffffff, 1, 16), 65535); // saturates
  assert.equal(requantize(1000, 0x7fffffff, 31, 4), 15);
  assert.equal(requantize(10, 1, 62, 1), 0);
  // A product beyond 2^53 where double arithmetic would be wrong: (2^31-1)*(2^31-1) = 2^62 - 2^32 + 1.
  assert.equal(requantize(0x7fffffff, 0x7fffffff, 40, 16), 65535);
  assert.equal(requantize(0x7fffffff, 0x7fffffff, 47, 16), 32768); // (2^62 - 2^32 + 1 + 2^46) >> 47 = 32768 exactly
});

test('reference › dot product with bias and 1-bit ±1 weights', () => {
  assert.equal(dotRowReference(packRow([1, -1, 1], 1), 0, 1, [5, 7, 11], 2), 2 + 5 - 7 + 11);
  assert.equal(dotRowReference(packRow([-128, 127], 8), 0, 8, [65535, 65535], 0), -65535);
  assert.equal(dotRowReference(new Uint8Array(0), 0, 0, [1, 2, 3], -9), -9); // pruned
});

test('reference › output dequantisation rounds to float32 after f64 multiply-add', () => {
  assert.equal(dequantizeValue(3, 0.1, 0), Math.fround(0.30000000000000004));
  assert.equal(dequantizeValue(-7, 0.5, 1), -2.5);
});
