/**
 * @fileoverview The trainer's elementwise wasm kernels (assembly/train/step.ts) against their JS versions, bit for bit,
 * on odd lengths (the scalar tails), bounds, NaN and every weight width.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena } from '../../../tools/train/gemm.js';
import { Rng } from '../../../tools/train/rng.js';

/** The same computation on a wasm arena and a JS arena; `fill` gets each arena and the same seed. */
function bothWays<T extends ArrayBufferView[]>(fill: (arena: Arena, rng: Rng) => T, run: (arena: Arena, views: T) => void): void {
  const [wasm, js] = [true, false].map((useWasm) => {
    const arena = new Arena(1 << 20, useWasm);
    const views = fill(arena, new Rng(3));
    run(arena, views);
    return views.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  });
  wasm.forEach((bytes, i) => assert.ok(bytes.equals(js[i]), `view ${i} differs`));
}

function random(arena: Arena, rng: Rng, n: number, scale = 1): Float32Array {
  const v = arena.f32(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * scale;
  return v;
}

function positive(v: Float32Array): Float32Array {
  for (let i = 0; i < v.length; i++) v[i] = Math.abs(v[i]);
  return v;
}

test('step › adam equals adamJs (decay, bounds, scalar tail)', () => {
  for (const n of [1, 7, 64, 1003]) {
    bothWays(
      (a, rng) => [random(a, rng, n), random(a, rng, n, 0.1), random(a, rng, n, 0.01), positive(random(a, rng, n, 0.001))],
      (a, [p, g, m, v]) => {
        for (let t = 1; t <= 3; t++) a.adam(p, g, m, v, { decay: 1e-3, b1: 0.9, b2: 0.999, c1: 1 - 0.9 ** t, c2: 1 - 0.999 ** t, lr: 0.3, lo: -0.5, hi: 1 });
      },
    );
  }
});

test('step › bias, ReLU mask and the activation quantiser equal the JS loops (NaN, clip, odd widths)', () => {
  const M = 5, N = 13;
  bothWays(
    (a, rng) => {
      const z = random(a, rng, M * N, 3);
      z[3] = NaN;
      z[8] = 1e30;
      z[9] = -0;
      return [z, random(a, rng, N), random(a, rng, M * N), a.f32(M * N), a.f32(M * N)];
    },
    (a, [z, bias, dA, out, act]) => {
      a.addBias(z, bias, M, N);
      a.reluMask(z, dA, out, M * N);
      const inv = a.f64(N), top = a.f64(N), step = a.f64(N);
      for (let j = 0; j < N; j++) {
        step[j] = 0.05 * (j + 1);
        inv[j] = 1 / step[j];
        top[j] = 2 ** (2 + (j % 4)) - 1;
      }
      a.actQuant(z, act, inv, top, step, M, N);
    },
  );
});

test('step › quantizeRows equals quantizeRow at every width, ternary and full 2-bit', () => {
  const N = 9, fin = 11;
  for (const twoBit of ['ternary', 'full'] as const) {
    bothWays(
      (a, rng): [Float32Array, Float64Array, Float32Array, Float32Array] => [random(a, rng, N * fin), a.f64(N), a.f32(N * fin), a.f32(N * fin)],
      (a, [W, S, Weff, WeffT]) => {
        const inScale = a.f64(fin), inv = a.f64(fin), bits = a.i32(N);
        for (let k = 0; k < fin; k++) {
          inScale[k] = 0.1 + 0.07 * k;
          inv[k] = 1 / inScale[k];
        }
        bits.set([0, 1, 2, 3, 4, 8, 16, 255, 2]);
        a.quantizeRows(W, inScale, inv, bits, twoBit, S, Weff, WeffT, N, fin);
      },
    );
  }
});
