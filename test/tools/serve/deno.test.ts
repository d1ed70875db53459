/**
 * @fileoverview `nmp serve` under Deno (the `deno` npm devDependency, as test/runtime/deno.test.ts uses it): the same
 * CLI file run by `deno run`, served by Deno.serve, driven by Node's fetch. Loopback only; no network permission beyond it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { denoBin, repoRoot } from '../../support/paths.js';
import { expected, post, predictUntilVersion, spawnServe, testModel, testRows } from './support.js';

const A = testModel(51), B = testModel(52), C = testModel(53);

test('serve › deno › nmp serve under deno run: predictions, refusals, limits, uploads, --watch, metrics, clean stop', async () => {
  assert.ok(existsSync(denoBin), `${denoBin} missing: npm ci installs the deno devDependency`);
  const dir = await mkdtemp(join(tmpdir(), 'nmp-deno-'));
  await writeFile(join(dir, 'a.nmp'), A.bytes);
  const token = 'deno-token-0123456789';
  // --allow-env: msgpackr and NMP_SERVE_TOKEN; --allow-read: the model and the .wasm files; --allow-net: loopback only.
  const p = await spawnServe(denoBin, ['run', '--no-prompt', '--allow-net=127.0.0.1', '--allow-read', '--allow-env',
    `${repoRoot}dist/tools/cli/nmp.js`, 'serve', join(dir, 'a.nmp'), '--port', '0', '--max-body', '4000', '--watch', '--watch-interval', '50'], { NMP_SERVE_TOKEN: token });
  try {
    const rows = testRows(8, 6, 3);
    const r = await post(`${p.url}/v1/models/a:predict`, { instances: rows });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.predictions, rows.map((x) => expected(A, x)));
    const csv = `${A.decoded.meta.featureNames.join(',')}\n${rows.map((x) => x.join(',')).join('\n')}\n`;
    assert.deepEqual((await post(`${p.url}/v1/models/a:predict`, csv, 'text/csv')).json.predictions, rows.map((x) => expected(A, x)));
    const bad = await post(`${p.url}/v1/models/a:predict`, { instances: [{ f0: 1 }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, 'instances[0].f1');
    const big = await fetch(`${p.url}/v1/models/a:predict`, { method: 'POST', body: JSON.stringify({ instances: testRows(200, 6, 1) }) });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as any).error.code, 'E_BODY_TOO_LARGE');
    const up = await fetch(`${p.url}/v1/models/a`, { method: 'PUT', body: B.bytes as unknown as BodyInit, headers: { authorization: `Bearer ${token}` } });
    assert.equal(up.status, 200);
    const after = await post(`${p.url}/v1/models/a:predict`, { instances: rows.slice(0, 1) });
    assert.equal(after.json.version, 2);
    assert.deepEqual(after.json.predictions, [expected(B, rows[0])]);
    const metrics = await (await fetch(`${p.url}/metrics`)).text();
    assert.match(metrics, /^nmp_http_errors_total\{route="other",code="E_BODY_TOO_LARGE"\} 1$/m);
    assert.match(metrics, /^nmp_model_swaps_total\{model="a"\} 2$/m);
    assert.equal((await fetch(`${p.url}/healthz`)).status, 200);
    // --watch under Deno: a file renamed over the served one becomes version 3.
    await writeFile(join(dir, '.a.tmp'), C.bytes);
    await rename(join(dir, '.a.tmp'), join(dir, 'a.nmp'));
    const last = await predictUntilVersion(`${p.url}/v1/models/a:predict`, rows.slice(0, 1), 3);
    assert.equal(last.json.version, 3);
    assert.deepEqual(last.json.predictions, [expected(C, rows[0])]);
  } finally {
    const code = await p.stop();
    await rm(dir, { recursive: true });
    assert.equal(code, 0, `deno exited with ${code}: ${p.stderr()}`);
  }
});
