/**
 * @fileoverview Which room imports which (issue #15): the report, the benchmarks and the pipeline never import the CLI,
 * and the conformance fixtures in formats/testdata/ reach only tests and benchmarks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../../support/paths.js';

/** Every relative import of every .ts source under `dirs`, as [importing file, imported file] relative to the repo. */
function imports(dirs: string[]): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts')) {
        for (const m of readFileSync(join(repoRoot, path), 'utf8').matchAll(/\bfrom '(\.{1,2}\/[^']+)'|\bimport\('(\.{1,2}\/[^']+)'\)/g)) {
          out.push([path, relative(repoRoot, resolve(repoRoot, dirname(path), m[1] ?? m[2]))]);
        }
      }
    }
  };
  dirs.forEach(walk);
  return out;
}

const all = imports(['runtime', 'formats', 'tools', 'test']);

test('imports › tools/report, tools/bench and tools/pipeline never import tools/cli', () => {
  const bad = all.filter(([from, to]) => /^tools\/(report|bench|pipeline)\//.test(from) && to.startsWith('tools/cli/'));
  assert.deepEqual(bad, []);
});

test('imports › formats/testdata/ is imported only by tests and benchmarks', () => {
  assert.ok(all.some(([, to]) => to.startsWith('formats/testdata/')), 'the scan sees imports of the fixtures');
  const bad = all.filter(([from, to]) => to.startsWith('formats/testdata/') && !/^(test|tools\/bench|formats\/testdata)\//.test(from));
  assert.deepEqual(bad, []);
});
