/** @fileoverview `nmp report model.nmp [more] -o report.html`: one self-contained HTML file with the plots and tables. */

import { readFile } from 'node:fs/promises';
import { readModel } from '../../../formats/read.js';
import { writeReport } from '../../report/build.js';
import { UsageError, type CommandSpec } from '../args.js';

export const reportCommand: CommandSpec = {
  name: 'report',
  summary: 'Write a self-contained HTML report (inline SVG, no network) of one or more models: bit-widths per layer and per neuron, metric against bytes, latency and memory.',
  positionals: [{ name: 'models', help: 'model files (.nmp); the first is re-run in the page as a bit-exactness check', variadic: true }],
  flags: [
    { name: 'output', alias: 'o', type: 'string', help: 'HTML file to write', default: 'report.html' },
    { name: 'title', type: 'string', help: 'page title' },
    { name: 'no-bench', type: 'boolean', help: 'skip the latency measurement' },
  ],
  examples: ['nmp report model.nmp -o report.html', 'nmp report nmp.nmp fp32.nmp uniform2.nmp -o compare.html'],
  async run(args) {
    if (args.positionals.length === 0) throw new UsageError("'nmp report' needs at least one model file");
    const out = (args.flags.output as string | undefined) ?? 'report.html';
    const models = [];
    for (const path of args.positionals) {
      const bytes = new Uint8Array(await readFile(path));
      readModel(bytes); // a clear error for a bad file before any work
      models.push({ path, bytes });
    }
    await writeReport(out, models, { title: args.flags.title as string | undefined, benchSeconds: args.flags['no-bench'] ? 0 : 0.5 });
    console.log(`wrote ${out}`);
  },
};
