import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyFormat, rowsFromCsv, rowsFromJson, rowsFromJsonText, rowsFromMessage } from '../../../tools/serve/rows.js';
import { ServeError } from '../../../tools/serve/errors.js';

const F = ['a', 'b', 'c'];
/** Throws a ServeError with this code and field, and a one-line message. */
const refuses = (f: () => unknown, code: string, field: string) =>
  assert.throws(f, (e: unknown) => (e instanceof ServeError && e.code === code && e.field === field && e.message.length > 0 && !e.message.includes('\n'))
    || assert.fail(`got ${(e as ServeError).code} ${(e as ServeError).field}: ${(e as Error).message}`));

test('serve › rows › every JSON layout gives the same float32 rows', () => {
  const want = [1, 2.5, -3, 0.1, 0, 7];
  const layouts: unknown[] = [
    { instances: [[1, 2.5, -3], [0.1, 0, 7]] },
    { instances: [{ a: 1, b: 2.5, c: -3 }, { c: 7, b: 0, a: 0.1, extra: 'ignored' }] },
    { inputs: { a: [1, 0.1], b: [2.5, 0], c: [-3, 7] } },
    { inputs: [[1, 2.5, -3], [0.1, 0, 7]] },
    [[1, 2.5, -3], [0.1, 0, 7]],
  ];
  for (const l of layouts) {
    const r = rowsFromJson(l, F, 100);
    assert.equal(r.n, 2, JSON.stringify(l));
    assert.deepEqual(Array.from(r.x), want.map(Math.fround), JSON.stringify(l));
  }
  assert.equal(rowsFromJson({ inputs: { a: [1], b: [2], c: [3] } }, F, 9).layout, 'columns');
  assert.equal(rowsFromJson({ instances: [[1, 2, 3]] }, F, 9).layout, 'rows');
  assert.deepEqual(Array.from(rowsFromJson([1, 2, 3], F, 9).x), [1, 2, 3]);
  assert.deepEqual(Array.from(rowsFromJson({ a: 1, b: 2, c: 3 }, F, 9).x), [1, 2, 3]);
  assert.deepEqual(Array.from(rowsFromJson({ inputs: { a: 1, b: 2, c: 3 } }, F, 9).x), [1, 2, 3]);
});

test('serve › rows › refusals name the field', () => {
  refuses(() => rowsFromJsonText('{"instances": [[1,2', F, 9), 'E_JSON', 'body');
  refuses(() => rowsFromJson({ instances: [[1, 2, 3], [1, 2]] }, F, 9), 'E_FEATURE_COUNT', 'instances[1]');
  refuses(() => rowsFromJson({ instances: [[1, 'x', 3]] }, F, 9), 'E_NOT_NUMBER', 'instances[0][1]');
  refuses(() => rowsFromJson({ instances: [[1, null, 3]] }, F, 9), 'E_NOT_NUMBER', 'instances[0][1]');
  refuses(() => rowsFromJson({ instances: [{ a: 1, b: 2 }] }, F, 9), 'E_MISSING_FEATURE', 'instances[0].c');
  refuses(() => rowsFromJson({ instances: [{ a: 1, b: 2, c: 'NaN' }] }, F, 9), 'E_NOT_NUMBER', 'instances[0].c');
  refuses(() => rowsFromJsonText('{"instances": [[1, 2, 1e39]]}', F, 9), 'E_NOT_FINITE', 'instances[0][2]');
  refuses(() => rowsFromJson({ instances: [] }, F, 9), 'E_EMPTY', 'instances');
  refuses(() => rowsFromJson({ instances: [[1, 2, 3], [1, 2, 3]] }, F, 1), 'E_TOO_MANY_ROWS', 'instances');
  refuses(() => rowsFromJson({ instances: 5 }, F, 9), 'E_SHAPE', 'instances');
  refuses(() => rowsFromJson({ inputs: { a: [1, 2], b: [1], c: [1, 2] } }, F, 9), 'E_FEATURE_COUNT', 'inputs.b');
  refuses(() => rowsFromJson({ inputs: { a: [1], b: [1] } }, F, 9), 'E_MISSING_FEATURE', 'inputs.c');
  refuses(() => rowsFromJson({ instance: [[1, 2, 3]] }, F, 9), 'E_MISSING_FEATURE', 'a');
  refuses(() => rowsFromJson('hello', F, 9), 'E_SHAPE', 'body');
  // Keys of Object.prototype are not features unless the row has them.
  refuses(() => rowsFromJson({ a: 1, b: 2 }, ['a', 'b', 'constructor'], 9), 'E_MISSING_FEATURE', 'constructor');
});

test('serve › rows › CSV with a header: columns by name, others ignored, fields by line', () => {
  const r = rowsFromCsv('id,c,b,a\r\nx,3,2,1\n\n"y,z",6,5,4\n', F, 9);
  assert.equal(r.n, 2);
  assert.deepEqual(Array.from(r.x), [1, 2, 3, 4, 5, 6]);
  refuses(() => rowsFromCsv('a,b\n1,2\n', F, 9), 'E_MISSING_FEATURE', 'c');
  refuses(() => rowsFromCsv('a,b,c\n1,2\n', F, 9), 'E_CSV', 'csv[2]');
  refuses(() => rowsFromCsv('a,b,c\n1,2,3\n1,two,3\n', F, 9), 'E_NOT_NUMBER', 'csv[3].b');
  refuses(() => rowsFromCsv('a,b,c\n1,,3\n', F, 9), 'E_NOT_NUMBER', 'csv[2].b');
  refuses(() => rowsFromCsv('a,b,c\n1,NaN,3\n', F, 9), 'E_NOT_FINITE', 'csv[2].b');
  refuses(() => rowsFromCsv('a,b,c\n', F, 9), 'E_EMPTY', 'csv');
  refuses(() => rowsFromCsv('', F, 9), 'E_CSV', 'body');
});

test('serve › rows › messages: bytes, strings, a bare CSV line, parsed values; the id comes back', () => {
  const enc = new TextEncoder();
  assert.deepEqual(Array.from(rowsFromMessage(enc.encode('1, 2 ,3'), F, 9).rows.x), [1, 2, 3]);
  const m = rowsFromMessage(enc.encode('{"id": "d7-42", "a": 1, "b": 2, "c": 3}'), F, 9);
  assert.equal(m.id, 'd7-42');
  assert.deepEqual(Array.from(m.rows.x), [1, 2, 3]);
  assert.deepEqual(Array.from(rowsFromMessage({ instances: [[4, 5, 6]] }, F, 9).rows.x), [4, 5, 6]);
  refuses(() => rowsFromMessage(new Uint8Array([0xff, 0xfe]), F, 9), 'E_JSON', 'payload');
  refuses(() => rowsFromMessage('{"a": 1', F, 9), 'E_JSON', 'payload');
  refuses(() => rowsFromMessage('1,2', F, 9), 'E_CSV', 'csv[2]');
});

test('serve › rows › content types', () => {
  assert.equal(bodyFormat(undefined), 'json');
  assert.equal(bodyFormat('application/json; charset=utf-8'), 'json');
  assert.equal(bodyFormat('application/x-www-form-urlencoded'), 'json');
  assert.equal(bodyFormat('text/csv'), 'csv');
  assert.equal(bodyFormat('image/png'), null);
});
