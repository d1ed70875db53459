/** @fileoverview Assembles a report from model files on disk: measures them, re-runs one in Node for the in-page check, writes atomically. */

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { writeFileAtomic } from '../../formats/node-io.js';
import { readModel } from '../../formats/read.js';
import { loadModel } from '../../runtime/index.js';
import { measureBackends } from '../pipeline/bench.js';
import { probeInputs } from '../pipeline/inputs.js';
import { buildReport, type ReportModel } from './html.js';

const distDir = new URL('../../', import.meta.url); // dist/

export async function reportAssets(): Promise<{ runtimeBundle: string; simdWasm: Uint8Array }> {
  return {
    runtimeBundle: await readFile(new URL('report/runtime.browser.js', distDir), 'utf8'),
    simdWasm: new Uint8Array(await readFile(new URL('wasm/simd.wasm', distDir))),
  };
}

/** Inputs and Node's SIMD outputs for the in-page bit-exactness check. */
export async function selfTestCases(bytes: Uint8Array, count = 32): Promise<{ inputs: number[][]; expected: number[][] }> {
  const decoded = readModel(bytes);
  const m = await loadModel(bytes, { backend: 'simd' });
  const inputs = probeInputs(decoded.input, count, 2026).map((x) => Array.from(x));
  const expected = inputs.map((x) => Array.from(m.predict(x)));
  m.dispose();
  return { inputs, expected };
}

export interface WriteReportOptions {
  title?: string;
  subtitle?: string;
  benchSeconds?: number;
  /** Names per model; default: the file name without extension. */
  names?: string[];
}

export async function writeReport(outPath: string, models: { path?: string; bytes: Uint8Array; name?: string; bench?: ReportModel['bench'] }[], opts: WriteReportOptions = {}): Promise<string> {
  const assets = await reportAssets();
  const entries: ReportModel[] = [];
  for (const [i, m] of models.entries()) {
    entries.push({
      name: m.name ?? opts.names?.[i] ?? basename(m.path ?? `model-${i}`).replace(/\.nmp$/, ''),
      bytes: m.bytes,
      bench: m.bench ?? (opts.benchSeconds === 0 ? undefined : await measureBackends(m.bytes, opts.benchSeconds ?? 0.5)),
    });
  }
  const html = buildReport({
    title: opts.title ?? 'nmp-edge report',
    subtitle: opts.subtitle ?? `${entries.length} model${entries.length === 1 ? '' : 's'}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}.`,
    models: entries,
    selfTest: { model: 0, ...(await selfTestCases(entries[0].bytes)) },
    ...assets,
  });
  await writeFileAtomic(outPath, new TextEncoder().encode(html));
  return html;
}
