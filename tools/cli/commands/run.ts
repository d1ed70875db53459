/** @fileoverview `nmp run model.nmp data.csv`: predictions as CSV on stdout, through the WASM runtime. */

import type { CommandSpec } from '../args.js';
import { readFeatureCsv, readModelArg, runtimeFor } from '../data.js';
import { backendFlag } from './eval.js';
import { argmax } from '../../../formats/reference/forward.js';

export const runCommand: CommandSpec = {
  name: 'run',
  summary: "Predict every row of a CSV file and print the predictions as CSV on stdout ('-' reads stdin).",
  positionals: [{ name: 'model', help: 'model file (.nmp)' }, { name: 'data', help: "CSV with the model's feature columns (others ignored); '-' for stdin" }],
  flags: [
    { name: 'backend', type: 'string', help: 'auto, simd or scalar', default: 'auto' },
    { name: 'scores', type: 'boolean', help: 'classification: also print every output score' },
  ],
  examples: ['nmp run model.nmp new.csv > predictions.csv', 'cat new.csv | nmp run model.nmp -'],
  async run(args) {
    const m = await readModelArg(args.positionals[0]);
    const { rows, x } = await readFeatureCsv(args.positionals[1], m.decoded);
    const rt = await runtimeFor(m, backendFlag(args.flags.backend));
    const names = m.decoded.meta.outputNames, O = names.length;
    const y = rt.predictBatch(x, rows);
    rt.dispose();
    const lines: string[] = [];
    const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    if (m.decoded.meta.task === 'classification') {
      lines.push(['prediction', ...(args.flags.scores ? names.map((n) => `score_${n}`) : [])].map(csvCell).join(','));
      for (let r = 0; r < rows; r++) {
        const best = argmax(y.subarray(r * O, r * O + O));
        lines.push([csvCell(names[best]), ...(args.flags.scores ? Array.from(y.subarray(r * O, r * O + O), String) : [])].join(','));
      }
    } else {
      lines.push(names.map(csvCell).join(','));
      for (let r = 0; r < rows; r++) lines.push(Array.from(y.subarray(r * O, r * O + O), String).join(','));
    }
    process.stdout.write(lines.join('\n') + '\n');
  },
};
