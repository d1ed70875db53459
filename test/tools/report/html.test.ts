/** @fileoverview The HTML report renders its charts and re-runs a model in the browser's WASM SIMD, equal to Node bit for bit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport } from '../../../tools/report/html.js';
import { reportAssets, selfTestCases } from '../../../tools/report/build.js';
import { chromiumPath, dumpDom } from '../../support/chromium.js';
import { testdataDir } from '../../support/paths.js';

const models = ['mlp-mixed', 'pruned', 'regression'].map((n) => ({ name: n, bytes: new Uint8Array(readFileSync(`${testdataDir}${n}.nmp`)) }));

function selfTestResult(dom: string): { status: string; mismatches: number; outputs: number; charts: { kind: string; width: number; height: number; shapes: number }[] } {
  const m = dom.match(/<pre id="selftest"[^>]*data-result="([^"]*)"/);
  assert.ok(m, 'the in-page check wrote its result');
  return JSON.parse(m[1].replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
}

test('report › self-contained: no external URL, every chart inline', async () => {
  const html = buildReport({ title: 't', models: [models[0]], selfTest: { model: 0, inputs: [], expected: [] }, ...(await reportAssets()) });
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no network resources');
  assert.match(html, /<svg class="chart stacked"/);
  assert.match(html, /<svg class="chart neurons"/);
});

test('report › in headless Chromium: charts render and the SIMD prediction equals Node bit for bit', { skip: chromiumPath ? false : 'chromium not installed (.ci/run installs it)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nmp-report-'));
  try {
    const assets = await reportAssets();
    const selfTest = { model: 0, ...(await selfTestCases(models[0].bytes, 24)) };
    const file = join(dir, 'report.html');
    writeFileSync(file, buildReport({ title: 'test', models: models.map((m) => ({ ...m, metric: { name: 'accuracy', value: Math.random(), higherIsBetter: true } })), selfTest, ...assets }));
    const result = selfTestResult(await dumpDom(file));
    assert.equal(result.status, 'PASS', JSON.stringify(result));
    assert.equal(result.mismatches, 0);
    assert.equal(result.outputs, 24 * 7);
    // 3 models: weight and activation bars each, a neuron map per layer (4 + 3 + 2), one scatter.
    assert.equal(result.charts.length, 3 * 2 + 9 + 1);
    for (const c of result.charts) assert.ok(c.width > 100 && c.height > 20 && c.shapes > 0, `chart rendered: ${JSON.stringify(c)}`);
    t.diagnostic(`${result.outputs} outputs equal, ${result.charts.length} charts rendered`);

    // The check has teeth: one expected value nudged by a few float32 ulps must be reported as a mismatch.
    const bad = structuredClone(selfTest);
    bad.expected[3][2] = Math.fround(bad.expected[3][2] * (1 + 2 ** -20));
    writeFileSync(file, buildReport({ title: 'test', models, selfTest: bad, ...assets }));
    const failed = selfTestResult(await dumpDom(file));
    assert.equal(failed.status, 'FAIL');
    assert.equal(failed.mismatches, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
