/**
 * @fileoverview Categorical columns (SPEC §3.7, rule R18): the optional `meta.categories` table that lets a model take
 * raw rows, in which a text column is encoded into its inputs (one-hot or ordinal) by the model's own table. Validation
 * of the decoded table, and the encoding of a raw row, which is the normative definition the runtime exposes.
 */

import { MAX_NAME_LENGTH } from './constants.js';
import { describeValue, ModelFormatError } from './errors.js';
import type { CategoricalColumn, ModelMeta } from './schema.js';

/** Most categories one column may have (SPEC §3.4): one-hot inputs count against the feature limit as well. */
export const MAX_CATEGORIES = 1024;

const ENCODINGS = ['one_hot', 'ordinal'] as const;

/** Inputs a categorical column feeds: one per category (one-hot) or one (ordinal). */
export function categoricalWidth(c: CategoricalColumn): number {
  return c.encoding === 'one_hot' ? c.values.length : 1;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/**
 * Decodes and validates `meta.categories` (R18) against the model's feature names: every entry a map with a non-empty,
 * unique `column`, a known `encoding`, 1..MAX_CATEGORIES unique `values`, and a `first_input` whose inputs lie within
 * the F features and overlap no other entry's; a column may not also be the name of a numeric input.
 * @throws ModelFormatError (E_TYPE, E_LIMIT, E_VALUE, E_SHAPE) naming the entry.
 */
export function readCategories(v: unknown, path: string, featureNames: string[]): CategoricalColumn[] {
  if (!Array.isArray(v)) throw new ModelFormatError('E_TYPE', path, 'wrong type', describeValue(v), 'array of maps');
  const F = featureNames.length;
  if (v.length > F) throw new ModelFormatError('E_LIMIT', path, 'more categorical columns than inputs', String(v.length), `at most ${F}`);
  const owner = new Int32Array(F).fill(-1); // entry feeding each input
  const out: CategoricalColumn[] = [];
  const columns = new Set<string>();
  v.forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (typeof e !== 'object' || e === null || Array.isArray(e) || e instanceof Uint8Array) throw new ModelFormatError('E_TYPE', p, 'wrong type', describeValue(e), 'map');
    const m = e as Record<string, unknown>;
    const column = m.column;
    if (typeof column !== 'string') throw new ModelFormatError('E_TYPE', `${p}.column`, 'wrong type', describeValue(column), 'str');
    if (column === '' || utf8Length(column) > MAX_NAME_LENGTH) throw new ModelFormatError('E_LIMIT', `${p}.column`, 'column name length out of range', `${utf8Length(column)} bytes`, `1..${MAX_NAME_LENGTH} bytes of UTF-8`);
    if (columns.has(column)) throw new ModelFormatError('E_VALUE', `${p}.column`, 'column named twice', `"${column}"`, 'one entry per column');
    columns.add(column);
    const encoding = m.encoding;
    if (!ENCODINGS.includes(encoding as (typeof ENCODINGS)[number])) throw new ModelFormatError('E_VALUE', `${p}.encoding`, 'unknown encoding', describeValue(encoding), '"one_hot" or "ordinal"');
    const values = m.values;
    if (!Array.isArray(values)) throw new ModelFormatError('E_TYPE', `${p}.values`, 'wrong type', describeValue(values), 'array of str');
    if (values.length < 1 || values.length > MAX_CATEGORIES) throw new ModelFormatError('E_LIMIT', `${p}.values`, 'category count out of range', String(values.length), `1..${MAX_CATEGORIES}`);
    const seen = new Set<string>();
    values.forEach((s, k) => {
      if (typeof s !== 'string') throw new ModelFormatError('E_TYPE', `${p}.values[${k}]`, 'wrong type', describeValue(s), 'str');
      if (utf8Length(s) > MAX_NAME_LENGTH) throw new ModelFormatError('E_LIMIT', `${p}.values[${k}]`, 'category length out of range', `${utf8Length(s)} bytes`, `at most ${MAX_NAME_LENGTH} bytes of UTF-8`);
      if (seen.has(s)) throw new ModelFormatError('E_VALUE', `${p}.values[${k}]`, 'category listed twice', `"${s}"`, 'distinct categories');
      seen.add(s);
    });
    const first = m.first_input;
    if (typeof first !== 'number' || !Number.isInteger(first) || first < 0) throw new ModelFormatError('E_TYPE', `${p}.first_input`, 'wrong type', describeValue(first), 'unsigned integer');
    const entry: CategoricalColumn = { column, encoding: encoding as CategoricalColumn['encoding'], values: values as string[], firstInput: first };
    const width = categoricalWidth(entry);
    if (first + width > F) throw new ModelFormatError('E_SHAPE', `${p}.first_input`, 'inputs beyond the features', `inputs ${first}..${first + width - 1}`, `within 0..${F - 1}`);
    for (let j = first; j < first + width; j++) {
      if (owner[j] >= 0) throw new ModelFormatError('E_SHAPE', `${p}.first_input`, 'inputs shared with another categorical column', `input ${j} also fed by entry ${owner[j]}`, 'disjoint input ranges');
      owner[j] = i;
    }
    out.push(entry);
  });
  // A raw row names each numeric input by its feature name: a categorical column of the same name would be ambiguous.
  featureNames.forEach((name, j) => {
    if (owner[j] < 0 && columns.has(name)) throw new ModelFormatError('E_VALUE', `${path}`, 'column is also a numeric input', `"${name}" (input ${j})`, 'distinct raw column names');
  });
  return out;
}

/** The columns of a raw row, in input order: numeric inputs by feature name, each categorical column once. */
export function rawColumnsOf(meta: Pick<ModelMeta, 'featureNames' | 'categories'>): string[] {
  const starts = new Map((meta.categories ?? []).map((c) => [c.firstInput, c]));
  const out: string[] = [];
  for (let j = 0; j < meta.featureNames.length; j++) {
    const c = starts.get(j);
    if (c) {
      out.push(c.column);
      j += categoricalWidth(c) - 1;
    } else out.push(meta.featureNames[j]);
  }
  return out;
}

/** Thrown by `encodeRawRow` for a row the table cannot encode (the host API's error for a caller's data). */
export class RawRowError extends RangeError {
  override readonly name = 'RawRowError';
  constructor(readonly column: string, message: string) {
    super(message);
  }
}

/**
 * Encodes one raw row into the model's F inputs (SPEC §3.7): a numeric input takes the row's number (a numeric string is
 * parsed); a one-hot column sets 1 on the input of its category and 0 on the others; an ordinal column gives the index
 * of its category. A category not in the table is an error, not a code: the model never saw it, and an all-zero or
 * made-up code would predict silently from something else.
 * @throws RawRowError naming the column, what was found and what was expected.
 */
export function encodeRawRow(meta: Pick<ModelMeta, 'featureNames' | 'categories'>, row: Record<string, string | number>, out: Float32Array = new Float32Array(meta.featureNames.length)): Float32Array {
  const starts = new Map((meta.categories ?? []).map((c) => [c.firstInput, c]));
  for (let j = 0; j < meta.featureNames.length; j++) {
    const c = starts.get(j);
    if (c) {
      const cell = row[c.column];
      if (cell === undefined) throw new RawRowError(c.column, `column "${c.column}": missing - expected one of its categories`);
      const k = c.values.indexOf(String(cell).trim());
      if (k < 0) throw new RawRowError(c.column, `column "${c.column}": unknown category "${String(cell).slice(0, 40)}" - expected one of ${listCategories(c.values)}`);
      if (c.encoding === 'ordinal') out[j] = k;
      else {
        out.fill(0, j, j + c.values.length);
        out[j + k] = 1;
        j += c.values.length - 1;
      }
      continue;
    }
    const name = meta.featureNames[j];
    const cell = row[name];
    const x = typeof cell === 'number' ? cell : cell === undefined || String(cell).trim() === '' ? NaN : Number(cell);
    if (!Number.isFinite(x)) throw new RawRowError(name, `column "${name}": ${cell === undefined ? 'missing' : `"${String(cell).slice(0, 40)}"`} - expected a finite number`);
    out[j] = x;
  }
  return out;
}

/** `"a", "b", "c"` (the first ten, then how many in all). */
export function listCategories(values: string[]): string {
  return values.slice(0, 10).map((v) => `"${v}"`).join(', ') + (values.length > 10 ? ` (${values.length} in all)` : '');
}
