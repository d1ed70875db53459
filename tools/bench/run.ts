/**
 * @fileoverview `npm run bench`: (a) kernel GMAC/s, (b) model latency/throughput, (c) memory(), (d) onnxruntime peers in
 * the same process, then a console table and bench-results/<timestamp>.json + latest.json. `--quick` is a smoke run.
 */

import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { forwardCodes, predictReference, quantizeInput } from '../../formats/index.js';
import { benchKernels, checkCase, kernelPlan, prepareCase } from './kernels.js';
import { BIT_MIXES, buildBenchModel, inputs, modelMacs, packedWeightBytes, randomFloatMlp, shapeName, type BenchModel } from './models.js';
import { benchModel, OUR_BACKENDS } from './ours.js';
import { pairedRatios } from './paired.js';
import { benchPeer, loadPeers, peerGraphBytes, PEER_VARIANTS, type PeerResult, type PeerVariant } from './peers.js';
import { environment, formatReport, writeReport, type BenchReport, type ModelRow, type RatioRow, type TargetRow } from './report.js';
import { buildDriver, runWasm3, runWasm3Model, wasm3Source } from './wasm3.js';

/** Repository root: this file runs from dist/tools/bench/. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The MLP shapes. */
export const SHAPES = [
  [54, 256, 256, 7],
  [54, 512, 512, 512, 512, 7],
];

export interface BenchSettings {
  quick: boolean;
  /** Sections to run: a = kernels, b = models (b and c together), d = peers. */
  sections: Set<'a' | 'b' | 'd'>;
  kernelShapes: [number, number][];
  kernelRateTime: number;
  warmup: number;
  /** Minimum warm-up time, ms: V8 runs wasm in Liftoff first and tiers up hot functions in the background. */
  warmupMs: number;
  samples: number;
  rateTime: number;
  batch: number;
  verifyRows: number;
  mixes: string[];
  seed: number;
  outDir: string | null;
  wasmDir: string;
  /** wasm3 rows (scalar.wasm in the interpreter): run when WASM3_SRC names a wasm3 checkout. */
  wasm3: boolean;
  /** Seconds per wasm3 measurement, and its call cap. */
  wasm3Time: number;
  wasm3MaxCalls: number;
  /** Paired (alternating) rounds for the headline ratio on the first shape: rounds, timed calls per side per round. */
  pairedRounds: number;
  pairedSamples: number;
}

export function defaultSettings(quick: boolean): BenchSettings {
  return {
    quick,
    sections: new Set(['a', 'b', 'd']),
    kernelShapes: [
      [256, 256],
      [512, 512],
    ],
    // Full: ~2-3 min on the 2-core VM. Quick: enough calls to exercise every path, numbers meaningless.
    kernelRateTime: quick ? 0.02 : 0.5,
    warmup: quick ? 5 : 500,
    warmupMs: quick ? 0 : 300,
    samples: quick ? 20 : 3000,
    rateTime: quick ? 0.02 : 0.5,
    batch: 256,
    verifyRows: quick ? 8 : 64,
    mixes: BIT_MIXES.map((m) => m.name),
    seed: 20260301,
    outDir: `${REPO_ROOT}bench-results`,
    wasmDir: `${REPO_ROOT}dist/wasm`,
    wasm3: true,
    wasm3Time: quick ? 0.01 : 0.4,
    wasm3MaxCalls: quick ? 3 : 3000,
    pairedRounds: quick ? 1 : 7,
    pairedSamples: quick ? 5 : 1000,
  };
}

/** Issue #3 targets, evaluated on this run's figures (null = could not be evaluated, with the reason in `measured`). */
function evaluateTargets(r: BenchReport): TargetRow[] {
  const t: TargetRow[] = [];
  for (const W of [1, 2, 4, 8]) {
    const k = r.kernels.find((x) => x.backend === 'simd' && x.kernel.endsWith('__simd128_dot16') && x.weightBits === W && x.rows === 512 && x.cols === 512);
    t.push({
      target: `SIMD kernel w${W} on 512x512`,
      measured: k ? `${k.gmacPerSec.toFixed(2)} GMAC/s` : 'not run',
      limit: '>= 14 GMAC/s',
      pass: k ? k.gmacPerSec >= 14 : null,
    });
  }
  const small = shapeName(SHAPES[0]!);
  for (const m of r.models.filter((x) => x.shape === small && x.backend === 'simd')) {
    // Prefer the paired (alternating rounds) ratios; fall back to the sections' p50s measured apart.
    const paired = r.paired.filter((p) => p.mix === m.mix && p.peer.startsWith('onnxruntime-node '));
    const ratios = paired.length
      ? paired.map((p) => ({ v: p.peer.split(' ')[1]!, q: p.ratio }))
      : r.peers.filter((p) => p.shape === small && p.runtime === 'onnxruntime-node').map((p) => ({ v: p.variant, q: m.batch1.p50 / p.batch1.p50 }));
    t.push({
      target: `${small} ${m.mix} simd batch-1 p50 / onnxruntime-node p50${paired.length ? ' (paired)' : ''}`,
      measured: ratios.length ? ratios.map((x) => `${x.v} ${x.q.toFixed(3)}`).join(', ') : 'no peers run',
      limit: '<= 0.333 each',
      pass: ratios.length ? ratios.every((x) => x.q <= 1 / 3) : null,
    });
  }
  // The "scalar module" is the wasm3 build; since the split that is nohost.wasm, so both scalar builds are shown.
  for (const [name, what, limit] of [
    ['scalar.wasm', 'scalar module, JS host', 8192],
    ['nohost.wasm', 'scalar module, wasm3/MCU (loads .nmp itself)', 8192],
    ['simd.wasm', 'SIMD module', 16384],
  ] as const) {
    const b = r.wasmBytes[name];
    t.push({ target: `${name} size (${what})`, measured: b === undefined ? 'missing' : `${b} B`, limit: `<= ${limit} B`, pass: b === undefined ? null : b <= limit });
  }
  // Worst mix per backend and shape. "Beyond weights and activations" read literally includes per-neuron parameters
  // (bias, requantisation, permutation), which grow with the model; scratch + alignment is the fixed part.
  for (const key of [...new Set(r.models.filter((m) => m.backend !== 'wasm3').map((m) => `${m.backend} ${m.shape}`))]) {
    const ms = r.models.filter((m) => `${m.backend} ${m.shape}` === key);
    const g = (m: ModelRow, k: string) => m.memory[k] ?? NaN;
    const beyond = (m: ModelRow) => g(m, 'total') - g(m, 'weights') - g(m, 'activations');
    const worst = ms.reduce((a, m) => (beyond(m) > beyond(a) ? m : a));
    const over = beyond(worst);
    t.push({
      target: `${key} memory() beyond weights + activations (worst mix: ${worst.mix})`,
      measured: Number.isFinite(over)
        ? `${over} B = params ${g(worst, 'params')} + scratch ${g(worst, 'scratch')} + align ${g(worst, 'alignment')}`
        : 'memory() lacks total/weights/activations',
      limit: '<= 4096 B',
      pass: Number.isFinite(over) ? over <= 4096 : null,
    });
    const fixed = g(worst, 'scratch') + g(worst, 'alignment');
    t.push({
      target: `${key} memory() scratch + alignment only (params counted as model data)`,
      measured: Number.isFinite(fixed) ? `${fixed} B` : 'memory() lacks scratch/alignment',
      limit: '<= 4096 B',
      pass: Number.isFinite(fixed) ? fixed <= 4096 : null,
    });
  }
  return t;
}

/** Runs the selected sections and returns the report (written to `outDir` unless it is null). */
export async function runBench(s: BenchSettings, log: (line: string) => void = () => {}): Promise<BenchReport> {
  // simd.wasm and scalar.wasm: the JS host's builds; nohost.wasm: the wasm3/MCU build that loads .nmp files itself.
  const wasm: Record<string, Uint8Array> = {};
  for (const name of ['simd.wasm', 'scalar.wasm', 'nohost.wasm']) {
    try {
      wasm[name] = readFileSync(`${s.wasmDir}/${name}`);
    } catch (e) {
      throw new Error(`${s.wasmDir}/${name}: cannot read (${(e as Error).message}); expected the output of 'npm run build'`);
    }
  }
  const peers = s.sections.has('d') ? await loadPeers() : [];
  const report: BenchReport = {
    schema: 'nmp-edge-bench/1',
    quick: s.quick,
    env: environment(Object.fromEntries(peers.map((p) => [p.name, p.version])), REPO_ROOT),
    settings: { ...s, sections: [...s.sections] },
    wasmBytes: Object.fromEntries(Object.entries(wasm).map(([k, v]) => [k, v.length])),
    kernels: [],
    models: [],
    peers: [],
    ratios: [],
    paired: [],
    targets: [],
    notes: [],
  };

  // wasm3: opt-in through WASM3_SRC; the driver binary is cached outside the repository.
  let w3: { driver: string; heapBase: number; wasmPath: string; nohostPath: string } | null = null;
  if (s.wasm3 && (s.sections.has('a') || s.sections.has('b'))) {
    const src = wasm3Source();
    if ('missing' in src) report.notes.push(`wasm3 rows skipped: ${src.missing}`);
    else {
      log('building the wasm3 driver ...');
      const driver = buildDriver(src.dir, `${REPO_ROOT}tools/bench/wasm3/driver.c`, `${tmpdir()}/nmp-edge-bench-cache`);
      const heapBase = (new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(wasm['scalar.wasm']!))).exports['heapBase'] as () => number)();
      // Kernels run from scalar.wasm (nohost.wasm exports only the nmp_* API; its kernels are the same code).
      w3 = { driver, heapBase, wasmPath: `${s.wasmDir}/scalar.wasm`, nohostPath: `${s.wasmDir}/nohost.wasm` };
      report.env.wasm3 = src.dir;
    }
  }

  if (s.sections.has('a')) {
    log('(a) kernels ...');
    const k = benchKernels(
      [
        { name: 'simd', bytes: wasm['simd.wasm']! },
        { name: 'scalar', bytes: wasm['scalar.wasm']! },
      ],
      { shapes: s.kernelShapes, widths: [1, 2, 4, 8], actBits: [4, 8], rateTime: s.kernelRateTime, seed: s.seed },
    );
    report.kernels = k.rows;
    for (const x of k.skipped) report.notes.push(`kernel skipped: ${x}`);
    if (w3) {
      const names = WebAssembly.Module.exports(new WebAssembly.Module(new Uint8Array(wasm['scalar.wasm']!))).map((e) => e.name);
      // Any SIMD export would not even parse in wasm3 (no SIMD there); the scalar build has none, this is a guard.
      for (const { name, family, W, A } of kernelPlan(names, [1, 2, 4, 8], [4, 8]).runs.filter((x) => !x.family.includes('simd128'))) {
        for (const [rows, cols] of s.kernelShapes) {
          log(`(a) wasm3 ${name} w${W} a${A} ${rows}x${cols} ...`);
          const c = prepareCase(name, family, W, rows, cols, w3.heapBase, A, s.seed);
          const t = runWasm3(w3.driver, w3.wasmPath, c.image, c.base, name, c.args, c.outPtr, rows, s.wasm3Time, s.wasm3MaxCalls);
          checkCase('wasm3', c, () => t.out);
          // From the median call: a preempted native process (the VM is shared) inflates the mean, not the median.
          report.kernels.push({ backend: 'wasm3', kernel: name, weightBits: W, actBits: A, rows, cols, gmacPerSec: (rows * cols) / (t.p50 * 1e3), rme: NaN, exact: true });
        }
      }
    }
  }

  // The first shape's models and ONNX graphs, kept for the paired headline ratios at the end.
  const pairedInputs: { models: BenchModel[]; onnx: { variant: PeerVariant; bytes: Uint8Array }[] } = { models: [], onnx: [] };
  for (const sizes of SHAPES) {
    const shape = shapeName(sizes);
    const first = sizes === SHAPES[0];
    const mlp = randomFloatMlp(sizes, s.seed);
    const verifyX = inputs(s.verifyRows, sizes[0]!, s.seed + 1);
    const peerResults: PeerResult[] = [];
    if (s.sections.has('d')) {
      const calibRows = 256;
      const calib = inputs(calibRows, sizes[0]!, s.seed ^ 0x5eed);
      for (const variant of PEER_VARIANTS) {
        const onnx = peerGraphBytes(variant, mlp, calib, calibRows);
        if (first) pairedInputs.onnx.push({ variant, bytes: onnx });
        for (const peer of peers) {
          log(`(d) ${peer.name} ${variant} ${shape} ...`);
          peerResults.push(
            await benchPeer(peer, variant, shape, mlp, onnx, verifyX, {
              latency: { warmup: s.warmup, warmupMs: s.warmupMs, samples: s.samples },
              rateTime: s.rateTime,
              verifyRows: s.verifyRows,
              batch: s.batch,
            }),
          );
        }
      }
      report.peers.push(...peerResults);
    }
    if (s.sections.has('b')) {
      for (const mix of BIT_MIXES.filter((m) => s.mixes.includes(m.name))) {
        const bm: BenchModel = buildBenchModel(mlp, mix, s.seed);
        if (first) pairedInputs.models.push(bm);
        if (w3) {
          log(`(b) wasm3 ${shape} ${mix.name} ...`);
          report.models.push(benchModelWasm3(bm, w3, verifyX, s));
        }
        for (const backend of OUR_BACKENDS) {
          log(`(b) ${backend} ${shape} ${mix.name} ...`);
          const row: ModelRow = await benchModel(backend, bm, wasm, verifyX, s);
          report.models.push(row);
          for (const p of peerResults) {
            const ratio: RatioRow = {
              shape,
              mix: mix.name,
              backend,
              peer: `${p.runtime} ${p.variant}`,
              oursP50: row.batch1.p50,
              peerP50: p.batch1.p50,
              ratio: row.batch1.p50 / p.batch1.p50,
              oursRate: row.batch256!.samplesPerSec,
              peerRate: p.batch256.samplesPerSec,
              rateRatio: row.batch256!.samplesPerSec / p.batch256.samplesPerSec,
            };
            report.ratios.push(ratio);
          }
        }
      }
    }
  }
  const nodePeer = peers.find((p) => p.name === 'onnxruntime-node');
  if (nodePeer && pairedInputs.models.length && pairedInputs.onnx.length) {
    log(`paired ratios on ${shapeName(SHAPES[0]!)} ...`);
    const x1 = inputs(1, SHAPES[0]![0]!, s.seed + 1);
    report.paired = await pairedRatios(nodePeer, pairedInputs.onnx, pairedInputs.models, wasm, x1, {
      rounds: s.pairedRounds,
      samples: s.pairedSamples,
      warmupMs: s.quick ? 0 : 20,
    });
  }
  report.targets = evaluateTargets(report);
  return report;
}

/**
 * One model under wasm3 through nohost.wasm's API (what an MCU host runs: nmp_load parses and plans inside
 * WASM, nmp_predict quantises, runs and dequantises). Outputs must equal predictReference bit for bit.
 */
function benchModelWasm3(bm: BenchModel, w3: { driver: string; nohostPath: string }, verifyX: Float32Array, s: BenchSettings): ModelRow {
  const F = bm.model.input.bits.length;
  const rows = Math.min(verifyX.length / F, 4);
  const x = Float64Array.from(verifyX.subarray(0, rows * F));
  const run = runWasm3Model(w3.driver, w3.nohostPath, bm.bytes, x, rows, s.wasm3Time, s.wasm3MaxCalls);
  const label = `wasm3 ${bm.shapeName} ${bm.mix.name}`;
  if (run.loadCode !== 0) throw new Error(`${label}: nmp_load returned ${run.loadCode}, expected 0 (the file passed formats/read.ts)`);
  for (let r = 0; r < rows; r++) {
    const xr = verifyX.subarray(r * F, (r + 1) * F);
    const want = predictReference(bm.model, xr);
    const wantAcc = forwardCodes(bm.model, quantizeInput(bm.model, xr)).acc;
    const gotBits = new Uint32Array(run.y[r]!.buffer);
    const wantBits = new Uint32Array(want.buffer);
    const bad = wantBits.findIndex((v, j) => v !== gotBits[j] || wantAcc[j] !== run.acc[r]![j]);
    if (bad >= 0 || gotBits.length !== wantBits.length) {
      throw new Error(`${label}: row ${r} output ${bad} = ${run.y[r]![bad]} (acc ${run.acc[r]![bad]}), expected ${want[bad]} (acc ${wantAcc[bad]}) (predictReference, tolerance 0)`);
    }
  }
  const t = run.timing;
  return {
    backend: 'wasm3',
    shape: bm.shapeName,
    mix: bm.mix.name,
    macs: modelMacs(bm.model),
    fileBytes: bm.bytes.length,
    packedWeightBytes: packedWeightBytes(bm.model),
    memory: { nmpUsedBytes: run.usedBytes },
    batch1: { p50: t.p50, p99: t.p99, mean: t.mean, min: t.min, samples: t.calls },
    forwardP50: NaN,
    batch256: null,
    exact: true,
    verifyRows: rows,
  };
}

function parseArgs(argv: string[]): BenchSettings {
  const s = defaultSettings(argv.includes('--quick'));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') continue;
    else if (a === '--out') s.outDir = argv[++i] ?? s.outDir;
    else if (a === '--no-out') s.outDir = null;
    else if (a === '--sections') {
      const v = (argv[++i] ?? '').split(',');
      const bad = v.filter((x) => !['a', 'b', 'd'].includes(x));
      if (bad.length) throw new Error(`bench: --sections got '${bad.join(',')}', expected a comma list of a, b, d`);
      s.sections = new Set(v as ('a' | 'b' | 'd')[]);
    } else if (a === '--mixes') {
      s.mixes = (argv[++i] ?? '').split(',');
      const bad = s.mixes.filter((x) => !BIT_MIXES.some((m) => m.name === x));
      if (bad.length) throw new Error(`bench: --mixes got '${bad.join(',')}', expected a comma list of ${BIT_MIXES.map((m) => m.name).join(', ')}`);
    }
    else if (a === '--no-wasm3') s.wasm3 = false;
    else {
      throw new Error(`bench: unknown argument '${a}'; expected --quick, --out DIR, --no-out, --sections a,b,d, --no-wasm3, --mixes ${BIT_MIXES.map((m) => m.name).join(',')}`);
    }
  }
  return s;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const s = parseArgs(process.argv.slice(2));
    const t0 = performance.now();
    const report = await runBench(s, (line) => process.stderr.write(`${line}\n`));
    console.log(formatReport(report));
    if (s.outDir !== null) console.log(`\nwrote ${writeReport(report, s.outDir)} and latest.json (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  } catch (e) {
    // Verification failures and bad arguments carry their own context; a stack trace adds nothing for the reader.
    console.error(`bench: ${(e as Error).message.replace(/^bench: /, '')}`);
    process.exitCode = 1;
  }
}
