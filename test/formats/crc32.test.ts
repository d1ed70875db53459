import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from '../../formats/crc32.js';

test('crc32 › standard check values', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(new Uint8Array(32)), 0x190a55ad);
});

test('crc32 › slicing-by-8 equals the bitwise definition at every offset 0..3 and length 0..100 (every head and tail of the word steps)', () => {
  const bitwise = (b: Uint8Array) => {
    let c = 0xffffffff;
    for (const x of b) {
      c ^= x;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  };
  const b = Uint8Array.from({ length: 100 }, (_, i) => (i * 197 + 13) & 0xff);
  for (let at = 0; at < 4; at++) {
    for (let n = 0; n + at <= 100; n++) assert.equal(crc32(b.subarray(at, at + n)), bitwise(b.subarray(at, at + n)), `offset ${at}, length ${n}`);
  }
});
