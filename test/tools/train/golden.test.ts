/**
 * @fileoverview Golden results of the trainer: tiny seeded runs of every method and code path whose exported models,
 * metrics and per-epoch losses must stay bit-identical. Benchmark records were made with this trainer, so a speed-up
 * that changes one bit of one model is a regression. The digests were recorded after the merge of the speed work, with
 * the dataset name fixed; the same 14 runs gave identical models, float models, metrics and epoch records from the
 * trainer before the speed work (cb96374). A deliberate change of results must record them again and say so.
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
// datasetName: the file's path would otherwise go into the model's provenance, and the digests with it (a clone elsewhere failed).
const BASE: TrainOptions = { hidden: [24, 16], floatEpochs: 2, epochs: 2, batchSize: 32, seed: 7, createdAt: '2026-01-01T00:00:00.000Z', datasetName: 'letter' };

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
  'nmp': '8ea79ecde432987dfc4edae350671780',
  'nmp js kernels': '8ea79ecde432987dfc4edae350671780',
  'nmp progressive': 'd9383af88be030006ad2b97654bc6105',
  'nmp no float phase': '607eefa85de073320d151e9bc474aaf9',
  'nmp weights only': '11666aa9aca973b5da5dab06ebf1f816',
  'nmp hgq': 'd33df32dd55f8782dbeb99410a0e8e4e',
  'layer': '95657af66f26c49e820334efae3e3550',
  'uniform:1': '3255c309869e7ba85ac222ac1dd0cce8',
  'uniform:1.58': '2f3a37bf3c19d82469f091aa19181f13',
  'uniform:2 sgd decay': '91ba28c3ca26c794ca5eb6ca7115dd2b',
  'fp32': 'd1fcc5d0b53417819789189a30d32698',
  'nmp-paper': 'faead030ce7e0e3739c21f815d670f22',
  'nmp-paper clip': '5221b67fedd90d99821ebf82ef7e5202',
  'regression nmp': 'd7b09037344054598bb29c5587ae9318',
};

for (const [name, data, options] of RUNS) {
  test(`golden › ${name}`, async () => {
    const res = await train(data, { ...BASE, ...options });
    assert.equal(digest(res), GOLDEN[name], `${name}: results differ from the recorded ones`);
  });
}
