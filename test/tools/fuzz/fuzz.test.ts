/**
 * @fileoverview 20,000 fuzzed files through every reader (tools/fuzz): no crash, hang or trap, one verdict (code and byte
 * offset) everywhere, bit-identical outputs for accepted files; and the mutator reaches the body's rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from '../../../tools/fuzz/fuzz.js';

const SEED = process.env.SEED ? Number(process.env.SEED) : 1;

test(`fuzz › 20,000 files of seed ${SEED}: 0 crashes, hangs, disagreements and output mismatches`, { timeout: 300_000 }, async (t) => {
  const s = await runFuzz({ seed: SEED, count: 20_000 });
  t.diagnostic(`${s.files} files in ${s.seconds.toFixed(1)} s, ${s.accepted} accepted; ${JSON.stringify(s.codes)}`);
  const detail = s.failures.slice(0, 5).map((f) => `${f.kind} at file ${f.index} (re-run with SEED=${SEED}): ${f.detail}`);
  assert.deepEqual({ crashes: s.crashes, hangs: s.hangs, disagreements: s.disagreements, mismatches: s.mismatches }, { crashes: 0, hangs: 0, disagreements: 0, mismatches: 0 }, detail.join('\n'));
  // The mutations reach past the checksum into every kind of body rule, and some files stay valid.
  assert.ok(s.accepted >= 200, `${s.accepted} accepted files`);
  for (const c of ['E_MSGPACK', 'E_TYPE', 'E_LIMIT', 'E_SHAPE', 'E_BITWIDTH', 'E_LENGTH', 'E_PADDING', 'E_VALUE', 'E_ACC_OVERFLOW', 'E_CHECKSUM']) {
    assert.ok((s.codes[c] ?? 0) > 0, `no fuzzed file produced ${c}`);
  }
});
