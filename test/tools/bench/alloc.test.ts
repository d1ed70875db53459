/** @fileoverview bench:alloc without training: its float-phase cache round-trips, and the report's statistics and verdicts from synthetic records. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AllocRecord } from '../../../tools/bench/alloc/configs.js';
import { meanCi, paired, writeAllocation } from '../../../tools/bench/alloc/report.js';
import { loadFloatPhase, saveFloatPhase } from '../../../tools/bench/alloc/run.js';

const dir = await mkdtemp(join(tmpdir(), 'nmp-alloc-'));

test('alloc › a cached float phase comes back as float32 arrays equal to the ones saved', async () => {
  const phase = { key: '{"k":1}', snapshot: [Float32Array.of(1.5, -2, 3e-7), Float32Array.of(0)], epochs: [], bestEpoch: 4 };
  await saveFloatPhase(join(dir, 'a', 'fp32.s1.float'), phase);
  const back = await loadFloatPhase(join(dir, 'a', 'fp32.s1.float'));
  assert.equal(back.key, phase.key);
  assert.equal(back.bestEpoch, 4);
  back.snapshot.forEach((a, i) => { assert.ok(a instanceof Float32Array); assert.deepEqual(a, phase.snapshot[i]); });
});

test('alloc › mean and 95 % interval (Student t), paired differences by seed', () => {
  const m = meanCi([1, 2, 3, 4, 5]);
  assert.equal(m.mean, 3);
  assert.ok(Math.abs(m.ci - 2.776 * Math.sqrt(2.5 / 5)) < 1e-9);
  const cell = (seeds: number[], metric: number[]) => ({ seeds, metric, bytes: [], w: [], a: [], input: [], seconds: [], exact: true });
  const p = paired(cell([1, 2, 3], [90, 91, 92]), cell([3, 2, 1], [91, 91, 91]))!;
  assert.deepEqual([p.diff.mean, p.wins, p.ties, p.losses], [0, 1, 1, 1]);
});

test('alloc › the report: per-method rows, equal-bytes verdicts and the targets', async () => {
  const rec = (config: string, seed: number, acc: number, bytes: number, w: number): AllocRecord => ({
    dataset: 'letter', config, seed, commit: 'test', options: {}, resolved: '{}', rows: { train: 1, val: 1, test: 1 }, seconds: 1,
    trainer: { test_accuracy: acc, avg_weight_bits: w, avg_act_bits: 4, avg_input_bits: 8, model_bytes: bytes }, runtimeEqualsTrainer: true, warnings: [],
  });
  const records: AllocRecord[] = [];
  for (const seed of [1, 2, 3]) {
    records.push(rec('fp32', seed, 0.97, 87000, 8), rec('uniform1', seed, 0.95, 21000, 1), rec('nmp-bytes1', seed, 0.955 + seed / 1000, 21000, 1));
    records.push(rec('uniform2', seed, 0.96, 30500, 2), rec('nmp-bytes2', seed, 0.955, 30500, 2), rec('nmp-w2', seed, 0.962, 30500, 2));
  }
  const out = join(dir, 'ALLOCATION.md');
  await writeAllocation(records, out);
  const md = await readFile(out, 'utf8');
  assert.match(md, /\| Letter: NMP on or above uniform 1-bit at equal bytes \| 0\.70 points \(3\/0\/0\) \| >= 0, or tie within 0\.3 of fp32 \| PASS \|/);
  assert.match(md, /\| Letter: NMP on or above uniform 2-bit at equal bytes \| -0\.50 points \(0\/0\/3\) \| >= 0, or tie within 0\.3 of fp32 \| MISS \|/);
  assert.match(md, /\| Letter: NMP at <= 2\.0 weight bits, <= 4 activation bits \| 96\.20 ± 0\.00 at 2\.00 \/ 4\.00 bits \| >= 95\.8 \| PASS \|/);
  assert.match(md, /!\[Letter: accuracy against bytes\]\(figures\/alloc-letter\.svg\)/);
});
