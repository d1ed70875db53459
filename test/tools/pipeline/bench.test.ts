/** @fileoverview Model benchmarking returns one well-formed row per backend (no timing assertions: the VM is shared). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { measureBackends } from '../../../tools/pipeline/bench.js';
import { testdataDir } from '../../support/paths.js';

test('bench › measureBackends: simd then scalar, latency, rate and exact memory', async () => {
  const bytes = new Uint8Array(readFileSync(`${testdataDir}mlp-mixed.nmp`));
  const rows = await measureBackends(bytes, 0.05);
  assert.deepEqual(rows.map((r) => r.backend), ['simd', 'scalar']);
  for (const r of rows) {
    assert.ok(r.p50us > 0 && r.p99us >= r.p50us && r.samplesPerSecond > 0, JSON.stringify(r));
    assert.ok(r.memory.total > r.memory.weights && r.memory.module > 0);
  }
});
