/** @fileoverview Models and servers the serve tests share: small seeded models, a server on a free loopback port. */
import { buildBenchModel, randomFloatMlp, BIT_MIXES, inputs } from '../../../tools/bench/models.js';
import { readModel } from '../../../formats/read.js';
import { predictReference } from '../../../formats/reference/forward.js';
import type { NmpModel } from '../../../formats/schema.js';
import { Service, type ServiceOptions } from '../../../tools/serve/service.js';
import { listenNode, type Listening } from '../../../tools/serve/node.js';

export interface TestModel {
  bytes: Uint8Array;
  decoded: NmpModel;
}

/** A seeded random classifier, `sizes` e.g. [6, 16, 16, 3] (features f0.., classes c0..), mixed bit-widths. */
export function testModel(seed: number, sizes = [6, 16, 16, 3]): TestModel {
  const mix = BIT_MIXES.find((m) => m.name === 'mix')!;
  const bytes = buildBenchModel(randomFloatMlp(sizes, seed), mix, seed).bytes;
  return { bytes, decoded: readModel(bytes) };
}

/** `n` seeded rows of `features` values, as float32 (what the service sees). */
export function testRows(n: number, features: number, seed: number): number[][] {
  const x = inputs(n, features, seed);
  return Array.from({ length: n }, (_, r) => Array.from(x.subarray(r * features, (r + 1) * features)));
}

/** The reference answer of one row, as numbers. */
export function expected(m: TestModel, row: ArrayLike<number>): number[] {
  return Array.from(predictReference(m.decoded, Float32Array.from(row)));
}

/** A service with `models` loaded, served by node:http on 127.0.0.1 and a free port. */
export async function startServer(models: Record<string, TestModel>, options: ServiceOptions = {}): Promise<{ service: Service; listening: Listening; url: string; stop(): Promise<void> }> {
  const service = new Service(options);
  for (const [name, m] of Object.entries(models)) await service.registry.load(name, m.bytes, `test:${name}`);
  const listening = await listenNode(service, { port: 0 });
  return {
    service, listening, url: listening.url,
    async stop() {
      await listening.close();
      await service.close();
    },
  };
}

/** POST a JSON value (or a string as is) and return status, parsed body and headers. */
export async function post(url: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; json: any; headers: Headers }> {
  const r = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': contentType } });
  const text = await r.text();
  return { status: r.status, json: JSON.parse(text), headers: r.headers };
}
