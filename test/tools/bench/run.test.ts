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
import { PEER_TOLERANCE, PEER_VARIANTS } from '../../../tools/bench/peers.js';
import { formatReport, writeReport } from '../../../tools/bench/report.js';
import { shapeName } from '../../../tools/bench/models.js';

const positive = (v: unknown, what: string) => assert.ok(typeof v === 'number' && Number.isFinite(v) && v > 0, `${what} = ${v}, expected a finite number > 0`);

test('bench › quick run: kernels, models, memory, peers and ratios are well-formed; peers matched the float reference', async () => {
  const s = defaultSettings(true);
  Object.assign(s, { samples: 5, warmup: 2, verifyRows: 4, rateTime: 0.01, kernelRateTime: 0.01, mixes: ['w4a8', 'mix'], outDir: null });
  const r = await runBench(s);
  const shapes = SHAPES.map(shapeName);

  // (a): the four SIMD widths on both layer shapes, the scalar module's bit-serial kernels, all checked before timing.
  for (const [rows, cols] of s.kernelShapes) {
    for (const W of [1, 2, 4, 8]) {
      for (const [backend, suffix] of [['simd', '__simd128_dot16'], ['scalar', '__scalar_popcnt']]) {
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
  assert.equal(r.models.length, shapes.length * 2 * (wasm3 ? 3 : 2));
  for (const m of r.models) {
    const id = `${m.backend} ${m.shape} ${m.mix}`;
    assert.ok(shapes.includes(m.shape) && ['simd', 'scalar', 'wasm3'].includes(m.backend) && ['w4a8', 'mix'].includes(m.mix), id);
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

  // Paired headline ratios: every mix of the first shape against every onnxruntime-node variant.
  assert.equal(r.paired.length, 2 * PEER_VARIANTS.length);
  for (const p of r.paired) {
    assert.ok(p.shape === shapes[0] && p.peer.startsWith('onnxruntime-node ') && p.rounds === s.pairedRounds, JSON.stringify(p));
    assert.ok(p.ratioMin <= p.ratio && p.ratio <= p.ratioMax, JSON.stringify(p));
    positive(p.ratio, `paired ${p.mix} ${p.peer}`);
  }

  // Targets are evaluated (pass or miss) wherever the run has the figures.
  assert.equal(r.targets.length, 4 + 2 + 3 + 2 * shapes.length * 2, 'target rows');
  for (const t of r.targets) assert.ok(typeof t.pass === 'boolean', `target '${t.target}' not evaluated: ${t.measured}`);

  const text = formatReport(r);
  for (const h of ['(a) GEMV kernels', '(b, c) NMP models', '(d) peers', 'batch-1 p50 ratio', 'batch-256 throughput ratio', 'paired batch-1', 'targets']) assert.ok(text.includes(h), `table '${h}' missing`);

  const dir = mkdtempSync(join(tmpdir(), 'nmp-bench-'));
  try {
    const path = writeReport(r, dir);
    assert.deepEqual(readdirSync(dir).sort(), [path.slice(dir.length + 1), 'latest.json'].sort());
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')), JSON.parse(JSON.stringify(r)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
