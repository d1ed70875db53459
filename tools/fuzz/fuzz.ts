/**
 * @fileoverview Differential fuzzing of every model reader (SPEC §7): seeded structure-aware mutations
 * (formats/testdata/mutate.ts) go through formats/read.ts, loadModel simd and scalar, and nohost.wasm in V8. Each file
 * must give one verdict (`ok` or the same code at the same byte offset) everywhere, nothing may throw anything but
 * ModelFormatError or trap, and accepted files must predict bit-identical outputs in every backend and the reference.
 */

import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32 } from '../../formats/crc32.js';
import { dequantizeOutput, forwardCodes, quantizeInput } from '../../formats/reference/forward.js';
import type { NmpModel } from '../../formats/schema.js';
import { bodyOf, envelope, mutateFile } from '../../formats/testdata/mutate.js';
import { rng } from '../../formats/testdata/random.js';
import { NoHost, runtimeLoad, tsRead } from './readers.js';

/** dist/tools/fuzz/ -> formats/testdata/ in the source tree. */
export const testdataDir = fileURLToPath(new URL('../../../formats/testdata/', import.meta.url));

/** The valid files mutations start from: the conformance vectors small enough to mutate quickly. */
export function seedFiles(dir = testdataDir): Uint8Array[] {
  return readdirSync(dir).filter((f) => f.endsWith('.nmp')).sort().map((f) => new Uint8Array(readFileSync(`${dir}${f}`))).filter((b) => b.length < 20000);
}

export type FailureKind = 'crash' | 'hang' | 'disagreement' | 'mismatch';

export interface Failure {
  kind: FailureKind;
  index: number;
  detail: string;
  bytes: Uint8Array;
}

export interface FuzzStats {
  files: number;
  accepted: number;
  crashes: number;
  hangs: number;
  disagreements: number;
  mismatches: number;
  /** Files per verdict code (`ok`, `E_TYPE`, ...). */
  codes: Record<string, number>;
  seconds: number;
  failures: Failure[];
}

/** A file slower than this in any reader counts as a hang (they take well under a millisecond). */
export const HANG_MS = 2000;

/** The verdicts of every reader on `bytes`, and for accepted files whether outputs agree; a failure or null. */
export async function checkFile(bytes: Uint8Array, nohost: NoHost, index: number): Promise<{ verdict: string; failure: { kind: FailureKind; detail: string } | null }> {
  const t0 = performance.now();
  let verdict = '?';
  try {
    const ts = tsRead(bytes);
    verdict = ts.verdict;
    const nh = nohost.load(bytes);
    const simd = await runtimeLoad(bytes, 'simd');
    const scalar = await runtimeLoad(bytes, 'scalar');
    try {
      const all = { 'formats/read.ts': ts.verdict, 'nohost.wasm': nh, 'loadModel simd': simd.verdict, 'loadModel scalar': scalar.verdict };
      if (new Set(Object.values(all)).size !== 1) return { verdict, failure: { kind: 'disagreement', detail: JSON.stringify(all) } };
      if (ts.model && simd.model && scalar.model) {
        const d = compareOutputs(ts.model, nohost, simd.model, scalar.model, index);
        if (d) return { verdict, failure: { kind: 'mismatch', detail: d } };
      }
    } finally {
      simd.model?.dispose();
      scalar.model?.dispose();
    }
  } catch (e) {
    return { verdict, failure: { kind: 'crash', detail: `${(e as Error).name}: ${(e as Error).message}` } };
  }
  const ms = performance.now() - t0;
  if (ms > HANG_MS) return { verdict, failure: { kind: 'hang', detail: `${ms.toFixed(0)} ms` } };
  return { verdict, failure: null };
}

type Predictor = { predict(x: ArrayLike<number>): Float32Array };

/** Three seeded inputs (one with huge values): reference accumulators and outputs against every backend, bit for bit. */
function compareOutputs(m: NmpModel, nohost: NoHost, simd: Predictor, scalar: Predictor, index: number): string | null {
  const r = rng(index + 1);
  const F = m.input.bits.length;
  for (let s = 0; s < 3; s++) {
    const x = Array.from({ length: F }, () => (s === 2 ? (r() - 0.5) * 1e12 : (r() - 0.5) * 20));
    const acc = forwardCodes(m, quantizeInput(m, x)).acc, y = dequantizeOutput(m, acc);
    const nh = nohost.predict(x);
    const outs: [string, ArrayLike<number>][] = [['nohost', nh.y], ['simd', simd.predict(x)], ['scalar', scalar.predict(x)]];
    for (let j = 0; j < y.length; j++) {
      if (nh.acc[j] !== acc[j]) return `sample ${s} output ${j}: reference accumulator ${acc[j]}, nohost ${nh.acc[j]}`;
      for (const [name, o] of outs) if (!Object.is(o[j], y[j])) return `sample ${s} output ${j}: reference ${y[j]}, ${name} ${o[j]}`;
    }
  }
  return null;
}

/** Smallest body (whole values, then bytes, removed) that still fails the same way; the file around it. */
export async function minimise(bytes: Uint8Array, kind: FailureKind, nohost: NoHost, index: number): Promise<Uint8Array> {
  let body = bodyOf(bytes);
  const wrap = (b: Uint8Array) => envelope(b, crc32(b));
  const fails = async (b: Uint8Array) => (await checkFile(wrap(b), nohost, index)).failure?.kind === kind;
  if (!body || !(await fails(body))) return bytes; // an envelope-level failure: keep the file as it is
  for (let chunk = body.length >> 1; chunk >= 1; chunk >>= 1) {
    for (let at = 0; at + chunk <= body.length;) {
      const cand = Uint8Array.of(...body.subarray(0, at), ...body.subarray(at + chunk));
      if (await fails(cand)) body = cand;
      else at += chunk;
    }
  }
  return wrap(body);
}

/**
 * Fuzzes `count` files of `seed` (file i replays alone: mutateFile(seeds, seed, i)). Failures are minimised and handed
 * to `onFailure`; `progress` is called every `every` files.
 */
export async function runFuzz(opts: { seed: number; count: number; start?: number; seeds?: Uint8Array[]; onFailure?: (f: Failure) => void; progress?: (s: FuzzStats) => void; every?: number }): Promise<FuzzStats> {
  const seeds = opts.seeds ?? seedFiles();
  let nohost = new NoHost();
  const stats: FuzzStats = { files: 0, accepted: 0, crashes: 0, hangs: 0, disagreements: 0, mismatches: 0, codes: {}, seconds: 0, failures: [] };
  const t0 = performance.now();
  const start = opts.start ?? 0;
  // Most files are rejected three times over: stack traces would be a third of the run (the verdicts carry no stack).
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (let i = start; i < start + opts.count; i++) {
      const bytes = mutateFile(seeds, opts.seed, i);
      const { verdict, failure } = await checkFile(bytes, nohost, i);
      stats.files++;
      const code = verdict.split(' ')[0];
      stats.codes[code] = (stats.codes[code] ?? 0) + 1;
      if (code === 'ok') stats.accepted++;
      if (failure) {
        const key = ({ crash: 'crashes', hang: 'hangs', disagreement: 'disagreements', mismatch: 'mismatches' } as const)[failure.kind];
        stats[key]++;
        if (failure.kind === 'crash') nohost = new NoHost(); // a trap may leave the instance's globals half-written
        const f: Failure = { ...failure, index: i, bytes: stats.failures.length < 20 ? await minimise(bytes, failure.kind, nohost, i) : bytes };
        if (stats.failures.length < 100) stats.failures.push(f);
        opts.onFailure?.(f);
      }
      if (opts.progress && (i - start + 1) % (opts.every ?? 10000) === 0) {
        stats.seconds = (performance.now() - t0) / 1000;
        opts.progress(stats);
      }
    }
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
  stats.seconds = (performance.now() - t0) / 1000;
  return stats;
}
