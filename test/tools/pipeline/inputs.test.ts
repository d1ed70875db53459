/** @fileoverview Seeded inputs: the same seed gives the same values; probe inputs saturate and hit rounding ties. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeInputs, uniformInputs } from '../../../tools/pipeline/inputs.js';
import { quantizeInputValue } from '../../../formats/reference/arith.js';

test('inputs › uniformInputs: seeded, within [-2, 2)', () => {
  const a = uniformInputs(256, 7, 1);
  assert.equal(a.length, 256 * 7);
  assert.deepEqual(a, uniformInputs(256, 7, 1));
  assert.notDeepEqual(a, uniformInputs(256, 7, 2));
  assert.ok(a.every((v) => v >= -2 && v < 2));
});

test('inputs › probeInputs: seeded; some codes saturate, some real values sit exactly on a rounding tie', () => {
  const input = { bits: Uint8Array.of(2, 8, 16), center: Float64Array.of(0, -3.5, 100), gain: Float64Array.of(1, 4, 0.5) };
  const rows = probeInputs(input, 400, 2026);
  assert.deepEqual(rows, probeInputs(input, 400, 2026));
  let saturated = 0, ties = 0;
  for (const x of rows) {
    for (let i = 0; i < 3; i++) {
      const qmax = 2 ** (input.bits[i] - 1) - 1;
      const t = (x[i] - input.center[i]) * input.gain[i];
      if (Math.abs(quantizeInputValue(x[i], input.center[i], input.gain[i], input.bits[i])) === qmax && Math.abs(t) > qmax + 1) saturated++;
      if (t - Math.floor(t) === 0.5) ties++;
    }
  }
  const n = rows.length * 3;
  assert.ok(saturated > 0.05 * n && saturated < 0.2 * n, `saturated ${saturated} of ${n}`);
  assert.ok(ties > 0.05 * n, `ties ${ties} of ${n}`);
});
