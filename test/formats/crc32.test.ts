import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from '../../formats/crc32.js';

test('crc32 › standard check values', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(new Uint8Array(32)), 0x190a55ad);
});
