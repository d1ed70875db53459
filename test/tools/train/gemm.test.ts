/** @fileoverview The trainer's WASM GEMM kernels equal their plain-JS versions bit for bit (f32 and wrapping i32). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena, gemmF32Js, gemmI32Js } from '../../../tools/train/gemm.js';
import { Rng } from '../../../tools/train/rng.js';

// Shapes around the 4x8 tile: M and N below, at and above tile multiples, K = 0, 1 and odd.
const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1], [3, 7, 5], [4, 8, 4], [5, 9, 3], [8, 16, 33], [13, 26, 16], [4, 8, 0], [17, 54, 7], [64, 40, 65],
];

for (const [M, N, K] of SHAPES) {
  for (const transA of [false, true]) {
    test(`gemm_f32 › M${M} N${N} K${K}${transA ? ' A^T' : ''} equals JS`, () => {
      const rng = new Rng(M * 1000 + N * 10 + K);
      const arena = new Arena(4 * (2 * M * K + K * N + 2 * M * N) + 1024);
      const a = arena.f32(M * K);
      const b = arena.f32(K * N);
      const c = arena.f32(M * N);
      for (let i = 0; i < a.length; i++) a[i] = rng.normal();
      for (let i = 0; i < b.length; i++) b[i] = rng.normal();
      const [rs, cs] = transA ? [1, M] : [K, 1];
      for (const acc of [false, true]) {
        for (let i = 0; i < c.length; i++) c[i] = rng.normal();
        const want = Float32Array.from(c);
        gemmF32Js(a, rs, cs, b, want, M, N, K, acc);
        arena.gemmF32(a, rs, cs, b, c, M, N, K, acc);
        assert.deepEqual(Array.from(c), Array.from(want), `accumulate=${acc}`);
      }
    });
  }
  test(`gemm_i32 › M${M} N${N} K${K} equals JS, including wrap-around`, () => {
    const rng = new Rng(7 + M + N + K);
    const arena = new Arena(4 * (M * K + K * N + M * N) + 1024);
    const a = arena.i32(M * K);
    const b = arena.i32(K * N);
    const c = arena.i32(M * N);
    for (let i = 0; i < a.length; i++) a[i] = (rng.nextU32() | 0) >> (i % 3 === 0 ? 0 : 16);
    for (let i = 0; i < b.length; i++) b[i] = (rng.nextU32() | 0) >> 20;
    for (let i = 0; i < c.length; i++) c[i] = rng.nextU32() | 0;
    const want = Int32Array.from(c);
    gemmI32Js(a, K, 1, b, want, M, N, K, true);
    arena.gemmI32(a, K, 1, b, c, M, N, K, true);
    assert.deepEqual(Array.from(c), Array.from(want));
  });
}

test('gemm › does not write outside C', () => {
  const arena = new Arena(4096);
  const guard0 = arena.f32(4);
  const a = arena.f32(5 * 3);
  const b = arena.f32(3 * 9);
  const c = arena.f32(5 * 9);
  const guard1 = arena.f32(4);
  a.fill(1);
  b.fill(2);
  guard0.fill(-7);
  guard1.fill(-7);
  arena.gemmF32(a, 3, 1, b, c, 5, 9, 3, false);
  assert.ok(c.every((v) => v === 6));
  assert.deepEqual(Array.from(guard0), [-7, -7, -7, -7]);
  assert.deepEqual(Array.from(guard1), [-7, -7, -7, -7]);
});

test('arena › refuses views beyond its capacity and operands of another arena', () => {
  const arena = new Arena(64, false);
  assert.throws(() => arena.f32(1 << 20), /exhausted/);
  const other = new Arena(1024);
  const x = other.f32(4);
  const mine = new Arena(1024);
  assert.throws(() => mine.gemmF32(x, 1, 1, mine.f32(4), mine.f32(4), 1, 1, 1, false), /not a view of this arena/);
});
