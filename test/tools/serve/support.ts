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

/**
 * Predicts `rows` every 50 ms until the answer comes from `version` of the model (a watched file was replaced) or 10 s
 * pass; returns the last answer, for the caller to assert on.
 */
export async function predictUntilVersion(url: string, rows: number[][], version: number): Promise<{ status: number; json: any; headers: Headers }> {
  const end = Date.now() + 10_000;
  let last;
  do {
    await new Promise((r) => setTimeout(r, 50));
    last = await post(url, { instances: rows });
  } while (last.json.version !== version && Date.now() < end);
  return last;
}

/** A running `nmp serve` child process (Node or Deno), its URL, its output so far, and a way to stop it. */
export interface ServeProcess {
  url: string;
  stderr(): string;
  /** SIGTERM, then the exit code (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
}

/** Starts `command args` (an `nmp serve` with --port 0) and waits for its "listening on" line (bounded: 60 s). */
export async function spawnServe(command: string, args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const { spawn } = await import('node:child_process');
  const child = spawn(command, args, { cwd: repoRootDir(), env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no "listening on" line within 60 s; stderr: ${err}`)); }, 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`exited with ${code} before listening; stderr: ${err}`)); });
  });
  return {
    url,
    stderr: () => err,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

function repoRootDir(): string {
  return new URL('../../../../', import.meta.url).pathname;
}
