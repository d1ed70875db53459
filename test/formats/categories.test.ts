/** @fileoverview `meta.categories` (SPEC §3.7, R18): round trip, every rule of the reader, raw-row encoding. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel, encodeUnchecked, modelBody } from '../../formats/write.js';
import { readModel } from '../../formats/read.js';
import { ModelFormatError } from '../../formats/errors.js';
import { encodeRawRow, rawColumnsOf, RawRowError } from '../../formats/categories.js';
import type { CategoricalColumn } from '../../formats/schema.js';
import { randomModel } from '../../formats/testdata/random.js';
import { NoHost, tsRead } from '../../tools/fuzz/readers.js';

/** Six inputs: weight, fuel=diesel, fuel=electric, fuel=petrol, doors (ordinal), age. */
function carModel(categories: unknown) {
  const m = randomModel({ seed: 9, widths: [6, 5, 2] });
  m.meta.featureNames = ['weight', 'fuel=diesel', 'fuel=electric', 'fuel=petrol', 'doors', 'age'];
  m.meta.categories = categories as CategoricalColumn[];
  return m;
}
const GOOD: CategoricalColumn[] = [
  { column: 'fuel', encoding: 'one_hot', values: ['diesel', 'electric', 'petrol'], firstInput: 1 },
  { column: 'doors', encoding: 'ordinal', values: ['2', '4', '5'], firstInput: 4 },
];

test('categories › round trip; files without the key are unchanged', () => {
  const back = readModel(encodeModel(carModel(GOOD)));
  assert.deepEqual(back.meta.categories, GOOD);
  assert.equal(readModel(encodeModel(randomModel({ seed: 9, widths: [6, 5, 2] }))).meta.categories, undefined);
});

const BAD: Array<[string, unknown, string, RegExp]> = [
  ['an unknown encoding', [{ ...GOOD[0], encoding: 'binary' }], 'E_VALUE', /categories\[0\]\.encoding \(byte \d+\): unknown encoding - got "binary", expected "one_hot" or "ordinal"/],
  ['no categories', [{ ...GOOD[0], values: [] }], 'E_LIMIT', /categories\[0\]\.values \(byte \d+\): category count out of range - got 0, expected 1\.\.1024/],
  ['a category twice', [{ ...GOOD[1], values: ['2', '4', '2'] }], 'E_VALUE', /categories\[0\]\.values\[2\] \(byte \d+\): category listed twice - got "2"/],
  ['a category that is not a string', [{ ...GOOD[1], values: ['2', 4] }], 'E_TYPE', /values\[1\] \(byte \d+\): wrong type - got integer 4, expected str/],
  ['inputs beyond F', [{ ...GOOD[0], firstInput: 4 }], 'E_SHAPE', /categories\[0\]\.first_input \(byte \d+\): inputs beyond the features - got inputs 4\.\.6, expected within 0\.\.5/],
  ['overlapping inputs', [GOOD[0], { ...GOOD[1], firstInput: 3 }], 'E_SHAPE', /categories\[1\]\.first_input \(byte \d+\): inputs shared with another categorical column - got input 3 also fed by entry 0/],
  ['a column named twice', [GOOD[0], { ...GOOD[1], column: 'fuel' }], 'E_VALUE', /categories\[1\]\.column \(byte \d+\): column named twice/],
  ['a column that is also a numeric input', [GOOD[0], { ...GOOD[1], column: 'age' }], 'E_VALUE', /categories\[1\]\.column \(byte \d+\): column is also a numeric input - got "age" \(input 5\)/],
  ['an empty column name', [{ ...GOOD[0], column: '' }], 'E_LIMIT', /categories\[0\]\.column \(byte \d+\): empty column name - got 0 bytes/],
  ['two columns that are numeric inputs (the first entry is reported, not the first input)', [{ column: 'age', encoding: 'ordinal', values: ['x'], firstInput: 4 }, { column: 'weight', encoding: 'ordinal', values: ['y'], firstInput: 1 }], 'E_VALUE', /categories\[0\]\.column \(byte \d+\): column is also a numeric input - got "age" \(input 5\)/],
  ['a negative first input', [{ ...GOOD[0], firstInput: -1 }], 'E_TYPE', /first_input \(byte \d+\): wrong type - got integer -1, expected non-negative integer/],
];
for (const [name, table, code, re] of BAD) {
  test(`categories › R18 rejects ${name}`, () => {
    assert.throws(() => encodeModel(carModel(table)), (e: unknown) => (e instanceof ModelFormatError && e.code === code && re.test(e.message)) || assert.fail(String(e)));
    // One verdict (SPEC §7): the no-host module, which never encodes raw rows, gives the same code at the same byte.
    const bytes = encodeUnchecked(modelBody(carModel(table)));
    assert.equal(new NoHost().load(bytes), tsRead(bytes).verdict);
  });
}

test('categories › raw columns in input order; a raw row encoded one-hot and ordinal; unknown categories are errors', () => {
  const meta = readModel(encodeModel(carModel(GOOD))).meta;
  assert.deepEqual(rawColumnsOf(meta), ['weight', 'fuel', 'doors', 'age']);
  assert.deepEqual(Array.from(encodeRawRow(meta, { weight: 1200, fuel: ' petrol ', doors: '5', age: '3.5' })), [1200, 0, 0, 1, 2, 3.5]);
  const out = new Float32Array(6).fill(7);
  encodeRawRow(meta, { weight: '1', fuel: 'diesel', doors: 2, age: 0 }, out);
  assert.deepEqual(Array.from(out), [1, 1, 0, 0, 0, 0], 'one-hot clears the other inputs of its column; a number cell matches its category');
  const rejects = (row: Record<string, string | number>, re: RegExp) => assert.throws(() => encodeRawRow(meta, row), (e: unknown) => e instanceof RawRowError && e instanceof RangeError && re.test(e.message));
  rejects({ weight: 1, fuel: 'hydrogen', doors: 2, age: 0 }, /column "fuel": unknown category "hydrogen" - expected one of "diesel", "electric", "petrol"/);
  rejects({ weight: 1, fuel: 'diesel', doors: 3, age: 0 }, /column "doors": unknown category "3" - expected one of "2", "4", "5"/);
  rejects({ weight: 1, doors: 2, age: 0 }, /column "fuel": missing/);
  rejects({ weight: 'heavy', fuel: 'diesel', doors: 2, age: 0 }, /column "weight": "heavy" - expected a finite number/);
});
