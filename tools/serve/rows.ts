/**
 * @fileoverview Request bodies to rows of a model's features: TF Serving's row format (`{"instances": [...]}`, each row
 * an array in feature order or an object keyed by feature name), its columnar format (`{"inputs": {name: [...]}}`),
 * a bare array or object, and CSV with a header (other columns ignored, as `nmp run` does). Every refusal is a
 * ServeError naming the field, e.g. `instances[3].f7`. Shared by HTTP, MQTT and the Node-RED node; no I/O.
 *
 * Values become float32 on the way in, as `nmp run` and the runtime's Float32Array API see them, so a row gets the same
 * answer from every entry point.
 */

import { ServeError } from './errors.js';

/** Rows in the model's feature order, and which key the answer uses (`predictions` for rows, `outputs` for columns). */
export interface Rows {
  n: number;
  /** n x features, float32. */
  x: Float32Array;
  layout: 'rows' | 'columns';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text of a body; invalid UTF-8 is refused as `code` (E_JSON or E_CSV). */
export function bodyText(body: Uint8Array, code: 'E_JSON' | 'E_CSV', field = 'body'): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new ServeError(code, `${field} is not valid UTF-8`, field);
  }
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 20 ? `${v.slice(0, 17)}...` : v)})`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Stores `v` at x[at] as float32, or throws naming `field`. */
function put(x: Float32Array, at: number, v: unknown, field: string): void {
  if (typeof v !== 'number') throw new ServeError('E_NOT_NUMBER', `${field} is ${kind(v)}, expected a number`, field);
  const f = Math.fround(v);
  if (!Number.isFinite(f)) throw new ServeError('E_NOT_FINITE', `${field} is ${v}, expected a finite number within float32 range`, field);
  x[at] = f;
}

function checkCount(n: number, maxRows: number, field: string): void {
  if (n === 0) throw new ServeError('E_EMPTY', `${field} holds no rows, expected at least one`, field);
  if (n > maxRows) throw new ServeError('E_TOO_MANY_ROWS', `${field} holds ${n} rows, more than the limit of ${maxRows} per request`, field);
}

/** One row (array in feature order, or object keyed by feature name) into x at row r. */
function putRow(x: Float32Array, r: number, row: unknown, features: readonly string[], field: string): void {
  const F = features.length, base = r * F;
  if (Array.isArray(row)) {
    if (row.length !== F) throw new ServeError('E_FEATURE_COUNT', `${field} has ${row.length} values, expected ${F} (the model's features)`, field);
    for (let i = 0; i < F; i++) put(x, base + i, row[i], `${field}[${i}]`);
    return;
  }
  if (row === null || typeof row !== 'object') {
    throw new ServeError('E_SHAPE', `${field || 'body'} is ${kind(row)}, expected a row: an array of ${F} numbers or an object keyed by feature name`, field || 'body');
  }
  const o = row as Record<string, unknown>;
  for (let i = 0; i < F; i++) {
    const name = features[i];
    const at = field ? `${field}.${name}` : name;
    if (!Object.hasOwn(o, name)) {
      const hint = field ? '' : ' (the body has neither "instances" nor "inputs", so it was read as one row)';
      throw new ServeError('E_MISSING_FEATURE', `${at} is missing${hint}, expected a value for every feature of the model`, at);
    }
    put(x, base + i, o[name], at);
  }
}

/** Rows from a parsed JSON value. */
export function rowsFromJson(value: unknown, features: readonly string[], maxRows: number): Rows {
  const F = features.length;
  if (Array.isArray(value)) {
    // A bare array: one row when it holds no arrays or objects, else a list of rows.
    const single = value.every((v) => v === null || typeof v !== 'object');
    if (single) {
      const x = new Float32Array(F);
      if (value.length === 0) throw new ServeError('E_EMPTY', 'body is an empty array, expected at least one row', 'body');
      putRow(x, 0, value, features, 'body');
      return { n: 1, x, layout: 'rows' };
    }
    return rowList(value, features, maxRows, '');
  }
  if (value === null || typeof value !== 'object') {
    throw new ServeError('E_SHAPE', `body is ${kind(value)}, expected {"instances": [...]}, {"inputs": ...}, an array or an object keyed by feature name`, 'body');
  }
  const o = value as Record<string, unknown>;
  if (Object.hasOwn(o, 'instances')) {
    if (!Array.isArray(o.instances)) throw new ServeError('E_SHAPE', `instances is ${kind(o.instances)}, expected an array of rows`, 'instances');
    return rowList(o.instances, features, maxRows, 'instances');
  }
  if (Object.hasOwn(o, 'inputs')) {
    const inputs = o.inputs;
    if (Array.isArray(inputs)) return { ...rowList(inputs, features, maxRows, 'inputs'), layout: 'columns' };
    if (inputs === null || typeof inputs !== 'object') throw new ServeError('E_SHAPE', `inputs is ${kind(inputs)}, expected an object of columns keyed by feature name`, 'inputs');
    return columns(inputs as Record<string, unknown>, features, maxRows);
  }
  const x = new Float32Array(F);
  putRow(x, 0, o, features, '');
  return { n: 1, x, layout: 'rows' };
}

function rowList(list: unknown[], features: readonly string[], maxRows: number, field: string): Rows {
  checkCount(list.length, maxRows, field || 'body');
  const x = new Float32Array(list.length * features.length);
  for (let r = 0; r < list.length; r++) putRow(x, r, list[r], features, `${field}[${r}]`);
  return { n: list.length, x, layout: 'rows' };
}

/** TF Serving columnar: `{"inputs": {"f0": [v0, v1, ...], "f1": [...]}}`; a scalar column is one row. */
function columns(cols: Record<string, unknown>, features: readonly string[], maxRows: number): Rows {
  const F = features.length;
  let n = -1, first = '';
  for (const name of features) {
    const field = `inputs.${name}`;
    if (!Object.hasOwn(cols, name)) throw new ServeError('E_MISSING_FEATURE', `${field} is missing, expected a column for every feature of the model`, field);
    const c = cols[name];
    const len = Array.isArray(c) ? c.length : 1;
    if (n < 0) {
      n = len;
      first = field;
      checkCount(n, maxRows, field);
    } else if (len !== n) {
      throw new ServeError('E_FEATURE_COUNT', `${field} has ${len} values but ${first} has ${n}, expected columns of equal length`, field);
    }
  }
  const x = new Float32Array(n * F);
  for (let i = 0; i < F; i++) {
    const field = `inputs.${features[i]}`;
    const c = cols[features[i]];
    if (Array.isArray(c)) for (let r = 0; r < n; r++) put(x, r * F + i, c[r], `${field}[${r}]`);
    else put(x, i, c, field);
  }
  return { n, x, layout: 'columns' };
}

/** Rows from a JSON body. */
export function rowsFromJsonText(text: string, features: readonly string[], maxRows: number): Rows {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ServeError('E_JSON', `body is not valid JSON: ${(e as Error).message}`, 'body');
  }
  return rowsFromJson(value, features, maxRows);
}

/** Splits one CSV line; RFC 4180 quoting within a line (quoted cells may hold commas and doubled quotes). */
function splitCsvLine(line: string, lineNo: number): string[] {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = [];
  let cur = '', q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  if (q) throw new ServeError('E_CSV', `line ${lineNo} has an unterminated quote`, `csv[${lineNo}]`);
  out.push(cur);
  return out;
}

/**
 * Rows from a CSV body: a header naming the columns, then one row per line. Columns that are not features are ignored.
 * Fields are `csv[<line>].<feature>` with 1-based line numbers (the header is line 1).
 */
export function rowsFromCsv(text: string, features: readonly string[], maxRows: number): Rows {
  const lines = text.split('\n');
  let header: string[] | null = null, idx: number[] = [];
  const data: { no: number; cells: string[] }[] = [];
  for (let l = 0; l < lines.length; l++) {
    let line = lines[l];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line, l + 1).map((c) => c.trim());
    if (header === null) {
      header = cells;
      idx = features.map((name) => {
        const i = cells.indexOf(name);
        if (i < 0) throw new ServeError('E_MISSING_FEATURE', `the CSV header (line ${l + 1}) has no column ${JSON.stringify(name)}, expected every feature of the model`, name);
        return i;
      });
      continue;
    }
    if (cells.length !== header.length) throw new ServeError('E_CSV', `line ${l + 1} has ${cells.length} cells, expected ${header.length} as the header`, `csv[${l + 1}]`);
    data.push({ no: l + 1, cells });
    if (data.length > maxRows) break;
  }
  if (header === null) throw new ServeError('E_CSV', 'body is empty, expected a CSV header and rows', 'body');
  checkCount(data.length, maxRows, 'csv');
  const F = features.length, x = new Float32Array(data.length * F);
  for (let r = 0; r < data.length; r++) {
    const { no, cells } = data[r];
    for (let i = 0; i < F; i++) {
      const cell = cells[idx[i]], field = `csv[${no}].${features[i]}`;
      const v = cell === '' ? NaN : Number(cell);
      if (Number.isNaN(v) && !/^[+-]?nan$/i.test(cell)) throw new ServeError('E_NOT_NUMBER', `${field} is ${cell === '' ? 'empty' : JSON.stringify(cell.slice(0, 20))}, expected a number`, field);
      const f = Math.fround(v);
      if (!Number.isFinite(f)) throw new ServeError('E_NOT_FINITE', `${field} is ${cell}, expected a finite number within float32 range`, field);
      x[r * F + i] = f;
    }
  }
  return { n: data.length, x, layout: 'rows' };
}

/** Media types the predict route reads. */
export type BodyFormat = 'json' | 'csv';

/** json for application/json, +json types and a missing type (curl -d sends form encoding: read as JSON too); csv for text/csv. */
export function bodyFormat(contentType: string | undefined | null): BodyFormat | null {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (t === '' || t === 'application/json' || t.endsWith('+json') || t === 'application/x-www-form-urlencoded' || t === 'text/plain') return 'json';
  if (t === 'text/csv' || t === 'application/csv') return 'csv';
  return null;
}

/** Rows from a body of the given format. */
export function parseRows(body: Uint8Array, format: BodyFormat, features: readonly string[], maxRows: number): Rows {
  return format === 'csv' ? rowsFromCsv(bodyText(body, 'E_CSV'), features, maxRows) : rowsFromJsonText(bodyText(body, 'E_JSON'), features, maxRows);
}

/**
 * One message (MQTT payload, Node-RED msg.payload): bytes or a string holding JSON as on HTTP or a bare line of
 * comma-separated numbers in feature order, or an already parsed value. Parsing happens here (E_JSON), rows come
 * later from the serving version's features; a JSON object's "id" is known as soon as it parses, so even a refusal
 * can echo it.
 */
export function parseMessage(payload: unknown): { id: unknown; rows(features: readonly string[], maxRows: number): Rows } {
  let value: unknown = payload;
  if (payload instanceof Uint8Array) value = bodyText(payload, 'E_JSON', 'payload');
  if (typeof value === 'string') {
    const text = value.trim();
    if (!text.startsWith('{') && !text.startsWith('[')) {
      // A bare CSV line in feature order: give it the model's header.
      return {
        id: undefined,
        rows: (features) => rowsFromCsv(`${features.map((f) => (/[",]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',')}\n${text}`, features, 1),
      };
    }
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new ServeError('E_JSON', `payload is not valid JSON: ${(e as Error).message}`, 'payload');
    }
  }
  const id = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>).id : undefined;
  return { id, rows: (features, maxRows) => rowsFromJson(value, features, maxRows) };
}

/** parseMessage and its rows at once. */
export function rowsFromMessage(payload: unknown, features: readonly string[], maxRows: number): { rows: Rows; id: unknown } {
  const m = parseMessage(payload);
  return { id: m.id, rows: m.rows(features, maxRows) };
}
