/**
 * @fileoverview Both backends under Deno (the `deno` npm devDependency, offline): spawns deno on deno/backends.deno.js and
 * turns each of its JSON results into a subtest here, so Deno's counts appear in Node's runner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { denoBin, repoRoot } from '../support/paths.js';

const script = `${repoRoot}dist/test/runtime/deno/backends.deno.js`;

test('runtime › deno › both backends and the no-host path equal the reference under Deno', async (t) => {
  assert.ok(existsSync(denoBin), `${denoBin} missing: npm ci installs the deno devDependency`);
  // --allow-env: msgpackr reads MSGPACKR_NATIVE_ACCELERATION_DISABLED; no network permission, so it runs offline.
  const r = spawnSync(denoBin, ['run', '--no-prompt', '--allow-read', '--allow-env', script], {
    cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
  });
  assert.equal(r.status, 0, `deno exited with ${r.status}: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop()!;
  const { deno, results } = JSON.parse(line) as { deno: { deno: string; v8: string } | null; results: { name: string; error: string | null }[] };
  t.diagnostic(`deno ${deno?.deno} (v8 ${deno?.v8}): ${results.length} checks`);
  assert.ok(results.length >= 24, `only ${results.length} checks ran`);
  for (const { name, error } of results) {
    await t.test(name, () => {
      if (error) assert.fail(error);
    });
  }
});
