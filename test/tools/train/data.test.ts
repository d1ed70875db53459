/** @fileoverview CSV reading (good and bad inputs), seeded splits and feature statistics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DataError, featureStats, fillValues, readCsv, splitDataset } from '../../../tools/train/data.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const LETTER = join(ROOT, 'tools/data/letter.csv.gz');
const dir = await mkdtemp(join(tmpdir(), 'nmp-train-data-'));

async function csv(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

test('readCsv › Letter (gzip): 20000 rows, 16 features, 26 classes A..Z', async () => {
  const ds = await readCsv(LETTER, { target: 'lettr' });
  assert.equal(ds.rows, 20000);
  assert.equal(ds.features, 16);
  assert.equal(ds.task, 'classification');
  assert.deepEqual(ds.classes, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''));
  // First data row: T,2,8,3,5,1,8,13,0,6,6,10,8,0,8,0,8
  assert.equal(ds.classes![ds.labels![0]], 'T');
  assert.deepEqual(Array.from(ds.x.subarray(0, 16)), [2, 8, 3, 5, 1, 8, 13, 0, 6, 6, 10, 8, 0, 8, 0, 8]);
});

test('readCsv › maxRows, streams, gzip streams, quoted cells, CRLF', async () => {
  const ds = await readCsv(LETTER, { target: 'lettr', maxRows: 100 });
  assert.equal(ds.rows, 100);
  const text = 'a,"b,x",y\r\n1,2,"cat"\r\n3,4,dog\r\n';
  const s = await readCsv(Readable.from([text]), { target: 'y', name: 'mem' });
  assert.deepEqual(s.featureNames, ['a', 'b,x']);
  assert.deepEqual(s.classes, ['cat', 'dog']);
  assert.deepEqual(Array.from(s.x), [1, 2, 3, 4]);
  const g = await readCsv(Readable.from([gzipSync(text)]), { target: 'y', gzip: true });
  assert.equal(g.rows, 2);
});

test('readCsv › the inferred task and its reason; many distinct integers are flagged as ambiguous', async () => {
  const col = (values: (i: number) => string | number) => csv('task.csv', ['f,t', ...Array.from({ length: 40 }, (_, i) => `${i},${values(i)}`)].join('\n') + '\n');
  const text = await readCsv(await col((i) => (i % 2 ? 'a' : 'b')), { target: 't' });
  assert.deepEqual([text.task, text.taskReason, text.taskAmbiguous], ['classification', '"t" holds text labels', undefined]);
  const few = await readCsv(await col((i) => i % 20), { target: 't' });
  assert.deepEqual([few.task, few.taskAmbiguous], ['classification', undefined]);
  const many = await readCsv(await col((i) => i % 21), { target: 't' });
  assert.deepEqual([many.task, many.taskReason, many.taskAmbiguous], ['classification', '"t" holds 21 distinct integers, which may be classes or a quantity', true]);
  const real = await readCsv(await col((i) => i / 2), { target: 't' });
  assert.deepEqual([real.task, real.taskReason], ['regression', '"t" holds non-integer numbers']);
  const given = await readCsv(await col((i) => i % 21), { target: 't', task: 'regression' });
  assert.deepEqual([given.task, given.taskReason, given.taskAmbiguous], ['regression', undefined, undefined]);
});

test('readCsv › integer labels sort numerically; several targets give regression', async () => {
  const p = await csv('int.csv', 'f,c\n1,10\n2,9\n3,10\n');
  const ds = await readCsv(p, { target: 'c' });
  assert.deepEqual(ds.classes, ['9', '10']);
  assert.deepEqual(Array.from(ds.labels!), [1, 0, 1]);
  const r = await readCsv(await csv('reg.csv', 'f,y1,y2\n1,0.5,2\n2,1.5,3\n'), { target: ['y1', 'y2'] });
  assert.equal(r.task, 'regression');
  assert.deepEqual(Array.from(r.targets!), [0.5, 2, 1.5, 3]);
});

const BAD: Array<[string, string, object, RegExp]> = [
  ['missing target column', 'a,b\n1,2\n', { target: 'y' }, /target column "y" not found - got columns "a", "b"/],
  ['non-numeric feature cell', 'a,y\n1,x\nfoo,y\n', { target: 'y' }, /line 3, column "a": non-numeric value "foo" - expected a number; a text column can be left out \(exclude: \["a"\]\)/],
  ['empty cell', 'a,b,y\n1,,x\n2,3,z\n', { target: 'y' }, /line 2, column "b": missing value \(empty cell\).*impute/],
  ['NaN cell', 'a,y\n1,x\nNaN,z\n', { target: 'y' }, /line 3, column "a": missing value \(NaN\)/],
  ["R's NA cell", 'a,y\n1,x\nNA,z\n', { target: 'y' }, /line 3, column "a": missing value \(NA\) - expected a number; pass impute: 'mean', 'median', 'most-frequent' or 'drop'/],
  ['NaN when only NA means missing', 'a,y\n1,x\nNaN,z\n', { target: 'y', na: ['NA'], impute: 'mean' }, /line 3, column "a": non-numeric value "NaN" - expected a number; .*if "NaN" marks a missing value, add it to na/],
  ['missing target', 'a,y\n1,x\n2,NA\n', { target: 'y', impute: 'mean' }, /line 3, target column "y": missing value \(NA\) - expected a label; .*impute: 'drop'/],
  ['a column with no values', 'a,b,y\n1,?,x\n2,?,z\n', { target: 'y', impute: 'median' }, /column "b": every cell is missing/],
  ['every row dropped', 'a,y\nNA,x\n?,z\n', { target: 'y', impute: 'drop' }, /every row has a missing cell and was dropped/],
  ['single class', 'a,y\n1,x\n2,x\n', { target: 'y' }, /a single class \("x"\) - expected at least 2 classes/],
  ['empty file', '', { target: 'y' }, /empty file/],
  ['header only', 'a,y\n', { target: 'y' }, /no data rows/],
  ['ragged row', 'a,y\n1,x\n2\n', { target: 'y' }, /line 3: 1 cells - expected 2/],
  ['infinite value', 'a,y\n1e999,x\n2,z\n', { target: 'y' }, /not a finite float32/],
];
for (const [name, text, opts, re] of BAD) {
  test(`readCsv › bad input: ${name}`, async () => {
    const p = await csv(`${name.replace(/ /g, '_')}.csv`, text);
    await assert.rejects(readCsv(p, opts as { target: string }), (e: Error) => {
      assert.ok(e instanceof DataError, `DataError, got ${e}`);
      assert.match(e.message, re);
      assert.ok(e.message.startsWith(p), `message names the file: ${e.message}`);
      return true;
    });
  });
}

test('readCsv › bad input: a file that does not exist', async () => {
  const p = join(dir, 'nope.csv');
  await assert.rejects(readCsv(p, { target: 'y' }), new RegExp(`${p}: file does not exist`));
});

test("readCsv › impute: 'mean' fills missing cells with the column mean", async () => {
  const p = await csv('imp.csv', 'a,b,y\n1,,x\n3,4,z\n,8,x\n');
  const ds = await readCsv(p, { target: 'y', impute: 'mean' });
  assert.deepEqual(Array.from(ds.x), [1, 6, 3, 4, 2, 8]);
});

test('readCsv › missing tokens; median, most-frequent and drop; fill values from elsewhere; the report', async () => {
  // R's write.csv: quoted strings, NA for missing; '?' and null from other exporters; empty cells.
  const text = '"a","b","y"\n1,NA,"x"\n3,4,"z"\n?,8,"x"\n5,4,"x"\nnull,,"z"\n';
  const p = await csv('tokens.csv', text);
  const median = await readCsv(p, { target: 'y', impute: 'median' });
  assert.deepEqual(Array.from(median.x), [1, 4, 3, 4, 3, 8, 5, 4, 3, 4]);
  assert.deepEqual(median.missing, { strategy: 'median', droppedRows: 0, columns: [{ name: 'a', count: 2, fill: 3 }, { name: 'b', count: 2, fill: 4 }] });
  const mode = await readCsv(p, { target: 'y', impute: 'most-frequent' });
  assert.deepEqual(mode.missing!.columns.map((c) => c.fill), [1, 4], 'ties go to the smallest value');
  const drop = await readCsv(p, { target: 'y', impute: 'drop' });
  assert.equal(drop.rows, 2);
  assert.deepEqual(Array.from(drop.x), [3, 4, 5, 4]);
  assert.equal(drop.missing!.droppedRows, 3);
  const filled = await readCsv(p, { target: 'y', impute: 'mean', fill: { a: -1 } });
  assert.deepEqual(Array.from(filled.x.filter((_, i) => i % 2 === 0)), [1, 3, -1, 5, -1], 'a takes the given fill');
  const clean = await readCsv(await csv('clean.csv', 'a,y\n1,x\n2,z\n'), { target: 'y', impute: 'mean' });
  assert.equal(clean.missing, undefined);
  // A custom token list: -999 means missing, NA is then an error.
  const custom = await readCsv(await csv('custom.csv', 'a,y\n-999,x\n2,z\n4,z\n'), { target: 'y', impute: 'mean', na: ['-999'] });
  assert.deepEqual(Array.from(custom.x), [3, 2, 4]);
});

test('splitDataset › seeded, disjoint, covering; different seeds differ', async () => {
  const ds = await readCsv(LETTER, { target: 'lettr', maxRows: 1000 });
  const a = splitDataset(ds, { seed: 3, valFraction: 0.2, testFraction: 0.1 });
  const b = splitDataset(ds, { seed: 3, valFraction: 0.2, testFraction: 0.1 });
  const c = splitDataset(ds, { seed: 4, valFraction: 0.2, testFraction: 0.1 });
  assert.equal(a.train.rows + a.val.rows + a.test.rows, 1000);
  assert.deepEqual([a.val.rows, a.test.rows], [200, 100]);
  assert.deepEqual(a.train.x, b.train.x);
  assert.notDeepEqual(a.train.x, c.train.x);
  // Rows are whole records: multiset of (features, label) preserved.
  const key = (d: typeof ds, i: number) => `${Array.from(d.x.subarray(i * 16, i * 16 + 16))}|${d.labels![i]}`;
  const all = new Map<string, number>();
  for (let i = 0; i < ds.rows; i++) all.set(key(ds, i), (all.get(key(ds, i)) ?? 0) + 1);
  for (const part of [a.train, a.val, a.test]) for (let i = 0; i < part.rows; i++) all.set(key(part, i), all.get(key(part, i))! - 1);
  assert.ok([...all.values()].every((v) => v === 0));
});

test('readCsv › categorical columns: one-hot and ordinal in place, categories sorted, fixed tables, the mode fills', async () => {
  const p = await csv('cat.csv', 'a,fuel,doors,y\n1,petrol,4,x\n2,diesel,NA,z\n3,petrol,10,x\n4,electric,4,z\n');
  const ds = await readCsv(p, { target: 'y', impute: 'mean', categorical: [{ column: 'fuel', encoding: 'one_hot' }, { column: 'doors', encoding: 'ordinal' }] });
  assert.deepEqual(ds.featureNames, ['a', 'fuel=diesel', 'fuel=electric', 'fuel=petrol', 'doors']);
  assert.deepEqual(ds.categories, [
    { column: 'fuel', encoding: 'one_hot', values: ['diesel', 'electric', 'petrol'], firstInput: 1 },
    { column: 'doors', encoding: 'ordinal', values: ['4', '10'], firstInput: 4 },
  ], 'numbers as categories sort numerically');
  assert.deepEqual(Array.from(ds.x), [1, 0, 0, 1, 0, 2, 1, 0, 0, 0, 3, 0, 0, 1, 1, 4, 0, 1, 0, 0]);
  assert.deepEqual(ds.missing!.columns, [{ name: 'doors', count: 1, fill: 0, category: '4' }], 'a category column takes its most frequent category');
  assert.deepEqual(fillValues(ds, 'mean'), { ...fillValues(ds, 'mean'), fuel: 2, doors: 0 });
  // A model's table: the same inputs for another file; a category outside it is an error naming line and column.
  const fixed = { target: 'y', minClasses: 1, categorical: ds.categories!.map((c) => ({ column: c.column, encoding: c.encoding, values: c.values })) };
  const other = await readCsv(await csv('cat2.csv', 'a,fuel,doors,y\n5,electric,10,x\n'), fixed);
  assert.deepEqual(Array.from(other.x), [5, 0, 1, 0, 1]);
  await assert.rejects(readCsv(await csv('cat3.csv', 'a,fuel,doors,y\n5,hydrogen,10,x\n'), fixed), /cat3\.csv: line 2, column "fuel": unknown category "hydrogen" - expected one of "diesel", "electric", "petrol"/);
  await assert.rejects(readCsv(p, { target: 'y', categorical: [{ column: 'nope', encoding: 'one_hot' }] }), /categorical column\(s\) "nope" not found/);
  const many = await csv('many.csv', 'id,y\n' + Array.from({ length: 120 }, (_, i) => `id${i},${i % 2}`).join('\n') + '\n');
  await assert.rejects(readCsv(many, { target: 'y', categorical: [{ column: 'id', encoding: 'one_hot' }] }), /line 102, column "id": more than 100 distinct values \("id100"\)/);
});

test('splitDataset › stratify keeps every class in proportion in each part, none ordered by class', async () => {
  const ds = await readCsv(LETTER, { target: 'lettr', maxRows: 2000 });
  const { train, val, test: held } = splitDataset(ds, { seed: 5, valFraction: 0.2, testFraction: 0.1, stratify: true });
  assert.equal(train.rows + val.rows + held.rows, 2000);
  const counts = (d: typeof ds) => ds.classes!.map((_, c) => d.labels!.filter((l) => l === c).length);
  const all = counts(ds), v = counts(val), t = counts(held);
  all.forEach((n, c) => {
    assert.equal(v[c], Math.min(n - Math.round(n * 0.1), Math.round(n * 0.2)), `class ${ds.classes![c]} in validation`);
    assert.equal(t[c], Math.round(n * 0.1), `class ${ds.classes![c]} in test`);
  });
  assert.notDeepEqual(Array.from(train.labels!.slice(0, 30)), [...train.labels!.slice(0, 30)].sort((a, b) => a - b), 'shuffled, not sorted by class');
  await assert.rejects(async () => splitDataset(await readCsv(await csv('strat_reg.csv', 'a,y\n1,0.5\n2,1.5\n'), { target: 'y' }), { stratify: true }), /needs class labels - the task is regression/);
});

test('featureStats › mean, population std, constant columns', async () => {
  const ds = await readCsv(await csv('st.csv', 'a,b,y\n1,5,x\n3,5,z\n'), { target: 'y' });
  const s = featureStats(ds);
  assert.deepEqual(Array.from(s.mean), [2, 5]);
  assert.deepEqual(Array.from(s.std), [1, 0]);
  assert.deepEqual(s.constant, [false, true]);
});

test('readCsv › features by name and order; features only for prediction; one class allowed when evaluating', async () => {
  const file = join(dir, 'cols.csv');
  await writeFile(file, 'id,b,label,a\n1,2,x,3\n4,5,x,6\n');
  const ds = await readCsv(file, { target: 'label', features: ['a', 'b'], minClasses: 1 });
  assert.deepEqual(ds.featureNames, ['a', 'b']);
  assert.deepEqual(Array.from(ds.x), [3, 2, 6, 5]);
  assert.deepEqual(ds.classes, ['x']);
  await assert.rejects(readCsv(file, { target: 'label', features: ['a', 'b'] }), /a single class/);
  const only = await readCsv(file, { target: [], features: ['b'] });
  assert.deepEqual(Array.from(only.x), [2, 5]);
  assert.equal(only.labels, null);
  await assert.rejects(readCsv(file, { target: [], features: ['a', 'zz'] }), (e: unknown) => e instanceof DataError && /feature column\(s\) "zz" not found/.test(e.message));
  await assert.rejects(readCsv(file, { target: [] }), /no target column given/);
});

test('readCsv › exclude drops named columns and names unknown ones', async () => {
  const file = join(dir, 'excl.csv');
  await writeFile(file, 'id,model,a,b,y\n1,HTC,2,3,0\n2,LG,4,5,1\n');
  const ds = await readCsv(file, { target: 'y', exclude: ['id', 'model'] });
  assert.deepEqual(ds.featureNames, ['a', 'b']);
  assert.deepEqual(Array.from(ds.x), [2, 3, 4, 5]);
  await assert.rejects(readCsv(file, { target: 'y', exclude: ['nope'] }), /excluded column\(s\) "nope" not found/);
  await assert.rejects(readCsv(file, { target: 'y' }), /column "model": non-numeric value "HTC"/);
});

test('readCsv › early stops and errors close the file (no descriptor leak)', { skip: process.platform !== 'linux' && 'counts /proc/self/fd' }, async () => {
  const { readdirSync } = await import('node:fs');
  const open = () => readdirSync('/proc/self/fd').length;
  const bad = join(dir, 'bad-late.csv');
  await writeFile(bad, 'a,y\n1,0\n2,1\nzz,0\n');
  await readCsv(LETTER, { target: 'lettr', maxRows: 10 }); // warm-up: lazily opened handles of the runtime itself
  const before = open();
  for (let i = 0; i < 10; i++) {
    await readCsv(LETTER, { target: 'lettr', maxRows: 10 });
    await assert.rejects(readCsv(bad, { target: 'y' }), DataError);
  }
  await new Promise((r) => setTimeout(r, 50)); // destroy() closes asynchronously
  assert.ok(open() - before <= 2, `${open() - before} descriptors leaked over 20 reads`);
});
