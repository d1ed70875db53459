/**
 * @fileoverview `nmp bench model.nmp`: batch-1 latency (p50/p99) and batch-256 throughput per backend on this host,
 * with the model's exact memory, as measured by tools/pipeline/bench.ts.
 */

import type { CommandSpec } from '../args.js';
import { readModelArg } from '../data.js';
import { formatBytes, table } from '../format.js';
import { measureBackends } from '../../pipeline/bench.js';

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'Measure a model on this host: p50/p99 latency at batch 1, samples/s at batch 256, per backend, and its exact memory.',
  positionals: [{ name: 'model', help: 'model file (.nmp)' }],
  flags: [
    { name: 'seconds', type: 'number', help: 'time per backend', default: 2 },
    { name: 'json', type: 'boolean', help: 'print JSON' },
  ],
  examples: ['nmp bench model.nmp', 'nmp bench model.nmp --seconds 5 --json'],
  async run(args) {
    const m = await readModelArg(args.positionals[0]);
    const seconds = (args.flags.seconds as number | undefined) ?? 2;
    const results = await measureBackends(m.bytes, seconds);
    if (args.flags.json) return void console.log(JSON.stringify({ model: m.path, node: process.version, results }, null, 2));
    console.log(`${m.path}: ${m.bytes.length} bytes on ${process.version} (${process.platform}/${process.arch})`);
    console.log(table(
      ['backend', 'p50 us', 'p99 us', 'samples/s (batch 256)', 'weights', 'activations', 'other arena', 'linear memory', 'module'],
      results.map((b) => [b.backend, Number(b.p50us.toFixed(2)), Number(b.p99us.toFixed(2)), Math.round(b.samplesPerSecond),
        formatBytes(b.memory.weights), formatBytes(b.memory.activations), formatBytes(b.memory.total - b.memory.weights - b.memory.activations),
        formatBytes(b.memory.linearMemory), formatBytes(b.memory.module)]),
    ));
  },
};
