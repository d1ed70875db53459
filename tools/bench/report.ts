/**
 * @fileoverview Result records, environment capture, console tables and the JSON files under bench-results/.
 * Absolute numbers on a shared VM swing +-30 %; the report leads with ratios against peers measured in the same run.
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Latency } from './harness.js';
import type { PairedRow } from './paired.js';
import type { PeerResult } from './peers.js';
import type { RelaxedReport } from './relaxed.js';

export interface Environment {
  date: string;
  /** HEAD of the repository the run was made from, `+dirty` when the work tree had changes (null outside git). */
  commit: string | null;
  loadAvg: number[];
  node: string;
  v8: string;
  cpu: string;
  cores: number;
  memBytes: number;
  platform: string;
  arch: string;
  peers: Record<string, string>;
  /** wasm3 source directory the driver was built from, when wasm3 rows ran. */
  wasm3: string | null;
}

function gitCommit(cwd: string): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return null;
  }
}

export function environment(peers: Record<string, string>, repoRoot: string): Environment {
  const c = cpus();
  return {
    date: new Date().toISOString(),
    commit: gitCommit(repoRoot),
    // 1/5/15-minute load averages at the start: more than the core count means other jobs shared the CPU.
    loadAvg: loadavg(),
    node: process.version,
    v8: process.versions.v8,
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memBytes: totalmem(),
    platform: platform(),
    arch: arch(),
    peers,
    wasm3: null,
  };
}

/** (a) one kernel on one layer shape. */
export interface KernelRow {
  backend: string;
  kernel: string;
  weightBits: number;
  actBits: number;
  rows: number;
  cols: number;
  gmacPerSec: number;
  rme: number;
  /** Output equalled formats' dotRowReference for every row before timing. */
  exact: boolean;
}

/** (b)+(c) one NMP model on one backend. */
export interface ModelRow {
  backend: string;
  shape: string;
  mix: string;
  macs: number;
  fileBytes: number;
  packedWeightBytes: number;
  /** The runtime's own `memory()` report, verbatim (wasm3: `nmpUsedBytes`, the no-host API's nmp_used_bytes()). */
  memory: Record<string, number>;
  batch1: Latency;
  /** p50 of the WASM `forward` call alone, µs (NaN for wasm3, whose batch1 times nmp_predict end to end). */
  forwardP50: number;
  /** Host cost per sample, µs: median over alternating rounds of predict p50 minus forward p50 (NaN for wasm3). */
  hostP50?: number;
  /** null for wasm3 (the driver times single `forward` calls; a batch is a host loop over them). */
  batch256: { samplesPerSec: number; rme: number } | null;
  /** Outputs equalled predictReference (wasm3: accumulators equalled forwardCodes) bit for bit on the verification rows before timing. */
  exact: boolean;
  verifyRows: number;
  /** The kernels the runtime chose, per layer (`lut a4 w1:512 | ...`, model.info.layers[].kernels); '' for wasm3. */
  kernels?: string;
}

/** Our batch-1 p50 as a fraction of a peer's p50 on the same shape (< 1: we are faster). */
export interface RatioRow {
  shape: string;
  mix: string;
  backend: string;
  peer: string;
  oursP50: number;
  peerP50: number;
  ratio: number;
  /** Batch-256 samples/s, ours over the peer's (> 1: we are faster). */
  oursRate: number;
  peerRate: number;
  rateRatio: number;
}

export interface TargetRow {
  target: string;
  measured: string;
  limit: string;
  pass: boolean | null;
}

export interface BenchReport {
  schema: 'nmp-edge-bench/1';
  quick: boolean;
  env: Environment;
  settings: Record<string, unknown>;
  wasmBytes: Record<string, number>;
  kernels: KernelRow[];
  models: ModelRow[];
  peers: PeerResult[];
  ratios: RatioRow[];
  /** Ratios from alternating rounds: ours (SIMD) against onnxruntime-node on both shapes, and w1 / w8, w2 / w8 of ours. */
  paired: PairedRow[];
  /** relaxed.wasm against simd.wasm under Deno (tools/bench/relaxed.ts), or null when not run. */
  relaxed: RelaxedReport | null;
  targets: TargetRow[];
  notes: string[];
}

/** Plain fixed-width table; numbers right-aligned. */
export function table(head: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[], isHead = false) =>
    r.map((c, i) => (isHead || isNaN(Number(c.replace(/[x%µ±,]/g, ''))) ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head, true), w.map((n) => '-'.repeat(n)).join('  '), ...cells.map((r) => line(r))].join('\n');
}

const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '-');

/** Human-readable summary of a report, in the order of the issue's items (a)-(d) and then the targets. */
export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  const e = r.env;
  out.push(`nmp-edge bench ${r.quick ? '(--quick: smoke run, numbers not meaningful) ' : ''}${e.date}, commit ${e.commit ?? 'unknown'}`);
  out.push([
    `node ${e.node}, V8 ${e.v8}, ${e.cpu} x${e.cores}, load ${e.loadAvg.map((x) => x.toFixed(2)).join('/')}`,
    ...Object.entries(e.peers).map(([k, v]) => `${k} ${v}`),
    ...(e.wasm3 ? [`wasm3 from ${e.wasm3}`] : []),
  ].join(', '));
  out.push(`wasm: ${Object.entries(r.wasmBytes).map(([k, v]) => `${k} ${v} B`).join(', ')}`);
  if (r.kernels.length) {
    out.push('', '(a) GEMV and GEMM kernels, GMAC/s (median of 7 alternating rounds, ± half the min..max spread; table kernels include building their tables)');
    out.push(table(
      ['backend', 'kernel', 'W', 'A', 'layer', 'GMAC/s', '±%', 'exact'],
      r.kernels.map((k) => [k.backend, k.kernel, k.weightBits, k.actBits, `${k.rows}x${k.cols}`, f(k.gmacPerSec, 2), f(k.rme), k.exact ? 'yes' : 'NO']),
    ));
  }
  if (r.models.some((m) => m.kernels)) {
    out.push('', 'kernels chosen per layer (runtime/plan.ts from measured costs; `kernel:rows`, layers separated by |)');
    out.push(table(['backend', 'shape', 'mix', 'kernels'], r.models.filter((m) => m.kernels).map((m) => [m.backend, m.shape, m.mix, m.kernels!])));
  }
  if (r.models.length) {
    out.push('', '(b, c) NMP models: batch-1 predict() latency (µs, sampled single calls), WASM forward alone, batch-256 throughput, memory() bytes');
    out.push(table(
      ['backend', 'shape', 'mix', 'p50 µs', 'p99 µs', 'fwd µs', 'host µs', 'fwd GMAC/s', 'b256 samples/s', '±%', 'file B', 'packed W B', 'mem total', 'weights', 'params', 'acts', 'scratch+align', 'linear mem', 'exact'],
      r.models.map((m) => {
        const g = (k: string) => (Number.isFinite(m.memory[k]) ? m.memory[k]! : '-');
        const sa = Number.isFinite((m.memory['scratch'] ?? NaN) + (m.memory['alignment'] ?? NaN)) ? m.memory['scratch']! + m.memory['alignment']! : '-';
        return [
          m.backend, m.shape, m.mix, f(m.batch1.p50, 2), f(m.batch1.p99, 2), f(m.forwardP50, 2), f(m.hostP50 ?? NaN, 2), f(m.macs / m.forwardP50 / 1e3, 2), m.batch256 ? f(m.batch256.samplesPerSec, 0) : '-', m.batch256 ? f(m.batch256.rme) : '-',
          m.fileBytes, m.packedWeightBytes, m.memory['nmpUsedBytes'] !== undefined ? `${m.memory['nmpUsedBytes']} used` : g('total'), g('weights'), g('params'), g('activations'), sa,
          g('linearMemory'), m.exact ? 'yes' : 'NO',
        ];
      }),
    ));
  }
  if (r.peers.length) {
    out.push('', '(d) peers (one thread), verified against the float reference before timing');
    out.push(table(
      ['runtime', 'variant', 'shape', 'p50 µs', 'p99 µs', 'b256 samples/s', '±%', 'load ms', 'max|err|', 'max|y|', 'ops after optimisation'],
      r.peers.map((p) => [
        `${p.runtime} ${p.version}`, p.variant, p.shape, f(p.batch1.p50, 2), f(p.batch1.p99, 2), f(p.batch256.samplesPerSec, 0),
        f(p.batch256.rme), f(p.loadMs), p.maxAbsErr.toExponential(1), f(p.maxAbsRef, 2), p.optimizedOps ?? '(not inspectable)',
      ]),
    ));
  }
  if (r.ratios.length) {
    // Pivot: one row per model and backend, one column per peer (runtime + variant).
    const peers = [...new Set(r.ratios.map((x) => x.peer))];
    const keys = [...new Set(r.ratios.map((x) => `${x.shape}|${x.mix}|${x.backend}`))];
    type Ratio = (typeof r.ratios)[number];
    // The two pivots differ only in the measure shown: ours, and ours relative to each peer.
    const pivot = (title: string, oursHeader: string, ours: (x: Ratio) => string, ratio: (x: Ratio) => number) => {
      out.push('', title);
      out.push(table(
        ['shape', 'mix', 'backend', oursHeader, ...peers.map((p) => p.replace('onnxruntime-', 'ort-'))],
        keys.map((k) => {
          const rows = r.ratios.filter((x) => `${x.shape}|${x.mix}|${x.backend}` === k);
          const [shape, mix, backend] = k.split('|');
          return [shape!, mix!, backend!, ours(rows[0]!), ...peers.map((p) => {
            const x = rows.find((y) => y.peer === p);
            return x ? f(ratio(x), 3) : '-';
          })];
        }),
      ));
    };
    pivot('batch-1 p50 ratio ours / peer, same run (< 1 = we are faster; the targets use the paired table below)',
      'ours µs', (x) => f(x.oursP50, 2), (x) => x.ratio);
    pivot('batch-256 throughput ratio ours / peer, same run (> 1 = we are faster; ours: predictBatch, 4 samples per forward_batch)',
      'ours samples/s', (x) => f(x.oursRate, 0), (x) => x.rateRatio);
  }
  if (r.relaxed) {
    const x = r.relaxed;
    out.push('', `relaxed.wasm vs simd.wasm under Deno ${x.deno} (V8 ${x.v8}), GEMV GMAC/s at 512x512 (best of alternating rounds, tables built per call)`);
    out.push(table(['module', 'kernel', 'W', 'A', 'GMAC/s'], x.kernels.map((k) => [k.module, k.kernel, k.weightBits, k.actBits, f(k.gmacPerSec, 2)])));
    out.push('', `relaxed / simd batch-1 predict() p50 under Deno, median of ${x.models[0]?.rounds ?? 0} alternating rounds (< 1 = relaxed faster)`);
    out.push(table(['shape', 'mix', 'simd µs', 'relaxed µs', 'ratio', 'min..max', 'relaxed kernels'],
      x.models.map((m) => [m.shape, m.mix, f(m.simdP50, 2), f(m.relaxedP50, 2), f(m.ratio, 3), `${f(m.ratioMin, 3)}..${f(m.ratioMax, 3)}`, m.relaxedKernels])));
  }
  if (r.paired.length) {
    out.push('', `paired batch-1 p50 ratio, ours (simd) / peer or / our other model, median of ${r.paired[0]!.rounds} alternating rounds (min..max)`);
    out.push(table(
      ['shape', 'mix', 'peer', 'ours µs', 'peer µs', 'ratio', 'min..max'],
      r.paired.map((p) => [p.shape, p.mix, p.peer, f(p.oursP50, 2), f(p.peerP50, 2), f(p.ratio, 3), `${f(p.ratioMin, 3)}..${f(p.ratioMax, 3)}`]),
    ));
  }
  if (r.targets.length) {
    out.push('', 'targets (issue #12, and the issue #3 rows it did not supersede; benchmark figures, not tests)');
    out.push(table(['target', 'measured', 'limit', 'pass'], r.targets.map((t) => [t.target, t.measured, t.limit, t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'MISS'])));
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

/** Writes `<dir>/<timestamp>.json` and `<dir>/latest.json` (each via a temp file + rename); returns the timestamped path. */
export function writeReport(r: BenchReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(r, null, 1) + '\n';
  const stamp = r.env.date.replace(/[:.]/g, '-');
  const path = join(dir, `${stamp}.json`);
  for (const p of [path, join(dir, 'latest.json')]) {
    writeFileSync(`${p}.tmp`, json);
    renameSync(`${p}.tmp`, p);
  }
  return path;
}
