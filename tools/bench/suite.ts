/** @fileoverview What the resumable training suites (bench:paper, bench:alloc) share: run records, the commit, list options, runtime scoring. */

import { execFileSync } from 'node:child_process';
import { writeFileAtomic } from '../../formats/node-io.js';
import { loadModel } from '../../runtime/index.js';
import type { Dataset } from '../train/data.js';
import { scorePredictions } from '../train/intforward.js';

/** Writes a run record (pretty JSON, atomically). */
export const writeJson = (path: string, value: unknown): Promise<void> => writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(value, null, 1) + '\n'));

/** The checkout's commit, `+dirty` when tracked files differ from it, or 'unknown' outside git. */
export function commitOf(dir: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: dir, encoding: 'utf8' }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

/** Test metrics from the runtime's outputs (SIMD backend): what a user deploying the file would measure. */
export async function runtimeMetrics(bytes: Uint8Array, test: Dataset): Promise<Record<string, number>> {
  const model = await loadModel(bytes, { backend: 'simd', isolate: true });
  try {
    return scorePredictions(test, model.predictBatch(test.x, test.rows));
  } finally {
    model.dispose();
  }
}

/** The comma-separated values of `--name v1,v2` in `args`, or undefined when absent. */
export function listArg(args: string[], name: string): string[] | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v.split(',').filter(Boolean);
}

/** A positive whole number given to option `name`. */
export function wholeArg(name: string, v: string): number {
  if (!/^[1-9][0-9]*$/.test(v)) throw new Error(`${name} takes whole numbers >= 1 - got '${v}'`);
  return Number(v);
}
