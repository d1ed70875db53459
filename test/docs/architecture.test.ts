/**
 * @fileoverview docs/ARCHITECTURE.md's import rules, held against the code: every relative import of every TypeScript
 * source goes to its own room or to a room its row allows, and every source belongs to a room of the table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../support/paths.js';

const doc = readFileSync(join(repoRoot, 'docs/ARCHITECTURE.md'), 'utf8');

/** The "Import rules" table: room -> rooms it may import ('any' = no rule). */
function rules(): Map<string, string[] | 'any'> {
  const section = doc.slice(doc.indexOf('## Import rules'));
  const rows = [...section.matchAll(/^\| `([a-z/]+)` \| (.+?) \|$/gm)];
  return new Map(rows.map(([, room, allowed]) => [room, allowed.trim() === 'any' ? 'any' : [...allowed.matchAll(/`([a-z/]+)`/g)].map((m) => m[1])]));
}

/** Every .ts file under `dir` (relative to the repo). */
function sources(dir: string): string[] {
  if (!existsSync(join(repoRoot, dir))) return [];
  return readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports of a source file, as repo-relative paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  return [...text.matchAll(/\bfrom '(\.{1,2}\/[^']+)'|\bimport\s*\(?'(\.{1,2}\/[^']+)'/g)].map((m) => relative(repoRoot, resolve(repoRoot, dirname(file), m[1] ?? m[2])));
}

const table = rules();
/** The room of a path: the longest room of the table it lies in. */
const roomOf = (path: string) => [...table.keys()].filter((r) => path.startsWith(r)).sort((a, b) => b.length - a.length)[0];

test('architecture › the rule table lists the rooms of the tree', () => {
  assert.ok(table.size >= 8, `parsed ${table.size} rooms from docs/ARCHITECTURE.md`);
  for (const dir of readdirSync(join(repoRoot, 'tools'), { withFileTypes: true }).filter((e) => e.isDirectory())) {
    if (sources(`tools/${dir.name}`).length) assert.ok(table.has(`tools/${dir.name}/`), `tools/${dir.name}/ has sources but no row in the import rules`);
  }
});

test('architecture › every import stays in its room or goes to a room its row allows', () => {
  const bad: string[] = [];
  let checked = 0;
  for (const file of ['formats', 'runtime', 'tools'].flatMap(sources)) {
    const from = roomOf(file);
    const allowed = table.get(from);
    if (allowed === 'any') continue;
    for (const target of importsOf(file)) {
      checked++;
      const to = roomOf(target);
      if (to !== from && !allowed!.includes(to ?? target)) bad.push(`${file} imports ${target} (${to ?? 'no room'}); ${from} may import ${allowed!.join(', ') || 'nothing else'}`);
    }
  }
  assert.ok(checked > 100, `only ${checked} imports seen`);
  assert.deepEqual(bad, []);
});

test('architecture › assembly/ imports nothing outside itself', () => {
  const bad = sources('assembly').flatMap((f) => importsOf(f).filter((t) => !t.startsWith('assembly/')).map((t) => `${f} imports ${t}`));
  assert.deepEqual(bad, []);
});
