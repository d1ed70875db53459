/**
 * @fileoverview The main job (`npm start`): default NMP-QAT on the Letter data set shipped in tools/data/ — its float
 * phase is the fp32 baseline, exported as the fp32 method exports — then runtime == trainer bit for bit, measurements and
 * the report. Everything a new user needs to see once, with the trainer's defaults only.
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModel } from '../../../formats/read.js';
import { summarizeModel } from '../../../formats/summary.js';
import { writeFileAtomic } from '../../../formats/node-io.js';
import { readCsv, splitDataset } from '../../train/data.js';
import { train, type ExportedModel } from '../../train/index.js';
import { writeReport } from '../../report/build.js';
import type { CommandSpec } from '../args.js';
import { formatBytes, table } from '../format.js';
import { checkDeployment } from '../../pipeline/deploy.js';
import { measureBackends } from '../../pipeline/bench.js';

const LETTER = fileURLToPath(new URL('../../../../tools/data/letter.csv.gz', import.meta.url)); // dist/tools/cli/commands -> repo

export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'The main job: train NMP-QAT (and its fp32 float phase) on the embedded Letter data set, export, verify runtime == trainer, measure, and write the report.',
  positionals: [],
  flags: [
    { name: 'out-dir', type: 'string', help: 'where the models and report go', default: 'nmp-demo' },
    { name: 'seed', type: 'number', help: 'seed', default: 1 },
    { name: 'hidden', type: 'string', help: 'hidden layer widths (quick runs; npm start uses the defaults)' },
    { name: 'float-epochs', type: 'number', help: 'float epochs (quick runs; default by data size)' },
    { name: 'epochs', type: 'number', help: 'quantisation-aware epochs (quick runs; default by data size)' },
  ],
  async run(args) {
    const t0 = performance.now();
    const dir = (args.flags['out-dir'] as string | undefined) ?? 'nmp-demo';
    const seed = (args.flags.seed as number | undefined) ?? 1;
    await mkdir(dir, { recursive: true });
    const ds = await readCsv(LETTER, { target: 'lettr' });
    const split = splitDataset(ds, { seed });
    console.log(`Letter Recognition (UCI): ${ds.rows} rows, ${ds.features} features, ${ds.classes!.length} classes; train/val/test ${split.train.rows}/${split.val.rows}/${split.test.rows}\n`);
    console.log('NMP-QAT with the defaults: float training first (the fp32 baseline), then the allocator gives every neuron its weight and activation width and every input its width from measured sensitivity, within 2 weight / 4 activation bits on average, and quantisation-aware training learns from the float model');
    const quick = {
      ...(args.flags.hidden === undefined ? {} : { hidden: String(args.flags.hidden).split(',').map(Number) }),
      ...(args.flags['float-epochs'] === undefined ? {} : { floatEpochs: args.flags['float-epochs'] as number }),
      ...(args.flags.epochs === undefined ? {} : { epochs: args.flags.epochs as number }),
    };
    const nmp = await train(split, { seed, datasetName: 'letter.csv.gz (UCI Letter Recognition)', progress: process.stdout, ...quick });
    const fp32 = nmp.floatModel!;
    const files: [string, ExportedModel][] = [['letter-nmp.nmp', nmp], ['letter-fp32.nmp', fp32]];
    for (const [name, r] of files) await writeFileAtomic(join(dir, name), r.bytes);
    const check = await checkDeployment(nmp, split.test);
    if (check.mismatches) throw new Error(`runtime and trainer disagree on ${check.mismatches} test outputs - this is a bug`);
    const benches = await measureBackends(nmp.bytes, 1);
    const s = summarizeModel(readModel(nmp.bytes), nmp.bytes.length);
    const report = join(dir, 'report.html');
    await writeReport(report, [{ bytes: nmp.bytes, name: 'NMP-QAT', bench: benches }, { bytes: fp32.bytes, name: 'fp32 (8-bit export)' }], {
      title: 'nmp-edge: NMP-QAT on Letter Recognition', benchSeconds: 0.3,
    });

    const acc = (r: ExportedModel) => (100 * r.metrics.test_accuracy).toFixed(2);
    console.log(`\n== Summary (test split, ${split.test.rows} rows; every metric is the exported integer model run by the runtime)`);
    console.log(table(['model', 'test accuracy %', 'avg weight bits', 'avg act bits', 'file bytes'], [
      ['fp32 (float phase, 8-bit export)', Number(acc(fp32)), Number(fp32.metrics.avg_weight_bits.toFixed(2)), Number(fp32.metrics.avg_act_bits.toFixed(2)), fp32.bytes.length],
      ['NMP-QAT', Number(acc(nmp)), Number(nmp.metrics.avg_weight_bits.toFixed(2)), Number(nmp.metrics.avg_act_bits.toFixed(2)), nmp.bytes.length],
    ]));
    console.log(`\nNMP-QAT model: ${formatBytes(nmp.bytes.length)} against ${formatBytes(s.equivalents.fp32)} as fp32 (${(s.equivalents.fp32 / nmp.bytes.length).toFixed(1)}x smaller) and ${formatBytes(s.equivalents.int8)} as int8 (${(s.equivalents.int8 / nmp.bytes.length).toFixed(1)}x smaller)`);
    console.log(`bit-exact: runtime (${check.backends.join(', ')}) equals the trainer on all ${check.rows * check.outputs} test output accumulators`);
    console.log(table(['backend', 'p50 us', 'p99 us', 'samples/s (batch 256)', 'weights', 'activations', 'arena total', 'linear memory', 'module'],
      benches.map((b) => [b.backend, Number(b.p50us.toFixed(2)), Number(b.p99us.toFixed(2)), Math.round(b.samplesPerSecond), formatBytes(b.memory.weights), formatBytes(b.memory.activations), formatBytes(b.memory.total), formatBytes(b.memory.linearMemory), formatBytes(b.memory.module)])));
    console.log(`\nwrote ${files.map(([n]) => join(dir, n)).join(', ')} and ${report} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  },
};
