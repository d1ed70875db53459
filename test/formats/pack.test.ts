import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packRow, rowBytes, rowPaddingIsZero, unpackRow, weightCodeRange } from '../../formats/pack.js';
import { rng } from '../../formats/testdata/random.js';

test('pack › SPEC §5.2 worked example bytes', () => {
  // 2-bit codes [1, -2, 0, -1, 1]: fields 01 10 00 11 01 -> byte0 = 0b11_00_10_01 = 0xC9, byte1 = 0b000000_01 = 0x01
  assert.deepEqual(Array.from(packRow([1, -2, 0, -1, 1], 2)), [0xc9, 0x01]);
  // 1-bit [+1, -1, +1, +1, -1, -1, -1, +1, +1]: bits 1,0,1,1,0,0,0,1 | 1 -> 0x8D, 0x01
  assert.deepEqual(Array.from(packRow([1, -1, 1, 1, -1, -1, -1, 1, 1], 1)), [0x8d, 0x01]);
  // 3-bit codes [3, -4, -1]: fields 011 100 111 -> stream bits 1,1,0, 0,0,1, 1,1,1 -> 0xE3, 0x01
  assert.deepEqual(Array.from(packRow([3, -4, -1], 3)), [0xe3, 0x01]);
  // 8-bit [-128, 127, -1] is plain two's complement bytes
  assert.deepEqual(Array.from(packRow([-128, 127, -1], 8)), [0x80, 0x7f, 0xff]);
});

test('pack › round trip for every width 1..8 and fan-ins around byte and lane boundaries', () => {
  const r = rng(7);
  for (let bits = 1; bits <= 8; bits++) {
    const [lo, hi] = weightCodeRange(bits);
    for (const fanIn of [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 54, 255, 257]) {
      const codes = Array.from({ length: fanIn }, () => (bits === 1 ? (r() < 0.5 ? -1 : 1) : lo + Math.floor(r() * (hi - lo + 1))));
      codes[0] = lo;
      codes[fanIn - 1] = hi;
      const packed = packRow(codes, bits);
      assert.equal(packed.length, rowBytes(fanIn, bits));
      assert.ok(rowPaddingIsZero(packed, 0, fanIn, bits));
      // Misaligned placement inside a larger buffer.
      const buf = new Uint8Array(packed.length + 5);
      buf.set(packed, 3);
      assert.deepEqual(Array.from(unpackRow(buf, 3, fanIn, bits)), codes, `bits=${bits} fanIn=${fanIn}`);
    }
  }
});

test('pack › rejects codes outside the width and zero for 1-bit', () => {
  assert.throws(() => packRow([2], 2), RangeError);
  assert.throws(() => packRow([-3], 2), RangeError);
  assert.throws(() => packRow([0], 1), RangeError);
  assert.throws(() => packRow([128], 8), RangeError);
  assert.throws(() => packRow([0.5], 4), RangeError);
  assert.throws(() => weightCodeRange(9), RangeError);
});

test('pack › padding detection and overrun', () => {
  const row = packRow([1, 1, 1], 2); // 6 bits used, 2 padding bits
  assert.ok(rowPaddingIsZero(row, 0, 3, 2));
  row[0] |= 0x80;
  assert.equal(rowPaddingIsZero(row, 0, 3, 2), false);
  assert.throws(() => unpackRow(new Uint8Array(1), 0, 5, 2), RangeError);
});

/** SPEC §5 literally: code k's field occupies stream bits [k*b, k*b+b), LSB-first within each byte. One bit at a time. */
function packBitwise(codes: number[], bits: number): Uint8Array {
  const out = new Uint8Array(rowBytes(codes.length, bits));
  codes.forEach((v, k) => {
    const field = bits === 1 ? (v > 0 ? 1 : 0) : v & ((1 << bits) - 1);
    for (let i = 0; i < bits; i++) if ((field >> i) & 1) out[(k * bits + i) >> 3] |= 1 << ((k * bits + i) & 7);
  });
  return out;
}

test('pack › packRow and unpackRow (a field at a time) equal the bit-at-a-time statement of SPEC §5', () => {
  const r = rng(11);
  for (let bits = 1; bits <= 8; bits++) {
    const [lo, hi] = weightCodeRange(bits);
    for (const fanIn of [1, 3, 5, 8, 13, 64, 100, 256, 259]) {
      const codes = Array.from({ length: fanIn }, () => (bits === 1 ? (r() < 0.5 ? -1 : 1) : lo + Math.floor(r() * (hi - lo + 1))));
      const want = packBitwise(codes, bits);
      assert.deepEqual(packRow(Int32Array.from(codes), bits), want, `packRow bits=${bits} fanIn=${fanIn}`);
      const buf = new Uint8Array(want.length + 2).fill(0xff); // neighbours of all ones must not leak into the codes
      buf.set(want, 1);
      assert.deepEqual(Array.from(unpackRow(buf, 1, fanIn, bits)), codes, `unpackRow bits=${bits} fanIn=${fanIn}`);
    }
  }
});

test('pack › rejects NaN and infinite codes', () => {
  for (const v of [NaN, Infinity, -Infinity]) for (const bits of [1, 4, 8]) assert.throws(() => packRow([v], bits), RangeError);
});
