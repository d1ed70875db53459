/**
 * @fileoverview Data for the CLI's model commands: CSV rows in the order of a model's feature names, and labels mapped
 * onto the model's outputs by name, so a file whose columns are in another order still scores correctly.
 */

import { readFile } from 'node:fs/promises';
import { readModel } from '../../formats/read.js';
import type { NmpModel } from '../../formats/schema.js';
import { loadModel, type Model } from '../../runtime/index.js';
import { readCsv, type CsvOptions, type Dataset } from '../train/data.js';
import { rawColumnsOf } from '../../formats/categories.js';
import { UserError } from './args.js';

/** A model takes every feature as a number: missing cells must be filled (or their rows removed) before predicting. */
const MODEL_INPUT_HINTS = {
  missing: 'the model needs every feature: fill the cell or remove the row', drop: 'remove the row',
  text: (column: string) => `the model was trained on numbers in column "${column}"`,
};

/** The raw columns a model reads, and its category tables: a CSV gives text where the model has categories. */
function rawInput(model: NmpModel): Pick<CsvOptions, 'features' | 'categorical'> {
  return {
    features: rawColumnsOf(model.meta),
    categorical: model.meta.categories?.map((c) => ({ column: c.column, encoding: c.encoding, values: c.values })),
  };
}

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

/** Reads a labelled CSV (path or '-' for stdin) for evaluating `model`: its feature columns in its order, labels by name. */
export async function readLabelledCsv(source: string, model: NmpModel, target?: string): Promise<ModelData> {
  const task = model.meta.task;
  const targetCol = target ?? model.meta.targetColumn;
  if (task === 'classification' && !targetCol) throw new UserError('which column holds the labels? pass --target COL (the model does not record it)');
  const ds = await readCsv(source === '-' ? process.stdin : source, {
    target: task === 'regression' ? model.meta.outputNames : targetCol!, task, ...rawInput(model), minClasses: 1,
    name: source === '-' ? 'stdin' : source, hints: MODEL_INPUT_HINTS,
  });
  let labels: Int32Array | null = null;
  if (task === 'classification') {
    const toOutput = ds.classes!.map((c) => model.meta.outputNames.indexOf(c));
    labels = Int32Array.from(ds.labels!, (l) => toOutput[l]);
  }
  return { rows: ds.rows, x: ds.x, labels, targets: ds.targets, dataset: ds };
}

/** Reads only the model's feature columns of a CSV (path or '-' for stdin), in the model's order; other columns are ignored. */
export async function readFeatureCsv(source: string, model: NmpModel): Promise<{ rows: number; x: Float32Array }> {
  const ds = await readCsv(source === '-' ? process.stdin : source, { target: [], ...rawInput(model), name: source === '-' ? 'stdin' : source, hints: MODEL_INPUT_HINTS });
  return { rows: ds.rows, x: ds.x };
}
