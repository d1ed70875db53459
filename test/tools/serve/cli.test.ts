/** @fileoverview `nmp serve` as a user runs it (Node): --help, usage and file errors, a watched directory, SIGTERM. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../support/paths.js';
import { expected, post, predictUntilVersion, spawnServe, testModel, testRows } from './support.js';

const NMP = `${repoRoot}dist/tools/cli/nmp.js`;
const nmp = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [NMP, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });

test('serve › cli › --help documents every flag; nmp --help lists serve', () => {
  const h = nmp(['serve', '--help']);
  assert.equal(h.status, 0);
  for (const flag of ['--port', '--host', '--watch', '--watch-interval', '--token-file', '--batch-window', '--max-batch', '--max-body', '--max-model-bytes',
    '--max-rows', '--max-queue', '--timeout', '--backend', '--mqtt', '--subscribe', '--publish-prefix', '--error-topic', '--mqtt-model', '--mqtt-client-id', '--quiet']) {
    assert.match(h.stdout, new RegExp(`${flag}\\b`), flag);
  }
  assert.match(h.stdout, /127\.0\.0\.1/);
  assert.match(h.stdout, /NMP_SERVE_TOKEN/);
  assert.match(h.stdout, /deno run/);
  assert.match(nmp(['--help']).stdout, /^\s+serve\s/m);
});

test('serve › cli › bad usage exits 2, bad files exit 1, each with one error line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nmp-serve-cli-'));
  try {
    await writeFile(join(dir, 'bad.nmp'), new Uint8Array([1, 2, 3]));
    await writeFile(join(dir, 'a.nmp'), testModel(81).bytes);
    const cases: [string[], number, RegExp, Record<string, string>?][] = [
      [['serve'], 2, /needs <models>/],
      [['serve', join(dir, 'a.nmp'), '--mqtt', 'mqtt://127.0.0.1:1'], 2, /--subscribe/],
      [['serve', join(dir, 'a.nmp'), '--port', '-1'], 2, /--port/],
      [['serve', join(dir, 'a.nmp'), '--mqtt', 'mqtt://127.0.0.1:1', '--subscribe', 's/#', '--mqtt-model', 'b'], 2, /--mqtt-model b is not one of the loaded models/],
      [['serve', join(dir, 'a.nmp'), '--backend', 'gpu'], 2, /--backend/],
      [['serve', join(dir, 'missing.nmp')], 1, /no such file/],
      [['serve', join(dir, 'bad.nmp')], 1, /not a valid nmp-edge model/],
      [['serve', `../x=${join(dir, 'a.nmp')}`], 1, /no such file|not allowed/],
      [['serve', join(dir, 'a.nmp')], 1, /token is shorter than 8/, { NMP_SERVE_TOKEN: 'short' }],
    ];
    for (const [args, code, pattern, env] of cases) {
      const r = nmp(args, env);
      assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
      // The error is the last line, one line, no stack; timestamped log lines may precede it.
      const lines = r.stderr.trim().split('\n');
      assert.match(lines[lines.length - 1], /^nmp: /, r.stderr);
      assert.match(lines[lines.length - 1], pattern, args.join(' '));
      assert.ok(lines.slice(0, -1).every((l) => /^\d{4}-\d\d-\d\dT.* nmp serve: /.test(l)), r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('serve › cli › a watched directory under node: serves, picks up a replaced file, stops cleanly on SIGTERM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nmp-serve-cli-'));
  const A = testModel(82), B = testModel(83);
  await writeFile(join(dir, 'a.nmp'), A.bytes);
  const p = await spawnServe(process.execPath, [NMP, 'serve', dir, '--watch', '--watch-interval', '50', '--port', '0']);
  try {
    assert.match(p.url, /^http:\/\/127\.0\.0\.1:/);
    const row = testRows(1, 6, 1);
    assert.deepEqual((await post(`${p.url}/v1/models/a:predict`, { instances: row })).json.predictions, [expected(A, row[0])]);
    await writeFile(join(dir, '.a.tmp'), B.bytes);
    await rename(join(dir, '.a.tmp'), join(dir, 'a.nmp'));
    const last = await predictUntilVersion(`${p.url}/v1/models/a:predict`, row, 2);
    assert.equal(last.json.version, 2);
    assert.deepEqual(last.json.predictions, [expected(B, row[0])]);
  } finally {
    const code = await p.stop();
    await rm(dir, { recursive: true });
    assert.equal(code, 0, p.stderr());
    assert.match(p.stderr(), /SIGTERM: stopping/);
  }
});
