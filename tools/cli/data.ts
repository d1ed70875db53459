/**
 * @fileoverview Data for the CLI's model commands: CSV rows in the order of a model's feature names, and labels mapped
 * onto the model's outputs by name, so a file whose columns are in another order still scores correctly.
 */

import { readFile } from 'node:fs/promises';
import { readModel } from '../../formats/read.js';
import type { NmpModel } from '../../formats/schema.js';
import { loadModel, type Model } from '../../runtime/index.js';
import { readCsv, type Dataset } from '../train/data.js';
import { UserError } from './args.js';

export interface LoadedModel {
  path: string;
  bytes: Uint8Array;
  decoded: NmpModel;
}

export async function readModelArg(path: string): Promise<LoadedModel> {
  const bytes = new Uint8Array(await readFile(path));
  return { path, bytes, decoded: readModel(bytes) };
}

export async function runtimeFor(m: LoadedModel, backend: 'auto' | 'simd' | 'scalar' = 'auto'): Promise<Model> {
  return loadModel(m.bytes, { backend });
}

export interface ModelData {
  rows: number;
  /** rows x model features, in the model's feature order. */
  x: Float32Array;
  /** Classification: model output index of each row's label (-1 when the model has no such label). */
  labels: Int32Array | null;
  /** Regression: rows x outputs, in the model's output order. */
  targets: Float32Array | null;
  dataset: Dataset;
}

/** Column index in `ds` of each of the model's features, or a UserError naming the missing ones. */
function featureColumns(ds: Dataset, model: NmpModel, source: string): number[] {
  const missing = model.meta.featureNames.filter((n) => !ds.featureNames.includes(n));
  if (missing.length) {
    throw new UserError(`${source}: the model's feature column(s) ${missing.slice(0, 5).map((n) => `"${n}"`).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} are missing`);
  }
  return model.meta.featureNames.map((n) => ds.featureNames.indexOf(n));
}

/** Reads a labelled CSV (path or '-' for stdin) for evaluating `model`. */
export async function readLabelledCsv(source: string, model: NmpModel, target?: string): Promise<ModelData> {
  const task = model.meta.task;
  const targetCols = task === 'regression' ? model.meta.outputNames : [target ?? model.meta.targetColumn ?? ''];
  if (targetCols[0] === '') throw new UserError(`which column holds the labels? pass --target COL (the model does not record it)`);
  const input = source === '-' ? process.stdin : source;
  const ds = await readCsv(input, { target: task === 'regression' ? targetCols : targetCols[0], task, name: source === '-' ? 'stdin' : source });
  const cols = featureColumns(ds, model, source);
  const F = cols.length, x = new Float32Array(ds.rows * F);
  for (let r = 0; r < ds.rows; r++) for (let f = 0; f < F; f++) x[r * F + f] = ds.x[r * ds.features + cols[f]];
  let labels: Int32Array | null = null;
  if (task === 'classification') {
    const toOutput = ds.classes!.map((c) => model.meta.outputNames.indexOf(c));
    labels = Int32Array.from(ds.labels!, (l) => toOutput[l]);
  }
  return { rows: ds.rows, x, labels, targets: ds.targets, dataset: ds };
}

/**
 * Reads only the model's feature columns of a CSV (path or '-' for stdin), in the model's order; other columns
 * (a label, an id) are ignored. Cells must be finite numbers: `nmp run` predicts, it does not impute.
 */
export async function readFeatureCsv(source: string, model: NmpModel): Promise<{ rows: number; x: Float32Array }> {
  const { createReadStream } = await import('node:fs');
  const { createInterface } = await import('node:readline');
  const { createGunzip } = await import('node:zlib');
  const name = source === '-' ? 'stdin' : source;
  let input: NodeJS.ReadableStream = source === '-' ? process.stdin : createReadStream(source);
  if (source.endsWith('.gz')) input = input.pipe(createGunzip());
  const F = model.meta.featureNames.length;
  const chunks: Float32Array[] = [];
  let cols: number[] | null = null, header: string[] = [], rows = 0, lineNo = 0;
  let cur = new Float32Array(1024 * F), used = 0;
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    lineNo++;
    if (raw.trim() === '') continue;
    const cells = raw.split(',').map((c) => c.trim().replace(/^"(.*)"$/s, '$1'));
    if (cols === null) {
      header = cells;
      const missing = model.meta.featureNames.filter((n) => !header.includes(n));
      if (missing.length) throw new UserError(`${name}: the model's feature column(s) ${missing.slice(0, 5).map((n) => `"${n}"`).join(', ')} are missing from the header`);
      cols = model.meta.featureNames.map((n) => header.indexOf(n));
      continue;
    }
    if (cells.length !== header.length) throw new UserError(`${name}: line ${lineNo}: ${cells.length} cells - expected ${header.length} (as the header)`);
    if (used === 1024) { chunks.push(cur); cur = new Float32Array(1024 * F); used = 0; }
    for (let f = 0; f < F; f++) {
      const v = Number(cells[cols[f]]);
      if (cells[cols[f]] === '' || !Number.isFinite(v)) throw new UserError(`${name}: line ${lineNo}, column "${header[cols[f]]}": "${cells[cols[f]]}" - expected a finite number`);
      cur[used * F + f] = v;
    }
    used++;
    rows++;
  }
  if (cols === null) throw new UserError(`${name}: empty input - expected a header row and data rows`);
  const x = new Float32Array(rows * F);
  chunks.forEach((c, i) => x.set(c, i * 1024 * F));
  x.set(cur.subarray(0, used * F), chunks.length * 1024 * F);
  return { rows, x };
}
