/**
 * @fileoverview Categorical columns (SPEC §3.7, rule R18): the optional `meta.categories` table that lets a model take
 * raw rows, in which a text column is encoded into its inputs (one-hot or ordinal) by the model's own table. The encoding
 * of a raw row, which is the normative definition the runtime exposes; the table itself is validated from the file's
 * bytes by formats/read.ts (readCategories, rule R18), like every other field.
 */

import type { CategoricalColumn, ModelMeta } from './schema.js';

/** Inputs a categorical column feeds: one per category (one-hot) or one (ordinal). */
export function categoricalWidth(c: CategoricalColumn): number {
  return c.encoding === 'one_hot' ? c.values.length : 1;
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
