/**
 * @fileoverview The server half of `npm run bench:serve`, in its own process so that its one thread and its CPU time
 * are its own: the service (tools/serve) on node:http with either the real 54-256-256-7 model or a constant model of
 * the same shape (answers without inference: the baseline that isolates what inference costs in the same server).
 *
 * `plain` is no service at all: node:http reading the body and answering a fixed JSON reply, the floor any Node
 * HTTP service stands on.
 *
 *   node serve-server.js <model.nmp> real|constant|plain <maxBatchRows> <batchWindowMs>
 */

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { readModel } from '../../formats/read.js';
import { loadModel, type Model } from '../../runtime/index.js';
import { listenNode } from '../serve/node.js';
import { contentHash, type ServedModel } from '../serve/registry.js';
import { Service } from '../serve/service.js';

/** The real model's info and memory, but predictBatch copies one fixed output row: no quantisation, no WASM. */
export function constantModel(real: Model): ServedModel {
  const O = real.info.outputs;
  const row = real.predict(new Float32Array(real.info.features));
  return {
    info: real.info,
    memory: () => real.memory(),
    dispose: () => real.dispose(),
    get disposed() { return real.disposed; },
    predictBatch(_x: ArrayLike<number>, n: number) {
      const y = new Float32Array(n * O);
      for (let r = 0; r < n; r++) y.set(row, r * O);
      return y;
    },
  } as ServedModel;
}

const [path, mode, maxBatch, window] = process.argv.slice(2);
if (mode === 'plain') {
  const reply = JSON.stringify({ model: 'm', version: 1, hash: `sha256:${'0'.repeat(64)}`, predictions: [[13.091097831726074, 19.69636344909668, 2.1175925731658936, -1.7078601121902466, -8.62406063079834, -12.886334419250488, 10.979820251464844]], labels: ['c1'] });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') JSON.parse(Buffer.concat(chunks).toString()); // as much parsing as the service does
      res.writeHead(200, ['content-type', 'application/json', 'content-length', String(reply.length)]);
      res.end(reply);
    });
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${(server.address() as { port: number }).port}`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
  await new Promise(() => undefined);
}
const bytes = new Uint8Array(await readFile(path));
const service = new Service({ maxBatchRows: Number(maxBatch), batchWindowMs: Number(window) });
if (mode === 'constant') {
  const real = await loadModel(bytes);
  service.registry.install('m', { decoded: readModel(bytes), model: constantModel(real), hash: await contentHash(bytes), fileBytes: bytes.length, source: path });
} else {
  await service.registry.load('m', bytes, path);
}
const l = await listenNode(service, { port: 0 });
console.log(`listening on ${l.url}`);
process.on('SIGTERM', () => void l.close().then(() => process.exit(0)));
