/** @fileoverview Weight quantisers (codes inside format v1 ranges, scales), bands, and gate slopes vs finite differences. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { weightCodeRange } from '../../../formats/index.js';
import { band, bandMiddle, defaultThresholds, gateSlopes, gates, quantizeRow, fakeQuantAct } from '../../../tools/train/quant.js';
import { Rng } from '../../../tools/train/rng.js';

const rng = new Rng(3);
const row = Float64Array.from({ length: 301 }, () => rng.normal() * 0.3);

for (const bits of [0, 1, 2, 3, 4, 8]) {
  for (const twoBit of ['ternary', 'full'] as const) {
    if (bits !== 2 && twoBit === 'full') continue;
    test(`quantizeRow › ${bits}-bit${bits === 2 ? ` ${twoBit}` : ''}: codes in the format range, error shrinks with bits`, () => {
      const q = new Int32Array(row.length);
      const S = quantizeRow(row, 0, row.length, bits, twoBit, q, 0);
      assert.ok(S > 0 && Number.isFinite(S));
      if (bits === 0) return assert.ok(q.every((v) => v === 0));
      const [lo, hi] = weightCodeRange(bits);
      for (const v of q) assert.ok(v >= lo && v <= hi && (bits !== 1 || v !== 0), `code ${v}`);
      if (bits === 1) assert.ok(q.every((v, k) => v === (row[k] >= 0 ? 1 : -1)));
      if (bits === 2 && twoBit === 'ternary') assert.ok(q.every((v) => v >= -1 && v <= 1));
      if (bits >= 3) {
        assert.equal(Math.max(...q.map(Math.abs)), hi, 'symmetric, max-scaled');
        assert.ok(!q.includes(lo - 0) || lo === -hi, 'never the asymmetric code');
        for (let k = 0; k < row.length; k++) assert.ok(Math.abs(row[k] - S * q[k]) <= S / 2 + 1e-12);
      }
    });
  }
}

test('quantizeRow › relative error falls 1 > 2 > 4 > 8 bits; a zero row stays finite', () => {
  const err = [1, 2, 4, 8].map((b) => {
    const q = new Int32Array(row.length);
    const S = quantizeRow(row, 0, row.length, b, 'ternary', q, 0);
    return row.reduce((a, w, k) => a + (w - S * q[k]) ** 2, 0);
  });
  for (let i = 1; i < err.length; i++) assert.ok(err[i] < err[i - 1], `${err}`);
  const zq = new Int32Array(4);
  assert.ok(quantizeRow(new Float64Array(4), 0, 4, 4, 'ternary', zq, 0) > 0);
  assert.deepEqual(Array.from(zq), [0, 0, 0, 0]);
});

test('bands › Eq. 1: s <= t1 is band 0; thresholds evenly spaced; middles inside their bands', () => {
  const t = defaultThresholds(4);
  assert.deepEqual(t, [0.25, 0.5, 0.75]);
  assert.deepEqual([0, 0.25, 0.2500001, 0.5, 0.75, 0.76, 1].map((s) => band(s, t)), [0, 0, 1, 1, 2, 3, 3]);
  for (let i = 0; i < 4; i++) assert.equal(band(bandMiddle(i, t), t), i);
});

test('gates › sum to 1 and gateSlopes is the derivative of the gate mixture (finite differences)', () => {
  const t = [0.25, 0.5, 0.75];
  const X = [1, 2, 4, 8];
  const slopes = new Float64Array(3);
  for (const s of [0.05, 0.2, 0.25, 0.4, 0.6, 0.9]) {
    const g = gates(s, t, 0.05);
    assert.ok(Math.abs(g.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    gateSlopes(s, t, 0.05, slopes);
    const analytic = slopes.reduce((a, sl, i) => a + sl * (X[i + 1] - X[i]), 0);
    const h = 1e-6;
    const mix = (x: number) => gates(x, t, 0.05).reduce((a, gi, i) => a + gi * X[i], 0);
    const numeric = (mix(s + h) - mix(s - h)) / (2 * h);
    assert.ok(Math.abs(analytic - numeric) < 1e-5 * Math.max(1, Math.abs(numeric)), `s=${s}: ${analytic} vs ${numeric}`);
  }
});

test('fakeQuantAct › clamps to [0, alpha], rounds half up on the grid alpha/(2^b - 1)', () => {
  assert.equal(fakeQuantAct(-1, 3, 4), 0);
  assert.equal(fakeQuantAct(5, 3, 4), 3);
  const s = 1.5 / 15;
  assert.equal(fakeQuantAct(1.04 * s, 1.5, 4), s);
  assert.equal(fakeQuantAct(1.5 * s, 1.5, 4), 2 * s);
  assert.equal(fakeQuantAct(1.49 * s, 1.5, 4), s);
});
