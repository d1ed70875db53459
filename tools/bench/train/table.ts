/**
 * @fileoverview Accuracy table of NMP-QAT against the baselines on one data set and split (issue #4): every row is an
 * exported model scored by the integer forward pass. Run: `node dist/tools/bench/train/table.js [letter|covertype] [epochs] [rows]`.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readCsv, splitDataset, type Split } from '../../train/data.js';
import { train, type TrainOptions } from '../../train/index.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export const TABLE_RUNS: Array<[string, TrainOptions]> = [
  ['fp32 (exported 8w/16a PTQ)', { method: 'fp32' }],
  ['uniform 1-bit, 8-bit act', { method: 'uniform', uniformBits: 1 }],
  ['uniform 1.58-bit, 8-bit act', { method: 'uniform', uniformBits: 1.58 }],
  ['uniform 2-bit, 8-bit act', { method: 'uniform', uniformBits: 2 }],
  ['uniform 4-bit, 8-bit act', { method: 'uniform', uniformBits: 4 }],
  ['uniform 8-bit, 8-bit act', { method: 'uniform', uniformBits: 8 }],
  ['layer-level w+a, budget 2.0/6.0', { method: 'layer', lrStrength: 0.005, targetBits: 2.0, targetActBits: 6 }],
  ['NMP weights-only (paper menu, no budget)', { method: 'nmp', quantizeActivations: false }],
  ['NMP w+a (paper menu, no budget)', { method: 'nmp' }],
  ['NMP w+a {1,2,4,8}, budget 2.0/6.0', { method: 'nmp', lrStrength: 0.005, targetBits: 2.0, targetActBits: 6 }],
  ['NMP w+a {2,4,8}, budget 2.4/6.0', { method: 'nmp', lrStrength: 0.005, targetBits: 2.4, targetActBits: 6, weightBitsMenu: [2, 4, 8] }],
  ['NMP w+a {1,2,4,8}, no freeze (paper-literal), budget 2.0/6.0', { method: 'nmp', lrStrength: 0.005, targetBits: 2.0, targetActBits: 6, freezeAt: null }],
];

export async function loadSplit(name: string, rows?: number): Promise<Split> {
  if (name === 'letter') {
    return splitDataset(await readCsv(join(ROOT, 'tools/data/letter.csv.gz'), { target: 'lettr' }), { seed: 1 });
  }
  const path = join(ROOT, '../shared/datasets/covertype/covtype.csv.gz');
  // Whole file read (581k rows, ~4 s, ~270 MB RSS), then a seeded random subset: the file order is not random.
  const ds = await readCsv(path, { target: 'Cover_Type' });
  return splitDataset(ds, { seed: 1, maxRows: rows });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const name = process.argv[2] ?? 'letter';
  const epochs = Number(process.argv[3] ?? 30);
  const rows = process.argv[4] ? Number(process.argv[4]) : undefined;
  const only = process.argv[5] ? process.argv[5].split(',').map(Number) : null;
  const split = await loadSplit(name, rows);
  console.log(`| ${name} (${split.train.rows}/${split.val.rows}/${split.test.rows} rows), ${epochs} epochs | test acc | val acc | float val acc | avg w bits | avg a bits | bytes | s |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [i, [label, o]] of TABLE_RUNS.entries()) {
    if (only && !only.includes(i)) continue;
    const t0 = performance.now();
    const res = await train(split, { epochs, patience: 10, ...o, datasetName: name });
    const m = res.metrics;
    const fv = res.log.epochs.find((e) => e.epoch === res.log.bestEpoch)?.val ?? NaN;
    console.log(`| ${label} | ${(100 * m.test_accuracy).toFixed(2)} | ${(100 * m.val_accuracy).toFixed(2)} | ${(100 * fv).toFixed(2)} | ${m.avg_weight_bits.toFixed(2)} | ${m.avg_act_bits.toFixed(2)} | ${m.model_bytes} | ${((performance.now() - t0) / 1000).toFixed(0)} |`);
  }
}
