/**
 * @fileoverview The self-contained HTML report: where every model's bits went (per layer and per neuron), what they
 * bought (metric against bytes, with the Pareto front), latency and memory, and an in-page prediction through the
 * runtime's SIMD build that must equal the Node result bit for bit. One file: inline SVG, CSS and script, no network.
 */

import { readModel } from '../../formats/read.js';
import { summarizeModel, type ModelSummary } from '../../formats/summary.js';
import type { NmpModel } from '../../formats/schema.js';
import type { BackendBench } from '../pipeline/bench.js';
import { actBitColor, CHART_CSS, esc, neuronMap, paretoScatter, stackedBars, weightBitColor } from './svg.js';

export interface ReportModel {
  /** Display name, e.g. the method (`nmp`, `uniform:2`) or the file name. */
  name: string;
  bytes: Uint8Array;
  /** Main metric of this integer model; defaults to the provenance metrics stored in the file. */
  metric?: { name: string; value: number; higherIsBetter: boolean };
  bench?: BackendBench[];
}

export interface ReportInput {
  title: string;
  subtitle?: string;
  models: ReportModel[];
  /** Index of the model the page re-runs in the browser, with inputs and the outputs Node computed. */
  selfTest: { model: number; inputs: number[][]; expected: number[][] };
  /** IIFE bundle of the runtime exposing `NmpRuntime` (dist/report/runtime.browser.js). */
  runtimeBundle: string;
  simdWasm: Uint8Array;
}

const kib = (n: number) => (n / 1024).toFixed(1);
const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** The metric a file records for itself: accuracy for classification, MSE for regression. */
export function storedMetric(m: NmpModel): ReportModel['metric'] {
  const metrics = m.meta.provenance.metrics;
  for (const [name, higherIsBetter] of [['test_accuracy', true], ['accuracy', true], ['test_mse', false], ['mse', false]] as const) {
    if (metrics[name] !== undefined) return { name, value: metrics[name], higherIsBetter };
  }
  return undefined;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;color:#1b1f24;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:14px;margin:16px 0 6px}.sub{color:#57606a;margin:0 0 16px}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 8px;font-size:13px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th{background:#f6f8fa}td:first-child,th:first-child{text-align:left}
${CHART_CSS}
.grid2{display:flex;flex-wrap:wrap;gap:8px 28px}.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;margin:10px 0}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px -2px 10px}#selftest{background:#f6f8fa;padding:8px;white-space:pre-wrap}
`;

function modelSection(name: string, m: NmpModel, s: ModelSummary): string {
  const layers = s.layers;
  const wBars = stackedBars(`${name}: weight bits per layer`, layers.map((l) => ({ label: `layer ${l.index}`, counts: l.weightBitsHistogram })), weightBitColor, 'w');
  const aBars = layers.some((l) => l.actBitsHistogram)
    ? stackedBars(`${name}: activation bits per layer`, layers.filter((l) => l.actBitsHistogram).map((l) => ({ label: `layer ${l.index}`, counts: l.actBitsHistogram! })), actBitColor, 'a')
    : '';
  const maps = m.layers.map((l, i) => neuronMap(`layer ${i}: ${l.inFeatures} -> ${l.outFeatures} (top: weight bits, bottom: activation bits)`, l.weightBits, l.act?.bits ?? null)).join('');
  const p = m.meta.provenance;
  return `<div class="card"><h3>${esc(name)}</h3>
<p>${esc(m.meta.task)} · ${m.meta.featureNames.length} features → ${m.meta.outputNames.length} outputs · method ${esc(p.method)} · dataset ${esc(p.dataset)} · seed ${p.seed ?? 'n/a'} ·
average ${s.avgWeightBits.toFixed(2)} weight bits${s.avgActBits === null ? '' : `, ${s.avgActBits.toFixed(2)} activation bits`} · ${s.prunedNeurons} pruned neurons · ${s.bytes.total} bytes (fp32 ${s.equivalents.fp32}, int8 ${s.equivalents.int8})</p>
<div class="grid2">${wBars}${aBars}</div>${maps}</div>`;
}

export function buildReport(input: ReportInput): string {
  const decoded = input.models.map((r) => ({ r, m: readModel(r.bytes) }));
  const rows = decoded.map(({ r, m }) => ({ r, m, s: summarizeModel(m, r.bytes.length), metric: r.metric ?? storedMetric(m) }));
  const withMetric = rows.filter((x) => x.metric);
  const metricName = withMetric[0]?.metric!.name ?? 'metric';
  const scatter = withMetric.length
    ? paretoScatter(`${metricName} of the integer model against model size (${withMetric[0].metric!.higherIsBetter ? 'higher' : 'lower'} is better)`, metricName, withMetric.map((x, i) => ({ label: x.r.name, x: x.s.bytes.total, y: x.metric!.value, highlight: i === 0 })), withMetric[0].metric!.higherIsBetter)
    : '<p>No model records a metric.</p>';
  const summaryTable = `<table><tr><th>model</th><th>${esc(metricName)}</th><th>avg weight bits</th><th>avg act bits</th><th>bytes</th><th>vs fp32</th><th>pruned</th></tr>${
    rows.map((x) => `<tr><td>${esc(x.r.name)}</td><td>${x.metric ? x.metric.value.toFixed(4) : '-'}</td><td>${x.s.avgWeightBits.toFixed(2)}</td><td>${x.s.avgActBits?.toFixed(2) ?? '-'}</td><td>${x.s.bytes.total}</td><td>${(x.s.equivalents.fp32 / x.s.bytes.total).toFixed(1)}x smaller</td><td>${x.s.prunedNeurons}</td></tr>`).join('')}</table>`;
  const benchRows = rows.flatMap((x) => (x.r.bench ?? []).map((b) => `<tr><td>${esc(x.r.name)}</td><td>${esc(b.backend)}</td><td>${b.p50us.toFixed(2)}</td><td>${b.p99us.toFixed(2)}</td><td>${Math.round(b.samplesPerSecond)}</td><td>${kib(b.memory.weights)}</td><td>${kib(b.memory.activations)}</td><td>${kib(b.memory.total)}</td><td>${kib(b.memory.linearMemory)}</td><td>${kib(b.memory.module)}</td></tr>`));
  const benchTable = benchRows.length
    ? `<table><tr><th>model</th><th>backend</th><th>p50 µs</th><th>p99 µs</th><th>samples/s (batch 256)</th><th>weights KiB</th><th>activations KiB</th><th>arena KiB</th><th>linear memory KiB</th><th>module KiB</th></tr>${benchRows.join('')}</table>`
    : '<p>Not measured (run <code>nmp report</code> without <code>--no-bench</code>).</p>';
  const st = input.selfTest;
  const selfTestData = JSON.stringify({ inputs: st.inputs, expected: st.expected });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${CSS}</style></head>
<body>
<h1>${esc(input.title)}</h1>
<p class="sub">${esc(input.subtitle ?? '')} Every number comes from the exported integer models as the runtime executes them.</p>
<h2>What the bits bought</h2>
${scatter}
${summaryTable}
<h2>Where the bits went</h2>
${rows.map((x) => modelSection(x.r.name, x.m, x.s)).join('\n')}
<h2>Latency and memory</h2>
${benchTable}
<h2>In-page check</h2>
<p>This page runs <b>${esc(rows[st.model]?.r.name ?? '')}</b> through the runtime's WebAssembly SIMD build in this browser and compares every output with the value Node computed, bit for bit.</p>
<pre id="selftest" data-status="pending">running…</pre>
<script>${input.runtimeBundle}</script>
<script>
(async () => {
  const out = document.getElementById('selftest');
  const bin = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const charts = [...document.querySelectorAll('svg.chart')].map((s) => { const r = s.getBoundingClientRect(); return { kind: s.getAttribute('class'), width: Math.round(r.width), height: Math.round(r.height), shapes: s.querySelectorAll('rect,circle,path').length }; });
  try {
    const data = ${selfTestData};
    const model = await NmpRuntime.loadModel(bin('${b64(rows[st.model]?.r.bytes ?? new Uint8Array())}'), { backend: 'simd', wasm: { simd: bin('${b64(input.simdWasm)}') } });
    let mismatches = 0, first = null;
    data.inputs.forEach((x, i) => {
      const y = Array.from(model.predict(x));
      y.forEach((v, j) => { if (!Object.is(v, data.expected[i][j])) { mismatches++; first = first || { case: i, output: j, expected: data.expected[i][j], actual: v }; } });
    });
    const result = { status: mismatches ? 'FAIL' : 'PASS', backend: model.info.backend, cases: data.inputs.length, outputs: data.inputs.length * model.info.outputs, mismatches, first, charts };
    out.dataset.status = result.status;
    out.dataset.result = JSON.stringify(result);
    out.textContent = mismatches
      ? 'FAIL: ' + mismatches + ' of ' + result.outputs + ' outputs differ from Node; first: ' + JSON.stringify(first)
      : 'PASS: all ' + result.outputs + ' outputs of ' + result.cases + " samples equal Node's, bit for bit (backend " + result.backend + ', ' + charts.length + ' charts rendered)';
  } catch (e) {
    out.dataset.status = 'ERROR';
    out.dataset.result = JSON.stringify({ status: 'ERROR', message: String(e && e.stack || e), charts });
    out.textContent = 'ERROR: ' + (e && e.message || e);
  }
})();
</script>
</body></html>
`;
}
