/**
 * @fileoverview One ABI source: runtime/abi.ts must mirror assembly/common/abi.ts name for name and value for value, the
 * no-host error names must be formats/errors.ts's codes (plus E_MEMORY) and match the C hosts' name tables, and
 * runtime/plan.ts must move exactly the *_PTR fields when it rebases an arena.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as abi from '../../runtime/abi.js';
import { readModel } from '../../formats/read.js';
import { planArena, rebasePlan } from '../../runtime/plan.js';
import { repoRoot, testdataDir } from '../support/paths.js';
import { conformanceVectors } from './support/exact.js';

const AS_ABI = 'assembly/common/abi.ts', TS_ABI = 'runtime/abi.ts';
const C_HOSTS = ['runtime/c/nmp-host.c', 'runtime/c/nmp-cli.c', 'runtime/wasm3/host.c', 'runtime/wasm2c/host.c', 'runtime/mcu/main.c', 'tools/bench/wasm3/driver.c'];

/** NAME -> value of every `export const NAME = <integer>;` line; throws on an export the parser cannot read. */
function parseAbi(path: string): Map<string, number> {
  const text = readFileSync(`${repoRoot}${path}`, 'utf8');
  const out = new Map<string, number>();
  for (const line of text.split('\n').filter((l) => /^\s*export\b/.test(l))) {
    const m = /^export const ([A-Z][A-Z0-9_]*) = (-?\d+);$/.exec(line);
    if (!m) throw new Error(`${path}: cannot read export ${JSON.stringify(line)}, expected one 'export const NAME = <integer>;' per line`);
    if (out.has(m[1])) throw new Error(`${path}: ${m[1]} defined twice`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

const asAbi = parseAbi(AS_ABI), tsAbi = parseAbi(TS_ABI);
const fields = (prefix: string) => [...asAbi].filter(([n]) => n.startsWith(prefix) && !n.endsWith('_WORDS') && n !== 'REC_BYTES');

test('abi › runtime/abi.ts mirrors assembly/common/abi.ts: same names, same values', () => {
  const diffs: string[] = [];
  for (const [name, v] of asAbi) {
    if (!tsAbi.has(name)) diffs.push(`${name}: in ${AS_ABI} (${v}), missing in ${TS_ABI}`);
    else if (tsAbi.get(name) !== v) diffs.push(`${name}: ${AS_ABI} says ${v}, ${TS_ABI} says ${tsAbi.get(name)}`);
  }
  for (const [name, v] of tsAbi) if (!asAbi.has(name)) diffs.push(`${name}: in ${TS_ABI} (${v}), missing in ${AS_ABI}`);
  assert.deepEqual(diffs, []);
  // The parser saw every export of the compiled mirror.
  assert.deepEqual(Object.entries(abi).sort(), [...tsAbi].sort());
});

test('abi › records: fields inside their record, no two at one word or byte; kernel ids distinct, KERNEL_I8 the largest layout id, table ids above it', () => {
  for (const [prefix, words] of [['HDR_', abi.HDR_WORDS], ['LAYER_', abi.LAYER_WORDS], ['GROUP_', abi.GROUP_WORDS]] as const) {
    const f = fields(prefix);
    for (const [name, v] of f) assert.ok(v >= 0 && v < words, `${name} = ${v}, expected 0..${words - 1}`);
    assert.equal(new Set(f.map(([, v]) => v)).size, f.length, `${prefix}* fields share a word: ${JSON.stringify(f)}`);
  }
  const size: Record<string, number> = { REC_MULT: 4, REC_INDEX: 2, REC_SHIFT: 1, REC_BITS: 1 };
  const bytes = new Array<string | undefined>(abi.REC_BYTES);
  for (const [name, at] of fields('REC_')) {
    assert.ok(size[name], `${name}: no size known to this test`);
    for (let b = at; b < at + size[name]; b++) {
      assert.ok(b < abi.REC_BYTES && bytes[b] === undefined, `${name} overlaps ${bytes[b] ?? 'the end of the record'} at byte ${b}`);
      bytes[b] = name;
    }
  }
  const kernels = fields('KERNEL_').filter(([n]) => !n.startsWith('KERNEL_I8_ABOVE'));
  assert.equal(new Set(kernels.map(([, v]) => v)).size, kernels.length);
  for (const w of [1, 2, 4, 8]) assert.equal(asAbi.get(`KERNEL_W${w}`), w, 'layout kernel ids equal their widths (the packers take them as widths)');
  // The no-host planner counts rows per layout id in an array of KERNEL_I8 + 1 entries; table ids (KERNEL_LUT + 1..8 planes)
  // must not collide with any layout id.
  assert.equal(Math.max(...kernels.filter(([n]) => n !== 'KERNEL_LUT' && n !== 'KERNEL_DOT8').map(([, v]) => v)), abi.KERNEL_I8);
  assert.ok(abi.KERNEL_DOT8 > abi.KERNEL_I8 && abi.KERNEL_LUT > abi.KERNEL_DOT8);
});

test('abi › no-host error numbers: the codes of formats/errors.ts plus E_MEMORY, numbered 1..n', () => {
  const formats = [...readFileSync(`${repoRoot}formats/errors.ts`, 'utf8').matchAll(/\| '(E_[A-Z0-9_]+)'/g)].map((m) => m[1]);
  assert.ok(formats.length >= 14, `read ${formats.length} codes from formats/errors.ts`);
  const errors = fields('E_');
  assert.deepEqual(errors.map(([n]) => n).sort(), [...formats, 'E_MEMORY'].sort());
  assert.deepEqual(errors.map(([, v]) => v).sort((a, b) => a - b), errors.map((_, i) => i + 1));
});

test('abi › C hosts: a table of error names indexed by number agrees with abi; no other E_* name in C', () => {
  const byNumber = new Map(fields('E_').map(([n, v]) => [v, n]));
  for (const path of C_HOSTS) {
    const text = readFileSync(`${repoRoot}${path}`, 'utf8');
    const table = /CODES\[\]\s*=\s*\{([^}]*)\}/.exec(text);
    if (table) {
      const names = [...table[1].matchAll(/"([^"]*)"/g)].map((m) => m[1]);
      assert.equal(names.length, byNumber.size + 1, `${path}: CODES has ${names.length} entries, expected 0..${byNumber.size}`);
      names.forEach((name, i) => assert.equal(name, i === 0 ? 'ok' : byNumber.get(i), `${path}: CODES[${i}]`));
    }
    const rest = table ? text.replace(table[0], '') : text;
    assert.deepEqual([...rest.matchAll(/\bE_[A-Z0-9_]+/g)].map((m) => m[0]), [], `${path}: error names outside a CODES table`);
  }
});

test('abi › rebasePlan moves exactly the *_PTR fields of header, layers and groups; they point into the arena', () => {
  const ptr = (prefix: string) => new Set(fields(prefix).filter(([n]) => n.endsWith('_PTR')).map(([, v]) => v));
  for (const backend of ['simd', 'scalar'] as const) {
    for (const v of conformanceVectors(testdataDir)) {
      const plan = planArena(readModel(v.bytes), backend, 1000);
      const before = new Int32Array(plan.image.slice().buffer);
      const moved = rebasePlan({ ...plan, image: plan.image.slice() }, plan.base + 4096);
      const after = new Int32Array(moved.image.buffer);
      const check = (word: number, field: number, isPtr: boolean, what: string) => {
        const b = before[word], a = after[word];
        if (isPtr && b !== 0) {
          assert.ok(b >= plan.base && b < plan.base + plan.image.length, `${backend} ${v.name} ${what}: ${b} outside the arena`);
          assert.equal(a, b + 4096, `${backend} ${v.name} ${what} not moved`);
        } else {
          assert.equal(a, b, `${backend} ${v.name} ${what} (word ${field}) moved`);
        }
      };
      const h = (plan.descPtr - plan.base) >> 2;
      for (let f = 0; f < abi.HDR_WORDS; f++) check(h + f, f, ptr('HDR_').has(f), `header word ${f}`);
      for (let l = 0; l < before[h + abi.HDR_LAYERS]; l++) {
        const r = h + abi.HDR_WORDS + abi.LAYER_WORDS * l;
        for (let f = 0; f < abi.LAYER_WORDS; f++) check(r + f, f, ptr('LAYER_').has(f), `layer ${l} word ${f}`);
        const g = (before[r + abi.LAYER_GROUPS_PTR] - plan.base) >> 2;
        for (let i = 0; i < before[r + abi.LAYER_GROUPS]; i++) {
          for (let f = 0; f < abi.GROUP_WORDS; f++) check(g + abi.GROUP_WORDS * i + f, f, ptr('GROUP_').has(f), `layer ${l} group ${i} word ${f}`);
        }
      }
    }
  }
});
