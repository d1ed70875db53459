/** @fileoverview Training in worker threads: results in method order, the same bytes whatever the number of jobs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCsv, splitDataset } from '../../../tools/train/data.js';
import { startTraining, trainInWorkers } from '../../../tools/pipeline/training.js';
import { repoRoot } from '../../support/paths.js';

const ds = await readCsv(`${repoRoot}tools/data/letter.csv.gz`, { target: 'lettr', maxRows: 1500 });
const split = splitDataset(ds, { seed: 2 });
const options = { hidden: [16], epochs: 2, seed: 2, createdAt: '2026-01-01T00:00:00.000Z' };

test('training › trainInWorkers: method order kept, bytes independent of jobs', async () => {
  const methods = ['uniform:2', 'fp32'];
  const lines: string[] = [];
  const progress = (method: string, line: string) => lines.push(`[${method}] ${line}`);
  const [one, two] = [await trainInWorkers(split, methods, options, 1, progress), await trainInWorkers(split, methods, options, 2, progress)];
  assert.deepEqual(one.map((r) => r.method), methods);
  for (const m of methods) assert.ok(lines.some((l) => l.startsWith(`[${m}] best epoch`)), `progress of ${m}`);
  for (let i = 0; i < methods.length; i++) assert.deepEqual(two[i].bytes, one[i].bytes, methods[i]);
  assert.ok(one.every((r) => r.metrics.test_accuracy > 0 && r.seconds > 0));
});

test('training › startTraining: progress lines reach the caller, a failing run rejects', async () => {
  const lines: string[] = [];
  const r = await startTraining(split, { ...options, method: 'fp32' }, (l) => lines.push(l)).done;
  assert.ok(lines.some((l) => /epoch/.test(l)), lines.join(''));
  assert.ok(r.epochsRun >= 1 && r.bytes.length > 0);
  await assert.rejects(startTraining(split, { ...options, inputBits: 1 }, () => {}).done, /inputBits must be 2..16/);
});
