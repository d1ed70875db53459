/**
 * @fileoverview `nmp compare data.csv --target COL`: every method on the same split and seed, one table (metric, average
 * weight and activation bits, bytes, latency), the models, and the HTML report.
 */

import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../../../formats/node-io.js';
import { writeReport } from '../../report/build.js';
import { loadModel } from '../../../runtime/index.js';
import { UsageError, type CommandSpec } from '../args.js';
import { table } from '../format.js';
import { benchModel } from '../../pipeline/bench.js';
import { checkDeployment } from '../../pipeline/deploy.js';
import { METHODS } from '../../pipeline/methods.js';
import { trainInWorkers } from '../../pipeline/training.js';
import { availableParallelism } from 'node:os';
import { readModel } from '../../../formats/read.js';
import { describeTask, loadSplit, methodFlag, trainOptionsFromFlags, TRAIN_FLAGS } from './train.js';

export interface CompareRow {
  method: string;
  metricName: string;
  metric: number;
  avgWeightBits: number;
  avgActBits: number;
  bytes: number;
  p50us: number;
  trainSeconds: number;
  file: string;
}

export const compareCommand: CommandSpec = {
  name: 'compare',
  summary: 'Train fp32, the uniform baselines, layer-level and NMP-QAT on the same split and seed; print one table and write the models and an HTML report.',
  positionals: [{ name: 'data', help: 'CSV file (plain or .gz) with a header row' }],
  flags: [
    { name: 'methods', type: 'string', help: 'comma-separated subset of the methods', default: METHODS.join(',') },
    { name: 'out-dir', type: 'string', help: 'directory for the models and report', default: 'nmp-compare' },
    { name: 'jobs', type: 'number', help: 'trainings at a time, one core each (results do not depend on it)', default: 'cores' },
    ...TRAIN_FLAGS,
    { name: 'json', type: 'boolean', help: 'print the table as JSON' },
  ],
  examples: ['nmp compare letter.csv.gz --target lettr', 'nmp compare data.csv --target y --methods fp32,uniform:2,nmp --epochs 10'],
  async run(args) {
    const f = args.flags;
    const methods = String(f.methods ?? METHODS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
    if (!methods.length) throw new UsageError('--methods is empty');
    methods.forEach(methodFlag);
    const options = trainOptionsFromFlags(f);
    const dir = (f['out-dir'] as string | undefined) ?? 'nmp-compare';
    const { ds, split } = await loadSplit(args.positionals[0], f);
    await mkdir(dir, { recursive: true });
    const rows: CompareRow[] = [];
    const models: { path: string; bytes: Uint8Array; name: string }[] = [];
    const jobs = (f.jobs as number | undefined) ?? Math.min(availableParallelism(), methods.length);
    if (!(Number.isInteger(jobs) && jobs >= 1)) throw new UsageError(`--jobs must be a positive integer, got ${jobs}`);
    console.error(`training ${methods.join(', ')} on ${split.train.rows} rows, ${describeTask(ds, f.task !== undefined)}, ${jobs} at a time`);
    const trained = await trainInWorkers(split, methods, { ...options, datasetName: basename(ds.source) }, jobs, (method, line) => process.stderr.write(`[${method}] ${line}`));
    for (const t of trained) {
      for (const w of t.warnings) console.error(`[${t.method}] warning: ${w}`);
      const result = { model: readModel(t.bytes), bytes: t.bytes };
      const check = await checkDeployment(result, split.test);
      if (check.mismatches) throw new Error(`${t.method}: runtime and trainer disagree on ${check.mismatches} test outputs - this is a bug`);
      const file = join(dir, `${t.method.replace(/[:.]/g, '_')}.nmp`);
      await writeFileAtomic(file, result.bytes);
      const rt = await loadModel(result.bytes);
      const b = benchModel(rt, 0.3);
      rt.dispose();
      const cls = ds.task === 'classification';
      rows.push({
        method: t.method, metricName: cls ? 'test_accuracy' : 'test_mse', metric: t.metrics[cls ? 'test_accuracy' : 'test_mse'],
        avgWeightBits: t.metrics.avg_weight_bits, avgActBits: t.metrics.avg_act_bits, bytes: result.bytes.length,
        p50us: b.p50us, trainSeconds: t.seconds, file,
      });
      models.push({ path: file, bytes: result.bytes, name: t.method });
    }
    // NMP first: the report highlights and re-runs the first model.
    models.sort((a, b) => Number(b.name === 'nmp') - Number(a.name === 'nmp'));
    const reportPath = join(dir, 'report.html');
    await writeReport(reportPath, models, { title: `nmp compare: ${basename(ds.source)}`, benchSeconds: 0.3 });
    if (f.json) return void console.log(JSON.stringify({ dataset: ds.source, rows, report: reportPath }, null, 2));
    console.log(table(
      ['method', rows[0].metricName, 'avg w bits', 'avg act bits', 'bytes', 'p50 us', 'train s'],
      rows.map((r) => [r.method, Number(r.metric.toFixed(4)), Number(r.avgWeightBits.toFixed(2)), Number(r.avgActBits.toFixed(2)), r.bytes, Number(r.p50us.toFixed(2)), Number(r.trainSeconds.toFixed(1))]),
    ));
    console.log(`\nmodels in ${dir}/, report ${reportPath}`);
  },
};
