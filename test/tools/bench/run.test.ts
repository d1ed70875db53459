/**
 * @fileoverview Smoke test of `npm run bench`: the harness in quick mode with tiny counts produces well-formed rows for
 * every section, peers matched the float reference, and the JSON it writes is the report. No timing assertions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSettings, runBench, SHAPES } from '../../../tools/bench/run.js';
import { PEER_TOLERANCE, PEER_VARIANTS, PEERS_INSTALL, peersInstalled } from '../../../tools/bench/peers.js';
import { formatReport, writeReport } from '../../../tools/bench/report.js';
import { BIT_MIXES, shapeName } from '../../../tools/bench/models.js';

const positive = (v: unknown, what: string) => assert.ok(typeof v === 'number' && Number.isFinite(v) && v > 0, `${what} = ${v}, expected a finite number > 0`);

const noPeers = !(await peersInstalled()) && `onnxruntime peers not installed (${PEERS_INSTALL}; .ci/run does)`;

test('bench › quick run: kernels, models, memory, peers and ratios are well-formed; peers matched the float reference', { skip: noPeers }, async () => {
  const s = defaultSettings(true);
  const mixes = ['w1a8', 'w8a8', 'mix-a2-4'];
  Object.assign(s, { samples: 5, warmup: 2, verifyRows: 4, rateTime: 0.01, kernelRateTime: 0.01, mixes, outDir: null });
  const r = await runBench(s);
  const shapes = SHAPES.map(shapeName);

  // (a): the four SIMD widths on both layer shapes, table kernels, the scalar module's bit-serial kernels, all checked
  // before timing.
  for (const [rows, cols] of s.kernelShapes) {
    for (const W of [1, 2, 4, 8]) {
      for (const [backend, suffix] of [['simd', '__simd128_dot16'], ['simd', '__simd128_lut'], ['scalar', '__scalar_popcnt']]) {
        const k = r.kernels.find((x) => x.backend === backend && x.kernel.endsWith(suffix!) && x.weightBits === W && x.rows === rows && x.cols === cols);
        assert.ok(k, `no ${backend} ${suffix} w${W} row for ${rows}x${cols}`);
        assert.equal(k.exact, true);
        positive(k.gmacPerSec, `${k.kernel} GMAC/s`);
      }
    }
  }

  // Every kernel export is benchmarked (or is one of the scalar build's trap stubs): a new layout must be taught to
  // tools/bench/kernels.ts, or the per-kernel table silently loses it.
  const unknown = r.notes.filter((n) => n.includes('layout not known'));
  assert.deepEqual(unknown, [], 'kernels the benchmark cannot feed');

  // (b, c): one row per shape x mix x backend (wasm3 rows too when WASM3_SRC is set), verified bit for bit,
  // memory() adding up.
  const wasm3 = r.models.some((m) => m.backend === 'wasm3');
  assert.equal(wasm3, !r.notes.some((n) => n.startsWith('wasm3 rows skipped')), 'wasm3 rows exactly when not skipped');
  assert.equal(r.models.length, shapes.length * mixes.length * (wasm3 ? 3 : 2));
  for (const m of r.models) {
    const id = `${m.backend} ${m.shape} ${m.mix}`;
    assert.ok(shapes.includes(m.shape) && ['simd', 'scalar', 'wasm3'].includes(m.backend) && mixes.includes(m.mix), id);
    assert.equal(m.exact, true, id);
    positive(m.batch1.p50, `${id} p50`);
    assert.ok(m.batch1.p50 <= m.batch1.p99, `${id} latency summary ${JSON.stringify(m.batch1)}`);
    const mem = m.memory;
    if (m.backend === 'wasm3') {
      // The no-host API keeps the file resident and builds its arena after it.
      assert.ok(mem['nmpUsedBytes']! > m.fileBytes + m.packedWeightBytes, `${id} nmp_used_bytes ${mem['nmpUsedBytes']}`);
      continue;
    }
    positive(m.forwardP50, `${id} forward-only p50`);
    assert.equal(mem['total'], mem['weights']! + mem['params']! + mem['activations']! + mem['scratch']! + mem['batch']! + mem['alignment']!, `${id} memory() parts`);
    const layers = (m.kernels ?? '').split(' | ');
    assert.ok(layers.length === m.shape.split('-').length - 1 && layers.every((l) => /^([a-z][a-z0-9 ]*:\d+ ?)+$/.test(l)), `${id} kernels '${m.kernels}'`);
    assert.ok(mem['weights']! >= m.packedWeightBytes, `${id} memory() ${JSON.stringify(mem)}`);
    assert.equal(m.verifyRows, 4, id);
    assert.equal(m.batch1.samples, 5, id);
    positive(m.batch256?.samplesPerSec, `${id} samples/s`);
    assert.ok(mem['linearMemory']! >= mem['total']!, `${id} memory() ${JSON.stringify(mem)}`);
  }

  // (d): every runtime x variant x shape, each within its tolerance of the f64 float reference.
  assert.equal(r.peers.length, shapes.length * PEER_VARIANTS.length * 2);
  for (const p of r.peers) {
    const id = `${p.runtime} ${p.variant} ${p.shape}`;
    assert.equal(p.verified, true, id);
    positive(p.maxAbsRef, `${id} max |y|`);
    assert.ok(p.maxAbsErr <= PEER_TOLERANCE[p.variant] * Math.max(1, p.maxAbsRef), `${id} err ${p.maxAbsErr}`);
    positive(p.batch1.p50, `${id} p50`);
    positive(p.batch256.samplesPerSec, `${id} samples/s`);
    assert.ok(p.onnxBytes > 0 && p.loadMs >= 0, id);
    // The int8 peers must really run integer kernels (the notes' fused paths), not dequantise to a float Gemm.
    const want = { fp32: 'FusedGemm', 'int8-qdq': 'QGemm', 'int8-dyn': 'DynamicQuantizeMatMul' }[p.variant];
    if (p.runtime === 'onnxruntime-node') assert.match(p.optimizedOps ?? '', new RegExp(`\\b${want}\\b`), `${id} ops: ${p.optimizedOps}`);
  }
  assert.equal(r.ratios.length, r.models.filter((m) => m.backend !== 'wasm3').length * PEER_VARIANTS.length * 2);
  for (const x of r.ratios) {
    assert.ok(Math.abs(x.ratio - x.oursP50 / x.peerP50) < 1e-12 && Math.abs(x.rateRatio - x.oursRate / x.peerRate) < 1e-12, JSON.stringify(x));
  }

  // Paired ratios: every mix of both shapes against every onnxruntime-node variant, and w1a8 / w8a8 on the large shape.
  assert.equal(r.paired.length, shapes.length * mixes.length * PEER_VARIANTS.length + 1);
  for (const p of r.paired) {
    assert.ok(shapes.includes(p.shape) && (p.peer.startsWith('onnxruntime-node ') || p.peer === 'ours w8a8') && p.rounds === s.pairedRounds, JSON.stringify(p));
    assert.ok(p.ratioMin <= p.ratio && p.ratio <= p.ratioMax, JSON.stringify(p));
    positive(p.ratio, `paired ${p.mix} ${p.peer}`);
  }

  // relaxed.wasm under Deno (the deno devDependency is installed): its kernels beside simd.wasm's, every model of the run.
  assert.ok(r.relaxed, `relaxed section missing: ${r.notes.join('; ')}`);
  assert.ok(r.relaxed.kernels.some((k) => k.module === 'relaxed' && k.kernel.endsWith('__relaxed_dot8')), 'no relaxed dot8 kernel row');
  for (const k of r.relaxed.kernels) positive(k.gmacPerSec, `relaxed ${k.module} ${k.kernel}`);
  assert.equal(r.relaxed.models.length, shapes.length * mixes.length);
  for (const m of r.relaxed.models) positive(m.ratio, `relaxed ${m.shape} ${m.mix}`);

  // Targets are evaluated (pass or miss) wherever the run has the figures: every row that names only mixes of this run
  // (wasm3 rows only with wasm3).
  assert.ok(r.targets.length >= 40, `only ${r.targets.length} target rows`);
  const allMixes = BIT_MIXES.map((m) => m.name);
  for (const t of r.targets) {
    const named = allMixes.filter((x) => new RegExp(`(^| )${x.replace(/-/g, '\\-')}( |$)`).test(t.target));
    const runnable = named.every((x) => mixes.includes(x)) && (wasm3 || !t.target.includes('wasm3'));
    if (runnable) assert.ok(typeof t.pass === 'boolean', `target '${t.target}' not evaluated: ${t.measured}`);
  }

  const text = formatReport(r);
  for (const h of ['(a) GEMV and GEMM kernels', 'kernels chosen per layer', '(b, c) NMP models', '(d) peers', 'batch-1 p50 ratio', 'batch-256 throughput ratio', 'relaxed.wasm vs simd.wasm', 'paired batch-1', 'targets']) {
    assert.ok(text.includes(h), `table '${h}' missing`);
  }

  const dir = mkdtempSync(join(tmpdir(), 'nmp-bench-'));
  try {
    const path = writeReport(r, dir);
    assert.deepEqual(readdirSync(dir).sort(), [path.slice(dir.length + 1), 'latest.json'].sort());
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')), JSON.parse(JSON.stringify(r)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
