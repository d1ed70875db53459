/**
 * @fileoverview Golden results of the trainer: tiny seeded runs of every method and code path whose exported models,
 * metrics and per-epoch losses must stay bit-identical. Benchmark records were made with this trainer, so a speed-up
 * that changes one bit of one model is a regression. The digests were recorded from commit b02a8fc (before the
 * speed work); a deliberate change of results must record them again and say so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsv, splitDataset } from '../../../tools/train/data.js';
import { train, type TrainOptions, type TrainResult } from '../../../tools/train/index.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const LETTER = join(ROOT, 'tools/data/letter.csv.gz');
const SPLIT = { seed: 5, valFraction: 0.15, testFraction: 0.15 };
const letter = splitDataset(await readCsv(LETTER, { target: 'lettr', maxRows: 300 }), SPLIT);
const boxes = splitDataset(await readCsv(LETTER, { target: ['x.box', 'y.box'], exclude: ['lettr'], maxRows: 300 }), SPLIT);
const BASE: TrainOptions = { hidden: [24, 16], floatEpochs: 2, epochs: 2, batchSize: 32, seed: 7, createdAt: '2026-01-01T00:00:00.000Z' };

/** Name, data and options of each golden run: every method, both allocators and allocations, the optimiser branches. */
const RUNS: Array<[string, typeof letter, TrainOptions]> = [
  ['nmp', letter, {}],
  ['nmp js kernels', letter, { useWasm: false }],
  ['nmp progressive', letter, { allocation: 'progressive', epochs: 3 }],
  ['nmp no float phase', letter, { floatEpochs: 0 }],
  ['nmp weights only', letter, { quantizeActivations: false }],
  ['nmp hgq', letter, { allocator: 'hgq', epochs: 3 }],
  ['layer', letter, { method: 'layer' }],
  ['uniform:1', letter, { method: 'uniform', uniformBits: 1 }],
  ['uniform:1.58', letter, { method: 'uniform', uniformBits: 1.58 }],
  ['uniform:2 sgd decay', letter, { method: 'uniform', uniformBits: 2, optimizer: 'sgd', weightDecay: 1e-3 }],
  ['fp32', letter, { method: 'fp32' }],
  ['nmp-paper', letter, { method: 'nmp-paper', epochs: 3, targetBits: 3 }],
  ['nmp-paper clip', letter, { method: 'nmp-paper', epochs: 3, actScale: 'clip', prune: true }],
  ['regression nmp', boxes, { distill: 0.3 }],
];

/** SHA-256 of the model file, the float phase's model, the metrics and every epoch record but its timings. */
function digest(res: TrainResult): string {
  const h = createHash('sha256');
  h.update(res.bytes);
  if (res.floatModel) h.update(res.floatModel.bytes);
  const epochs = [...(res.log.float?.epochs ?? []), ...res.log.epochs].map(({ seconds: _s, samplesPerSecond: _r, ...rest }) => rest);
  h.update(JSON.stringify({ metrics: res.metrics, epochs, warnings: res.log.warnings }));
  return h.digest('hex').slice(0, 32);
}

const GOLDEN: Record<string, string> = {
  'nmp': 'bc8c9eb2eb8cf8022b1b9f722d27b6ad',
  'nmp js kernels': 'bc8c9eb2eb8cf8022b1b9f722d27b6ad',
  'nmp progressive': 'f230cc15992eb22afafe09a3bf606e57',
  'nmp no float phase': '7f994b32e20f9e3a934163a7b8d2d5ca',
  'nmp weights only': 'e169f1b7c15edf15f7e72dc3e886d8eb',
  'nmp hgq': 'd49c1a01b0414143bf6a786de83a0ae1',
  'layer': '7a573cf4d6c904f7032944f98cf60bcf',
  'uniform:1': 'b5f5a99bfda9d82cb1608057b65db3d9',
  'uniform:1.58': 'b2e8196600a043156d3c49b0330e9534',
  'uniform:2 sgd decay': '130d15d469cb093459636516514dfc0e',
  'fp32': '7138fcf8a0c44ad48f24f69816ac01dc',
  'nmp-paper': '146ba7cea3aad6160c4c13ce5ad5bc44',
  'nmp-paper clip': '085b8b96ad20c7459febad48fc5f65d7',
  'regression nmp': 'ea0696bbc803b8f95ad5c71cd0d3df88',
};

for (const [name, data, options] of RUNS) {
  test(`golden › ${name}`, async () => {
    const res = await train(data, { ...BASE, ...options });
    assert.equal(digest(res), GOLDEN[name], `${name}: results differ from the recorded ones`);
  });
}
