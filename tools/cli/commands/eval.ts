/** @fileoverview `nmp eval model.nmp data.csv`: scores the integer model as the runtime executes it. */

import { UsageError, type CommandSpec } from '../args.js';
import { readLabelledCsv, readModelArg, runtimeFor } from '../data.js';
import { table } from '../format.js';
import { classificationReport, regressionReport } from '../../train/metrics.js';

export const evalCommand: CommandSpec = {
  name: 'eval',
  summary: 'Score a model on a labelled CSV file (accuracy, macro-F1 and confusion matrix, or MSE/MAE per target), run through the WASM runtime.',
  positionals: [{ name: 'model', help: 'model file (.nmp)' }, { name: 'data', help: "CSV file (plain or .gz) with a header row; '-' reads stdin" }],
  flags: [
    { name: 'target', type: 'string', help: 'label column (classification; default: the one recorded in the model)' },
    { name: 'backend', type: 'string', help: 'auto, simd or scalar', default: 'auto' },
    { name: 'json', type: 'boolean', help: 'print JSON' },
  ],
  examples: ['nmp eval model.nmp test.csv', 'nmp eval model.nmp test.csv --target lettr --json'],
  async run(args) {
    const m = await readModelArg(args.positionals[0]);
    const data = await readLabelledCsv(args.positionals[1], m.decoded, args.flags.target as string | undefined);
    const rt = await runtimeFor(m, backendFlag(args.flags.backend));
    const O = rt.info.outputs;
    const y = rt.predictBatch(data.x, data.rows);
    rt.dispose();
    if (m.decoded.meta.task === 'classification') {
      const rep = classificationReport(data.labels!, y, O);
      if (args.flags.json) return void console.log(JSON.stringify({ rows: data.rows, backend: rt.info.backend, ...rep }, null, 2));
      console.log(`${data.rows} rows, backend ${rt.info.backend}: accuracy ${rep.accuracy.toFixed(4)}, macro-F1 ${rep.f1Macro.toFixed(4)}${rep.unknownLabels ? ` (${rep.unknownLabels} rows with labels the model does not know were skipped)` : ''}`);
      const names = m.decoded.meta.outputNames;
      if (O <= 30) {
        console.log('\nconfusion matrix (rows: true label, columns: predicted)');
        console.log(table(['', ...names], rep.confusion.map((row, i) => [names[i], ...row])));
      }
    } else {
      const rep = regressionReport(data.targets!, y, m.decoded.meta.outputNames);
      if (args.flags.json) return void console.log(JSON.stringify({ rows: data.rows, backend: rt.info.backend, ...rep }, null, 2));
      console.log(`${data.rows} rows, backend ${rt.info.backend}: MSE ${rep.mse.toPrecision(5)}, MAE ${rep.mae.toPrecision(5)}`);
      console.log(table(['target', 'MSE', 'MAE'], rep.perTarget.map((t) => [t.name, Number(t.mse.toPrecision(5)), Number(t.mae.toPrecision(5))])));
    }
  },
};

export function backendFlag(v: unknown): 'auto' | 'simd' | 'scalar' {
  if (v === undefined) return 'auto';
  if (v === 'auto' || v === 'simd' || v === 'scalar') return v;
  throw new UsageError(`--backend must be auto, simd or scalar, got '${String(v)}'`);
}
