/** @fileoverview Scores of predictions, shared by the trainer and `nmp eval`: accuracy, macro-F1 and confusion matrix, or MSE and MAE per target. */

import { argmax } from '../../formats/reference/forward.js';

export interface ClassificationReport {
  accuracy: number;
  f1Macro: number;
  /** confusion[true][predicted]; rows whose label the model does not know are counted in `unknownLabels`. */
  confusion: number[][];
  unknownLabels: number;
}

export function classificationReport(labels: Int32Array, y: Float32Array, classes: number): ClassificationReport {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0, unknown = 0;
  for (let r = 0; r < labels.length; r++) {
    const best = argmax(y, r * classes, classes);
    const t = labels[r];
    if (t < 0) { unknown++; continue; }
    confusion[t][best]++;
    if (t === best) correct++;
  }
  let f1 = 0, present = 0;
  for (let c = 0; c < classes; c++) {
    const tp = confusion[c][c];
    let fp = 0, fn = 0;
    for (let o = 0; o < classes; o++) if (o !== c) { fp += confusion[o][c]; fn += confusion[c][o]; }
    if (tp + fp + fn === 0) continue; // a class absent from both truth and predictions does not count
    present++;
    f1 += (2 * tp) / (2 * tp + fp + fn);
  }
  const n = labels.length - unknown;
  return { accuracy: n ? correct / n : 0, f1Macro: present ? f1 / present : 0, confusion, unknownLabels: unknown };
}

export interface RegressionReport {
  mse: number;
  mae: number;
  perTarget: { name: string; mse: number; mae: number }[];
}

export function regressionReport(targets: Float32Array, y: Float32Array, names: string[]): RegressionReport {
  const T = names.length, rows = targets.length / T;
  const se = new Float64Array(T), ae = new Float64Array(T);
  for (let r = 0; r < rows; r++) for (let t = 0; t < T; t++) {
    const d = y[r * T + t] - targets[r * T + t];
    se[t] += d * d;
    ae[t] += Math.abs(d);
  }
  const n = Math.max(1, rows); // no rows: errors of 0, not NaN
  const perTarget = names.map((name, t) => ({ name, mse: se[t] / n, mae: ae[t] / n }));
  return { mse: se.reduce((a, b) => a + b, 0) / (n * T), mae: ae.reduce((a, b) => a + b, 0) / (n * T), perTarget };
}
