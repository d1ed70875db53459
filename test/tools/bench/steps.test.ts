/** @fileoverview Smoke test of the contract-step timings: every pair runs and yields finite times (no timing assertions). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSteps } from '../../../tools/bench/steps.js';

test('steps › one round of every pair: packing, requantisation, dequantisation, arg-max', () => {
  const rows = runSteps(1);
  assert.ok(rows.length >= 14);
  for (const r of rows) assert.ok(r.aUs > 0 && r.bUs > 0 && Number.isFinite(r.ratio), JSON.stringify(r));
});
