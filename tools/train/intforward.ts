/**
 * @fileoverview Fast integer-exact forward pass of an exported model (format v1 arithmetic, SPEC §6) on the trainer's
 * i32 WASM GEMM; the trainer's reported metrics come from here, and tests hold it to formats/reference bit for bit.
 */

import { dequantizeValue, quantizeInputValue, rowBytes, unpackRow } from '../../formats/index.js';
import type { ModelInput } from '../../formats/index.js';
import { Arena } from './gemm.js';
import { classificationReport, regressionReport } from './metrics.js';
import type { Dataset } from './data.js';

/** A model as written (ModelInput) or as read (NmpModel); row offsets are recomputed from the bit-widths. */
export type AnyModel = Pick<ModelInput, 'input' | 'layers' | 'output' | 'meta'>;

// Powers of two from tables: a variable `2 ** n` and a division are far slower in V8 than a load and a multiplication
// by 2^-n, which is just as exact (power-of-two scaling of a double).
const POW2 = Float64Array.from({ length: 63 }, (_, i) => 2 ** i);
const INV2 = Float64Array.from({ length: 63 }, (_, i) => 2 ** -i);

/**
 * SPEC §6.4 requantisation, formats/reference `requantize` with `qmax = 2^bits - 1`: floor((acc * mult + 2^(shift-1)) /
 * 2^shift) clamped to [0, qmax], exact with doubles: mult is split into 16-bit halves so every partial product stays
 * below 2^53 (acc < 2^31, mult < 2^31, shift 1..62). A copy for speed: it runs once per hidden activation of every
 * evaluated row, and IntegerForward is 3.9-5.4x faster with it than with the reference's BigInt in the same loop (paired,
 * one process, 4096 rows of a 16-256-256-26 model; tools/bench/steps.ts times the loop alone). test/tools/train/
 * trainer.test.ts holds it equal to the reference on edges and random values.
 */
export function requantExact(acc: number, mult: number, shift: number, qmax: number): number {
  const mh = Math.floor(mult * INV2[16]);
  const ml = mult - mh * 65536;
  const A = acc * mh; // |A| < 2^46
  const B = acc * ml; // |B| < 2^47
  let r: number;
  if (shift >= 16) {
    // floor((A*2^16 + B + 2^(shift-1)) / 2^shift) = floor((A + floor((B + 2^(shift-1)) / 2^16)) / 2^(shift-16))
    const t = shift >= 17 ? Math.floor(B * INV2[16]) + POW2[shift - 17] : Math.floor((B + 32768) * INV2[16]);
    r = Math.floor((A + t) * INV2[shift - 16]);
  } else {
    // A * 2^(16-shift) is exact (power-of-two scaling); beyond 2^53 the clamp below decides anyway.
    r = A * POW2[16 - shift] + Math.floor((B + POW2[shift - 1]) * INV2[shift]);
  }
  return r < 0 ? 0 : r > qmax ? qmax : r;
}

/**
 * Requantises neuron j's accumulators of `count` rows (column j of a row-major count x N batch) in place. A function of
 * its own so that V8 optimises this loop by itself: inside runBatch it kept being deoptimised and ran ~4x slower.
 */
function requantColumn(out: Int32Array, j: number, N: number, count: number, mult: number, shift: number, bits: number): void {
  const qmax = POW2[bits] - 1;
  for (let i = 0, at = j; i < count; i++, at += N) out[at] = requantExact(out[at], mult, shift, qmax);
}

/** SPEC §6.1 input code: the reference's own function, so trainer and format cannot drift apart. */
export const inputCode = quantizeInputValue;

/** Integer model prepared for batched evaluation: unpacked transposed weights in an arena. */
export class IntegerForward {
  private readonly arena: Arena;
  private readonly wT: Int32Array[] = [];
  private readonly bufs: Int32Array[] = [];
  readonly batch: number;

  constructor(readonly model: AnyModel, batch = 512, useWasm = true) {
    this.batch = batch;
    const L = model.layers;
    let bytes = 0;
    let maxWidth = L[0].inFeatures;
    for (const l of L) {
      bytes += 4 * l.inFeatures * l.outFeatures + 64;
      maxWidth = Math.max(maxWidth, l.outFeatures);
    }
    bytes += 4 * batch * (L[0].inFeatures + L.reduce((a, l) => a + l.outFeatures, 0)) + 64 * (L.length + 1);
    this.arena = new Arena(bytes, useWasm);
    this.bufs.push(this.arena.i32(batch * L[0].inFeatures));
    for (const l of L) {
      const wt = this.arena.i32(l.inFeatures * l.outFeatures);
      const row = new Int32Array(l.inFeatures);
      let off = 0;
      for (let j = 0; j < l.outFeatures; j++) {
        const b = l.weightBits[j];
        if (b > 0) {
          unpackRow(l.weights, off, l.inFeatures, b, row);
          for (let k = 0; k < l.inFeatures; k++) wt[k * l.outFeatures + j] = row[k];
        }
        off += rowBytes(l.inFeatures, b);
      }
      this.wT.push(wt);
      this.bufs.push(this.arena.i32(batch * l.outFeatures));
    }
  }

  /**
   * Runs rows [start, start+count) of x (row-major, features wide): returns the last layer's accumulators
   * (count x outputs, a view valid until the next call) and, when `hidden` is given, copies hidden codes into it.
   */
  runBatch(x: ArrayLike<number>, start: number, count: number, hidden?: Int32Array[]): Int32Array {
    if (count > this.batch) throw new RangeError(`batch of ${count} rows exceeds the prepared ${this.batch}`);
    const m = this.model;
    const F = m.layers[0].inFeatures;
    const in0 = this.bufs[0];
    for (let i = 0; i < count; i++) {
      for (let f = 0; f < F; f++) {
        in0[i * F + f] = inputCode(x[(start + i) * F + f], m.input.center[f], m.input.gain[f], m.input.bits[f]);
      }
    }
    for (let l = 0; l < m.layers.length; l++) {
      const layer = m.layers[l];
      const N = layer.outFeatures;
      const out = this.bufs[l + 1];
      this.arena.gemmI32(this.bufs[l], layer.inFeatures, 1, this.wT[l], out, count, N, layer.inFeatures, false);
      const bias = layer.bias;
      for (let i = 0; i < count; i++) for (let j = 0; j < N; j++) out[i * N + j] = (out[i * N + j] + bias[j]) | 0;
      if (layer.act) {
        const { mult, shift, bits } = layer.act;
        for (let j = 0; j < N; j++) requantColumn(out, j, N, count, mult[j], shift[j], bits[j]);
        if (hidden) hidden[l].set(out.subarray(0, count * N), start * N);
      }
    }
    return this.bufs[m.layers.length].subarray(0, count * m.layers[m.layers.length - 1].outFeatures);
  }

  /** Accumulators of every row (rows x outputs). */
  accumulators(x: ArrayLike<number>, rows: number): Int32Array {
    const C = this.model.layers[this.model.layers.length - 1].outFeatures;
    const acc = new Int32Array(rows * C);
    for (let s = 0; s < rows; s += this.batch) {
      const n = Math.min(this.batch, rows - s);
      acc.set(this.runBatch(x, s, n), s * C);
    }
    return acc;
  }

  /** Dequantised outputs (SPEC §6.5), rows x outputs. */
  predict(x: ArrayLike<number>, rows: number): Float32Array {
    const acc = this.accumulators(x, rows);
    const C = this.model.output.scale.length;
    const y = new Float32Array(acc.length);
    const { scale, offset } = this.model.output;
    for (let i = 0; i < acc.length; i++) y[i] = dequantizeValue(acc[i], scale[i % C], offset[i % C]);
    return y;
  }
}

export interface Metrics {
  [name: string]: number;
}

/**
 * Accuracy and macro F1 (over the classes present in the labels or the predictions, as scikit-learn) for
 * classification; MSE (mean over outputs, original units) and per-output MSE for regression. The same definitions
 * as `nmp eval` (tools/train/metrics.ts), so the trainer and the CLI never report different numbers for one model.
 */
export function scorePredictions(ds: Dataset, y: Float32Array): Metrics {
  if (ds.task === 'classification') {
    const rep = classificationReport(ds.labels!, y, ds.classes!.length);
    return { accuracy: rep.accuracy, f1_macro: rep.f1Macro };
  }
  const rep = regressionReport(ds.targets!, y, ds.targetNames);
  const m: Metrics = { mse: rep.mse };
  if (rep.perTarget.length > 1) for (const t of rep.perTarget) m[`mse_${t.name}`] = t.mse;
  return m;
}

/** Metrics of an exported model on a data set, computed with the integer arithmetic of the format. */
export function evaluateModel(model: AnyModel, ds: Dataset, options: { useWasm?: boolean } = {}): Metrics {
  if (ds.features !== model.layers[0].inFeatures) {
    throw new RangeError(`${ds.source}: ${ds.features} features - expected ${model.layers[0].inFeatures} (the model's inputs)`);
  }
  const f = new IntegerForward(model, 512, options.useWasm ?? true);
  return scorePredictions(ds, f.predict(ds.x, ds.rows));
}
