/** @fileoverview bench:load smoke run on a 2 MB model: one row per reader and host, each with a verdict (no timing assertions). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('bench:load › 2 MB: a targets table with every reader and host, MB/s and peak memory against file + arena', () => {
  const script = fileURLToPath(new URL('../../../tools/bench/load.js', import.meta.url));
  const out = execFileSync(process.execPath, [script, '--mb', '2'], { encoding: 'utf8' });
  for (const host of ['formats/read.ts', 'loadModel simd', 'loadModel scalar', 'nohost.wasm (V8)']) {
    const row = out.split('\n').find((l) => l.startsWith(`| ${host} |`));
    assert.ok(row, `no row for ${host} in\n${out}`);
    const cells = row.split('|').map((c) => c.trim());
    assert.match(cells[5], /^(PASS|MISS)$/, row);
    assert.match(cells[9], host === 'formats/read.ts' ? /^n\/a/ : /^(PASS|MISS)$/, row);
    assert.ok(Number(cells[2]) > 1.5 && Number(cells[2]) < 2.5, `file MB ${cells[2]}`);
  }
});
