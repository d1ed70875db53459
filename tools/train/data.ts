/**
 * @fileoverview Data sets for the trainer: a streaming CSV reader (plain or gzip) into chunk-grown Float32Array storage,
 * seeded train/validation/test splits, and the per-feature statistics that the exported input quantiser folds in.
 */

import { createReadStream } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { listCategories } from '../../formats/categories.js';
import type { CategoricalColumn } from '../../formats/schema.js';
import { Rng } from './rng.js';

export type Task = 'classification' | 'regression';

/** A table in memory: row-major features, and either class indices or real targets. */
export interface Dataset {
  /** Where it came from (file path or a name). */
  source: string;
  task: Task;
  featureNames: string[];
  rows: number;
  features: number;
  /** rows x features, row-major. Values are stored as float32 (CSV values rounded to float32). */
  x: Float32Array;
  /** Classification: class index per row into `classes`. */
  labels: Int32Array | null;
  /** Classification: class names in output order. */
  classes: string[] | null;
  /** Regression: rows x targetNames.length, row-major. */
  targets: Float32Array | null;
  /** Regression target column names (classification: the label column). */
  targetNames: string[];
  /** Why the task was inferred (absent when the caller gave it). */
  taskReason?: string;
  /** The target could be classes or a quantity (many distinct integers): the task should be given, not inferred. */
  taskAmbiguous?: boolean;
  /** Missing feature cells found and how they were handled (absent when there were none). */
  missing?: MissingReport;
  /** Text columns encoded into inputs (one-hot or ordinal), as the model file records them (absent when none). */
  categories?: CategoricalColumn[];
}

/** A text column to encode: its categories are collected from the file (sorted), or fixed by `values` (a model's). */
export interface CategoricalSpec {
  column: string;
  encoding: 'one_hot' | 'ordinal';
  values?: string[];
}

/** Most distinct values a text column may have to be encoded as categories; more is free text or an id. */
export const CATEGORY_LIMIT = 100;

/** How to handle a missing feature cell: refuse the file, fill with a column statistic, or drop the row. */
export type Impute = 'error' | 'mean' | 'median' | 'most-frequent' | 'drop';
export const IMPUTE_STRATEGIES: readonly Impute[] = ['error', 'mean', 'median', 'most-frequent', 'drop'];

/**
 * Cells that mean "missing" besides the empty cell: R's write.csv `NA`, pandas' `NaN`, UCI's `?`, JSON exports' `null`.
 * Anything else that is not a number is an error, so a typo never silently becomes a missing value.
 */
export const DEFAULT_NA = ['NA', 'NaN', 'nan', '?', 'null'];

export interface MissingReport {
  strategy: Impute;
  /** Rows dropped ('drop': rows with a missing feature or target cell). */
  droppedRows: number;
  /** Per feature column with missing cells: how many, and the value filled in (null for 'drop'). */
  columns: { name: string; count: number; fill: number | null; category?: string }[];
}

/** Thrown for unusable data; the message names the file, the line and the column. */
export class DataError extends Error {
  override readonly name = 'DataError';
  constructor(message: string, /** Set when a feature column holds text: a caller may encode it as categories and read again. */ readonly textColumn?: string) {
    super(message);
  }
}

export interface CsvOptions {
  /** Target column name, or several names for multi-output regression; [] reads features only (prediction input, needs `features`). */
  target: string | string[];
  /** Read exactly these feature columns, in this order (e.g. a model's feature names); other columns are ignored. Default: every non-target column. */
  features?: string[];
  /** Columns to ignore (ids, free text, label-leaking columns); ignored with `features`. Unknown names are an error. */
  exclude?: string[];
  /** Fewest classes a classification target may have; default 2 (training). Evaluating a model on one class is fine: 1. */
  minClasses?: number;
  /** Default: inferred from the target column (see `inferTask`; the result says why, and whether it is ambiguous). */
  task?: Task;
  /**
   * What to do with missing feature cells (empty or an `na` token): 'error' (default); 'mean', 'median' or
   * 'most-frequent' (a statistic of the column's present cells, or `fill`); 'drop' (skip the row; also rows whose
   * target is missing).
   */
  impute?: Impute;
  /** Tokens that mean "missing" besides the empty cell; default DEFAULT_NA. */
  na?: string[];
  /**
   * Text columns to encode into inputs, in place of their column: one-hot (one input per category, named
   * `column=value`) or ordinal (one input, the category's index). Missing cells are imputed with the most frequent
   * category (unless 'drop' or 'error').
   */
  categorical?: CategoricalSpec[];
  /** Classification: the classes in output order (e.g. the training file's); a label outside them is an error. */
  classes?: string[];
  /** Fill values by feature name (e.g. the training file's), used instead of this file's own statistics. */
  fill?: Record<string, number>;
  /** Text appended to errors, naming the caller's way to fix them (a CLI names its flags); defaults name these options. */
  hints?: { missing?: string; drop?: string; text?: (column: string, value: string) => string };
  /** Column separator; default ','. */
  delimiter?: string;
  /** Stop after this many data rows (for quick runs on large files). */
  maxRows?: number;
  /** A stream input is gzip-compressed (files are detected by their magic bytes). */
  gzip?: boolean;
  /** Name recorded as `source` when reading a stream. */
  name?: string;
}

const CHUNK_ROWS = 16384;

/** Grows by fixed-size chunks so a 581k-row file never needs a doubling copy of its whole storage. */
class ChunkedF32 {
  private chunks: Float32Array[] = [];
  private used = 0;
  length = 0;
  constructor(private readonly width: number) {}
  push(values: Float32Array | number[]): void {
    if (this.chunks.length === 0 || this.used === CHUNK_ROWS) {
      this.chunks.push(new Float32Array(CHUNK_ROWS * this.width));
      this.used = 0;
    }
    this.chunks[this.chunks.length - 1].set(values, this.used * this.width);
    this.used++;
    this.length++;
  }
  toArray(): Float32Array {
    const out = new Float32Array(this.length * this.width);
    let off = 0;
    for (let c = 0; c < this.chunks.length; c++) {
      const n = c === this.chunks.length - 1 ? this.used : CHUNK_ROWS;
      out.set(this.chunks[c].subarray(0, n * this.width), off);
      off += n * this.width;
    }
    this.chunks = [];
    return out;
  }
}

function splitLine(line: string, delim: string): string[] {
  if (line.indexOf('"') < 0) return line.split(delim);
  // Minimal RFC 4180 quoting: quoted cells may contain the delimiter and doubled quotes (not newlines).
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === delim) { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * Reads a CSV file (gzip detected by magic bytes) or stream with a header row, line by line.
 * @throws DataError for a missing file, an empty file, a missing target column, a non-numeric feature cell, a missing
 *   feature cell (unless `impute`) or target cell (unless `impute: 'drop'`), a row with the wrong number of cells, fewer
 *   than two classes, or no rows.
 */
export async function readCsv(input: string | Readable, options: CsvOptions): Promise<Dataset> {
  const source = typeof input === 'string' ? input : (options.name ?? 'stream');
  let stream: Readable;
  let fileStream: Readable | null = null; // ours to close: an early return or a DataError must not leak the descriptor
  if (typeof input === 'string') {
    try {
      await access(input);
    } catch {
      throw new DataError(`${input}: file does not exist or is not readable`);
    }
    fileStream = stream = createReadStream(input);
    if (await isGzipFile(input)) {
      const gunzip = createGunzip();
      stream.on('error', (e) => gunzip.destroy(e));
      stream = stream.pipe(gunzip);
    }
  } else stream = options.gzip ? input.pipe(createGunzip()) : input;
  const text = stream;
  const delim = options.delimiter ?? ',';
  const targetList = Array.isArray(options.target) ? options.target : [options.target];
  if (targetList.length === 0 && !options.features) throw new DataError(`${source}: no target column given`);
  const rl = createInterface({ input: text, crlfDelay: Infinity });
  let header: string[] | null = null;
  let targetIdx: number[] = [];
  let featIdx: number[] = [];
  let xs: ChunkedF32 | null = null;
  const rawTargets: string[][] = [];
  const lineOfRow: number[] = []; // for errors found after reading (targets)
  let lineNo = 0;
  let rows = 0;
  const impute = options.impute ?? 'error';
  if (!IMPUTE_STRATEGIES.includes(impute)) throw new RangeError(`impute must be one of ${IMPUTE_STRATEGIES.join(', ')} - got ${impute}`);
  const na = new Set(options.na ?? DEFAULT_NA);
  const missingHint = options.hints?.missing ?? "pass impute: 'mean', 'median', 'most-frequent' or 'drop'";
  const dropHint = options.hints?.drop ?? "impute: 'drop'";
  const categoryCode = (cat: NonNullable<(typeof cats)[number]>, cell: string, f: number): number => {
    let code = cat.codes.get(cell);
    if (code !== undefined) return code;
    const column = header![featIdx[f]];
    if (cat.fixed) throw new DataError(`${source}: line ${lineNo}, column "${column}": unknown category "${cell.slice(0, 40)}" - expected one of ${listCategories(cat.spec.values!)}`);
    // The model file stores categories of at most 256 bytes (SPEC §3.7): refuse now, not after training.
    if (Buffer.byteLength(cell) > 256) throw new DataError(`${source}: line ${lineNo}, column "${column}": a category of ${Buffer.byteLength(cell)} bytes ("${cell.slice(0, 40)}...") - expected at most 256 bytes of UTF-8; ${textHint(column, cell.slice(0, 40))}`);
    if (cat.codes.size >= CATEGORY_LIMIT) throw new DataError(`${source}: line ${lineNo}, column "${column}": more than ${CATEGORY_LIMIT} distinct values ("${cell.slice(0, 40)}") - expected at most ${CATEGORY_LIMIT} categories; ${textHint(column, cell.slice(0, 40))}`);
    code = cat.codes.size;
    cat.codes.set(cell, code);
    return code;
  };
  const textHint = options.hints?.text ?? ((column: string, value: string) => `a text column can be left out (exclude: ["${column}"]); if "${value}" marks a missing value, add it to na`);
  let missingCount = new Int32Array(0); // per feature
  // Per raw feature column: null (numeric) or its categories, code by first appearance (or by the fixed table).
  let cats: ({ spec: CategoricalSpec; codes: Map<string, number>; fixed: boolean } | null)[] = [];
  let droppedRows = 0;
  let row = new Float32Array(0);
  try {
    for await (const rawLine of rl) {
      lineNo++;
      const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
      if (header === null) {
        if (line.trim() === '') continue;
        header = splitLine(line, delim).map((h) => h.trim());
        targetIdx = targetList.map((t) => {
          const i = header!.indexOf(t);
          if (i < 0) throw new DataError(`${source}: line ${lineNo}: target column "${t}" not found - got columns ${header!.map((h) => `"${h}"`).join(', ')}`);
          return i;
        });
        if (options.features) {
          const missing = options.features.filter((n) => !header!.includes(n));
          if (missing.length) throw new DataError(`${source}: line ${lineNo}: feature column(s) ${missing.slice(0, 5).map((n) => `"${n}"`).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} not found`);
          featIdx = options.features.map((n) => header!.indexOf(n));
        } else {
          const unknown = (options.exclude ?? []).filter((n) => !header!.includes(n));
          if (unknown.length) throw new DataError(`${source}: line ${lineNo}: excluded column(s) ${unknown.map((n) => `"${n}"`).join(', ')} not found`);
          featIdx = header.map((_, i) => i).filter((i) => !targetIdx.includes(i) && !options.exclude?.includes(header![i]));
        }
        if (featIdx.length === 0) throw new DataError(`${source}: line ${lineNo}: no feature columns besides the target`);
        xs = new ChunkedF32(featIdx.length);
        row = new Float32Array(featIdx.length);
        missingCount = new Int32Array(featIdx.length);
        const specs = new Map((options.categorical ?? []).map((c) => [c.column, c]));
        const unknownCat = [...specs.keys()].filter((c) => !featIdx.some((i) => header![i] === c));
        if (unknownCat.length) throw new DataError(`${source}: line ${lineNo}: categorical column(s) ${unknownCat.map((n) => `"${n}"`).join(', ')} not found among the feature columns`);
        cats = featIdx.map((i) => {
          const spec = specs.get(header![i]);
          return spec ? { spec, codes: new Map((spec.values ?? []).map((v, k) => [v, k])), fixed: spec.values !== undefined } : null;
        });
        continue;
      }
      if (line.trim() === '') continue;
      const cells = splitLine(line, delim);
      if (cells.length !== header.length) {
        throw new DataError(`${source}: line ${lineNo}: ${cells.length} cells - expected ${header.length} (as the header)`);
      }
      let rowMissing = 0;
      for (let f = 0; f < featIdx.length; f++) {
        const cell = cells[featIdx[f]].trim();
        const isNa = cell === '' || na.has(cell);
        const cat = cats[f];
        const v = isNa ? NaN : cat ? categoryCode(cat, cell, f) : Number(cell);
        if (isNa) {
          if (impute === 'error') {
            throw new DataError(`${source}: line ${lineNo}, column "${header[featIdx[f]]}": missing value (${cell === '' ? 'empty cell' : cell}) - expected ${cat ? 'a category' : 'a number'}; ${missingHint}`);
          }
          missingCount[f]++;
          rowMissing++;
        } else if (Number.isNaN(v)) {
          throw new DataError(`${source}: line ${lineNo}, column "${header[featIdx[f]]}": non-numeric value "${cell.slice(0, 40)}" - expected a number; ${textHint(header[featIdx[f]], cell.slice(0, 40))}`, header[featIdx[f]]);
        } else if (!Number.isFinite(v) || Math.abs(v) > 3.4e38) {
          throw new DataError(`${source}: line ${lineNo}, column "${header[featIdx[f]]}": value "${cell}" is not a finite float32 - expected a finite number`);
        }
        row[f] = v;
      }
      const rowTargets = targetIdx.map((i) => cells[i].trim());
      const targetMissing = rowTargets.findIndex((c) => c === '' || na.has(c));
      if (targetMissing >= 0 && impute !== 'drop') {
        const c = rowTargets[targetMissing];
        throw new DataError(`${source}: line ${lineNo}, target column "${header[targetIdx[targetMissing]]}": missing value (${c === '' ? 'empty cell' : c}) - expected a ${targetIdx.length > 1 || options.task === 'regression' ? 'number' : 'label'}; rows without a target cannot be used (drop them: ${dropHint})`);
      }
      if (impute === 'drop' && (rowMissing > 0 || targetMissing >= 0)) {
        droppedRows++;
        continue;
      }
      xs!.push(row);
      rawTargets.push(rowTargets);
      lineOfRow.push(lineNo);
      rows++;
      if (options.maxRows !== undefined && rows >= options.maxRows) break;
    }
  } finally {
    rl.close();
    if (stream !== input) stream.destroy();
    fileStream?.destroy();
  }
  if (header === null) throw new DataError(`${source}: empty file - expected a header row and data rows`);
  if (rows === 0 && droppedRows === 0) throw new DataError(`${source}: no data rows after the header - expected at least one`);
  const rawFeatures = featIdx.length;
  let x = xs!.toArray();
  const rawNames = featIdx.map((i) => header![i]);
  // Collected categories in a stable order (numbers numerically, then text), codes renumbered to match.
  const categoryValues: (string[] | null)[] = cats.map((cat, f) => {
    if (!cat) return null;
    if (cat.fixed) return cat.spec.values!;
    const values = [...cat.codes.keys()].sort(compareCategories);
    const renumber = new Float32Array(values.length);
    values.forEach((v, k) => { renumber[cat.codes.get(v)!] = k; });
    for (let r = 0; r < rows; r++) {
      const c = x[r * rawFeatures + f];
      if (!Number.isNaN(c)) x[r * rawFeatures + f] = renumber[c];
    }
    if (values.length === 0 && rows > 0) throw new DataError(`${source}: column "${rawNames[f]}": every cell is missing - expected at least one category`);
    return values;
  });
  let missing: MissingReport | undefined;
  if (missingCount.some((c) => c > 0)) {
    missing = { strategy: impute, droppedRows, columns: [] };
    for (let f = 0; f < rawFeatures; f++) {
      if (missingCount[f] === 0) continue;
      let fill: number | null = null;
      if (impute !== 'drop') {
        // A category has no mean: its column takes the most frequent category.
        const stat = categoryValues[f] ? 'most-frequent' : (impute as 'mean' | 'median' | 'most-frequent');
        fill = options.fill?.[rawNames[f]] ?? columnStatistic(x, rawFeatures, f, rows, stat);
        if (Number.isNaN(fill)) throw new DataError(`${source}: column "${rawNames[f]}": every cell is missing - expected at least one number to impute from (or exclude the column)`);
        for (let r = 0; r < rows; r++) if (Number.isNaN(x[r * rawFeatures + f])) x[r * rawFeatures + f] = fill;
      }
      missing.columns.push({ name: rawNames[f], count: missingCount[f], fill, ...(categoryValues[f] && fill !== null ? { category: categoryValues[f]![fill] } : {}) });
    }
  } else if (droppedRows > 0) missing = { strategy: impute, droppedRows, columns: [] };
  if (rows === 0) throw new DataError(`${source}: every row has a missing cell and was dropped - expected at least one complete row`);
  // Categorical columns become their inputs, in place.
  let featureNames = rawNames;
  let categories: CategoricalColumn[] | undefined;
  if (categoryValues.some((v) => v)) {
    featureNames = [];
    categories = [];
    const first: number[] = [];
    rawNames.forEach((name, f) => {
      first.push(featureNames.length);
      const values = categoryValues[f];
      if (!values) featureNames.push(name);
      else {
        categories!.push({ column: name, encoding: cats[f]!.spec.encoding, values, firstInput: featureNames.length });
        if (cats[f]!.spec.encoding === 'one_hot') featureNames.push(...values.map((v) => `${name}=${v}`));
        else featureNames.push(name);
      }
    });
    const F = featureNames.length;
    const wide = new Float32Array(rows * F);
    for (let r = 0; r < rows; r++) {
      for (let f = 0; f < rawFeatures; f++) {
        const v = x[r * rawFeatures + f];
        if (categoryValues[f] && cats[f]!.spec.encoding === 'one_hot') wide[r * F + first[f] + v] = 1;
        else wide[r * F + first[f]] = v;
      }
    }
    x = wide;
  }
  const features = featureNames.length;
  if (targetList.length === 0) {
    return { source, task: options.task ?? 'regression', featureNames, rows, features, x, labels: null, classes: null, targets: null, targetNames: [], ...(missing ? { missing } : {}), ...(categories ? { categories } : {}) };
  }
  const allNumeric = rawTargets.every((t) => t.every((c) => c !== '' && Number.isFinite(Number(c))));
  const inferred = options.task === undefined ? inferTask(targetList, rawTargets, allNumeric) : null;
  const task = options.task ?? inferred!.task;
  const taskReason = inferred ? { taskReason: inferred.reason, ...(inferred.ambiguous ? { taskAmbiguous: true } : {}) } : {};
  if (task === 'classification') {
    if (targetList.length !== 1) throw new DataError(`${source}: classification takes one target column - got ${targetList.length}`);
    let names = [...new Set(rawTargets.map((t) => t[0]))];
    if (allNumeric) names.sort((a, b) => Number(a) - Number(b));
    else names.sort();
    if (options.classes) {
      const known = new Set(options.classes);
      const r = rawTargets.findIndex((t) => !known.has(t[0]));
      if (r >= 0) throw new DataError(`${source}: line ${lineOfRow[r]}, target column "${targetList[0]}": label "${rawTargets[r][0].slice(0, 40)}" is not a class of the training data - expected one of ${options.classes.slice(0, 10).map((c) => `"${c}"`).join(', ')}${options.classes.length > 10 ? ` (${options.classes.length} in all)` : ''}`);
      names = [...options.classes];
    }
    if (names.length < (options.minClasses ?? 2)) throw new DataError(`${source}: column "${targetList[0]}": a single class ("${names[0]}") - expected at least 2 classes`);
    const index = new Map(names.map((n, i) => [n, i]));
    const labels = new Int32Array(rows);
    for (let r = 0; r < rows; r++) labels[r] = index.get(rawTargets[r][0])!;
    return { source, task, featureNames, rows, features, x, labels, classes: names, targets: null, targetNames: targetList, ...taskReason, ...(missing ? { missing } : {}), ...(categories ? { categories } : {}) };
  }
  const targets = new Float32Array(rows * targetList.length);
  for (let r = 0; r < rows; r++) for (let t = 0; t < targetList.length; t++) {
    const c = rawTargets[r][t];
    const v = c === '' ? NaN : Number(c);
    if (!Number.isFinite(v)) throw new DataError(`${source}: line ${lineOfRow[r]}, target column "${targetList[t]}": value "${c}" - expected a finite number`);
    targets[r * targetList.length + t] = v;
  }
  return { source, task, featureNames, rows, features, x, labels: null, classes: null, targets, targetNames: targetList, ...taskReason, ...(missing ? { missing } : {}), ...(categories ? { categories } : {}) };
}

/** Fill values of every feature of `ds` by `strategy` (for reading held-out files as the training file was read). */
export function fillValues(ds: Dataset, strategy: 'mean' | 'median' | 'most-frequent'): Record<string, number> {
  const out: Record<string, number> = {};
  ds.featureNames.forEach((name, f) => { out[name] = columnStatistic(ds.x, ds.features, f, ds.rows, strategy); });
  // A categorical column's fill is the code of its most frequent category.
  for (const c of ds.categories ?? []) {
    if (c.encoding === 'ordinal') out[c.column] = columnStatistic(ds.x, ds.features, c.firstInput, ds.rows, 'most-frequent');
    else {
      const counts = c.values.map((_, k) => { let n = 0; for (let r = 0; r < ds.rows; r++) n += ds.x[r * ds.features + c.firstInput + k]; return n; });
      out[c.column] = counts.indexOf(Math.max(...counts));
    }
  }
  for (const c of ds.missing?.columns ?? []) if (c.fill !== null) out[c.name] = c.fill;
  return out;
}

/** Integer targets with more distinct values than this may be classes or a quantity: the caller should ask. */
export const CLEAR_CLASS_COUNT = 20;

/**
 * The task a target column suggests, and why. Text labels are classes, non-integers a quantity; integers with at most
 * CLEAR_CLASS_COUNT distinct values are classes. More distinct integers (a count, a tax rate, an age) are ambiguous:
 * still classification up to 256 values (what the trainer did before it said so), regression above.
 */
function inferTask(targetList: string[], rawTargets: string[][], allNumeric: boolean): { task: Task; reason: string; ambiguous: boolean } {
  if (targetList.length > 1) return { task: 'regression', reason: `${targetList.length} target columns`, ambiguous: false };
  const name = `"${targetList[0]}"`;
  if (!allNumeric) return { task: 'classification', reason: `${name} holds text labels`, ambiguous: false };
  const distinct = new Set(rawTargets.map((t) => Number(t[0])));
  if (![...distinct].every((v) => Number.isInteger(v))) return { task: 'regression', reason: `${name} holds non-integer numbers`, ambiguous: false };
  if (distinct.size <= CLEAR_CLASS_COUNT) return { task: 'classification', reason: `${name} holds ${distinct.size} distinct integers, few enough to be classes`, ambiguous: false };
  return { task: distinct.size <= 256 ? 'classification' : 'regression', reason: `${name} holds ${distinct.size} distinct integers, which may be classes or a quantity`, ambiguous: true };
}

/** Order of collected categories: numbers numerically, before text in code-point order (stable across files). */
function compareCategories(a: string, b: string): number {
  const na = Number(a), nb = Number(b);
  const numA = a.trim() !== '' && Number.isFinite(na), numB = b.trim() !== '' && Number.isFinite(nb);
  if (numA && numB) return na - nb || (a < b ? -1 : a > b ? 1 : 0);
  if (numA !== numB) return numA ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Mean, median or most frequent value (ties: the smallest) of the present (non-NaN) cells of feature `f`; NaN when none. */
function columnStatistic(x: Float32Array, features: number, f: number, rows: number, stat: 'mean' | 'median' | 'most-frequent'): number {
  const present: number[] = [];
  for (let r = 0; r < rows; r++) {
    const v = x[r * features + f];
    if (!Number.isNaN(v)) present.push(v);
  }
  if (present.length === 0) return NaN;
  if (stat === 'mean') return present.reduce((a, b) => a + b, 0) / present.length;
  present.sort((a, b) => a - b);
  if (stat === 'median') {
    const m = present.length >> 1;
    return present.length % 2 ? present[m] : (present[m - 1] + present[m]) / 2;
  }
  let best = present[0], bestRun = 0;
  for (let i = 0, j = 0; i < present.length; i = j) {
    while (j < present.length && present[j] === present[i]) j++;
    if (j - i > bestRun) { best = present[i]; bestRun = j - i; }
  }
  return best;
}

/** True when the file starts with the gzip magic bytes 1f 8b. */
async function isGzipFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Rows of `ds` selected by `idx`, copied. */
export function subset(ds: Dataset, idx: ArrayLike<number>): Dataset {
  const F = ds.features;
  const x = new Float32Array(idx.length * F);
  for (let i = 0; i < idx.length; i++) x.set(ds.x.subarray(idx[i] * F, idx[i] * F + F), i * F);
  let labels: Int32Array | null = null;
  let targets: Float32Array | null = null;
  if (ds.labels) {
    labels = new Int32Array(idx.length);
    for (let i = 0; i < idx.length; i++) labels[i] = ds.labels[idx[i]];
  }
  if (ds.targets) {
    const T = ds.targetNames.length;
    targets = new Float32Array(idx.length * T);
    for (let i = 0; i < idx.length; i++) targets.set(ds.targets.subarray(idx[i] * T, idx[i] * T + T), i * T);
  }
  return { ...ds, rows: idx.length, x, labels, targets };
}

export interface SplitOptions {
  seed?: number;
  /** Default 0.1. */
  valFraction?: number;
  /** Default 0.1. */
  testFraction?: number;
  /** Use at most this many rows in total (after shuffling); for quick runs on large sets. */
  maxRows?: number;
  /** Classification: every class in each part in proportion (per class, the fractions rounded to nearest). */
  stratify?: boolean;
}

export interface Split {
  train: Dataset;
  val: Dataset;
  test: Dataset;
}

/** Seeded shuffle, then test | validation | train (fractions of the rows, rounded down). */
export function splitDataset(ds: Dataset, options: SplitOptions = {}): Split {
  const vf = options.valFraction ?? 0.1;
  const tf = options.testFraction ?? 0.1;
  if (!(vf >= 0 && tf >= 0 && vf + tf < 1)) throw new RangeError(`split fractions must be >= 0 and sum below 1, got val ${vf}, test ${tf}`);
  const perm = new Int32Array(ds.rows);
  for (let i = 0; i < ds.rows; i++) perm[i] = i;
  new Rng(options.seed ?? 1).shuffle(perm);
  const n = Math.min(ds.rows, options.maxRows ?? ds.rows);
  if (options.stratify) return stratifiedSplit(ds, perm.subarray(0, n), vf, tf, options.seed ?? 1);
  const nTest = Math.floor(n * tf);
  const nVal = Math.floor(n * vf);
  if (n - nTest - nVal < 1) throw new DataError(`${ds.source}: ${n} rows leave no training rows after the split`);
  return {
    test: subset(ds, perm.subarray(0, nTest)),
    val: subset(ds, perm.subarray(nTest, nTest + nVal)),
    train: subset(ds, perm.subarray(nTest + nVal, n)),
  };
}

/** Per class (in the shuffled order `perm`), its share of test and validation rows; each part shuffled again so no part is ordered by class. */
function stratifiedSplit(ds: Dataset, perm: Int32Array, vf: number, tf: number, seed: number): Split {
  if (!ds.labels || !ds.classes) throw new RangeError(`${ds.source}: a stratified split needs class labels - the task is ${ds.task}`);
  const byClass: number[][] = ds.classes.map(() => []);
  for (const i of perm) byClass[ds.labels[i]].push(i);
  const test: number[] = [], val: number[] = [], train: number[] = [];
  for (const rows of byClass) {
    const nTest = Math.round(rows.length * tf), nVal = Math.min(rows.length - nTest, Math.round(rows.length * vf));
    test.push(...rows.slice(0, nTest));
    val.push(...rows.slice(nTest, nTest + nVal));
    train.push(...rows.slice(nTest + nVal));
  }
  if (train.length < 1) throw new DataError(`${ds.source}: ${perm.length} rows leave no training rows after the split`);
  const rng = new Rng(seed ^ 0x5f3759df);
  const part = (idx: number[]) => {
    const a = Int32Array.from(idx);
    rng.shuffle(a);
    return subset(ds, a);
  };
  return { test: part(test), val: part(val), train: part(train) };
}

/** Per-feature mean and standard deviation (f64), and which features are constant on these rows. */
export function featureStats(ds: Dataset): { mean: Float64Array; std: Float64Array; constant: boolean[] } {
  const F = ds.features;
  const mean = new Float64Array(F);
  const m2 = new Float64Array(F);
  for (let r = 0; r < ds.rows; r++) {
    for (let f = 0; f < F; f++) {
      // Welford: stable for large rows counts and large offsets.
      const v = ds.x[r * F + f];
      const d = v - mean[f];
      mean[f] += d / (r + 1);
      m2[f] += d * (v - mean[f]);
    }
  }
  const std = new Float64Array(F);
  const constant: boolean[] = [];
  for (let f = 0; f < F; f++) {
    std[f] = ds.rows > 0 ? Math.sqrt(m2[f] / ds.rows) : 0;
    constant.push(!(std[f] > 1e-12 * Math.max(1, Math.abs(mean[f]))));
  }
  return { mean, std, constant };
}

/** Checks that a path exists, for tests that skip when a shared data set is absent. */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
