/** @fileoverview `nmp inspect model.nmp`: metadata, layers, where the bits went, bytes by part, provenance and stored metrics. */

import { readFile } from 'node:fs/promises';
import { readModel } from '../../../formats/read.js';
import { summarizeModel } from '../../../formats/summary.js';
import { listCategories } from '../../../formats/categories.js';
import type { CommandSpec } from '../args.js';
import { formatBytes, formatHistogram, table } from '../format.js';

export const inspectCommand: CommandSpec = {
  name: 'inspect',
  summary: 'Show a model: metadata, layers, per-layer bit-width histograms, bytes by part, and the provenance and metrics stored at training time.',
  positionals: [{ name: 'model', help: 'model file (.nmp)' }],
  flags: [{ name: 'json', type: 'boolean', help: 'print JSON instead of text' }],
  examples: ['nmp inspect model.nmp', 'nmp inspect model.nmp --json | jq .summary.avgWeightBits'],
  async run(args) {
    const path = args.positionals[0];
    const bytes = new Uint8Array(await readFile(path));
    const model = readModel(bytes);
    const s = summarizeModel(model, bytes.length);
    if (args.flags.json) {
      console.log(JSON.stringify({ file: path, version: model.version, requires: model.requires, meta: model.meta, summary: s }, null, 2));
      return;
    }
    const { meta } = model;
    const p = meta.provenance;
    const outputs = meta.outputNames;
    console.log(`${path}: nmp-edge model v${model.version}, ${formatBytes(bytes.length)}, checksum ok`);
    console.log(`task       ${meta.task}: ${meta.featureNames.length} features -> ${outputs.length} outputs (${outputs.slice(0, 8).join(', ')}${outputs.length > 8 ? ', ...' : ''})`);
    if (meta.categories?.length) {
      // The raw columns the model encodes itself (SPEC §3.7): nmp run and the host API take their text.
      console.log(`raw input  ${meta.categories.map((c) => `${c.column} (${c.encoding === 'one_hot' ? 'one-hot' : 'ordinal'}: ${listCategories(c.values)})`).join('; ')}; unknown categories are refused`);
    }
    console.log(`trained    method ${p.method} on ${p.dataset}, seed ${p.seed ?? 'n/a'}, ${p.createdAt} by ${p.tool}`);
    const metrics = Object.entries(p.metrics);
    if (metrics.length) console.log(`metrics    ${metrics.map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`).join(', ')}  (of this integer model)`);
    console.log('');
    console.log(table(
      ['layer', 'shape', 'weight bits', 'avg w', 'activation bits', 'avg a', 'weight bytes'],
      s.layers.map((l) => [l.index, `${l.inFeatures}x${l.outFeatures}`, formatHistogram(l.weightBitsHistogram), l.avgWeightBits.toFixed(2),
        l.actBitsHistogram ? formatHistogram(l.actBitsHistogram) : 'int32 out', l.avgActBits === null ? '-' : l.avgActBits.toFixed(2), l.weightBytes]),
    ));
    console.log('');
    console.log(`average    ${s.avgWeightBits.toFixed(3)} weight bits${s.avgActBits === null ? '' : `, ${s.avgActBits.toFixed(3)} activation bits`}; ${s.prunedNeurons} pruned neurons; ${s.parameters.weights} weights + ${s.parameters.biases} biases`);
    const b = s.bytes;
    console.log(`bytes      ${b.total} = weights ${b.weights} + per-neuron params ${b.perNeuron} + quantisers ${b.quantizers} + metadata/framing ${b.framing}`);
    console.log(`vs         fp32 ${formatBytes(s.equivalents.fp32)} (${(s.equivalents.fp32 / b.total).toFixed(1)}x larger), int8 ${formatBytes(s.equivalents.int8)} (${(s.equivalents.int8 / b.total).toFixed(1)}x larger)`);
  },
};
