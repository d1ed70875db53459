/**
 * @fileoverview Whole-model integer inference (SPEC.md §6): input quantisation, per-layer dot products, requantisation,
 * output dequantisation. Plain loops over the decoded model; the conformance vectors are produced by this file.
 */

import type { NmpModel } from '../schema.js';
import { dequantizeValue, dotRowReference, quantizeInputValue, requantize } from './arith.js';

/** Signed input codes of one sample (SPEC §6.1). */
export function quantizeInput(model: NmpModel, x: ArrayLike<number>): Int32Array {
  const { bits, center, gain } = model.input;
  if (x.length !== bits.length) throw new RangeError(`input has ${x.length} values, expected ${bits.length}`);
  const codes = new Int32Array(bits.length);
  for (let i = 0; i < bits.length; i++) codes[i] = quantizeInputValue(x[i], center[i], gain[i], bits[i]);
  return codes;
}

/** Integer forward pass from input codes: every hidden layer's activation codes and the last layer's accumulators. */
export function forwardCodes(model: NmpModel, inputCodes: Int32Array): { acts: Int32Array[]; acc: Int32Array } {
  const acts: Int32Array[] = [];
  let inputs = inputCodes;
  for (const layer of model.layers) {
    const acc = new Int32Array(layer.outFeatures);
    for (let j = 0; j < layer.outFeatures; j++) {
      acc[j] = dotRowReference(layer.weights, layer.rowOffsets[j], layer.weightBits[j], inputs, layer.bias[j]);
    }
    if (layer.act === null) return { acts, acc };
    const codes = new Int32Array(layer.outFeatures);
    for (let j = 0; j < layer.outFeatures; j++) {
      codes[j] = requantize(acc[j], layer.act.mult[j], layer.act.shift[j], layer.act.bits[j]);
    }
    acts.push(codes);
    inputs = codes;
  }
  throw new Error('model has no output layer'); // unreachable for a model that passed readModel
}

/** Real outputs of the last layer's accumulators (SPEC §6.5). */
export function dequantizeOutput(model: NmpModel, acc: Int32Array): Float32Array {
  const y = new Float32Array(acc.length);
  for (let j = 0; j < acc.length; j++) y[j] = dequantizeValue(acc[j], model.output.scale[j], model.output.offset[j]);
  return y;
}

/** One sample, real inputs to real outputs, exactly as every backend must compute it. */
export function predictReference(model: NmpModel, x: ArrayLike<number>): Float32Array {
  return dequantizeOutput(model, forwardCodes(model, quantizeInput(model, x)).acc);
}

/**
 * SPEC §6.6: index of the largest output, the lowest index on ties. `offset` and `length` select one row of a batch
 * (rows x outputs) without a subarray; the index is then within the row.
 */
export function argmax(y: ArrayLike<number>, offset = 0, length = y.length - offset): number {
  let best = 0;
  for (let j = 1; j < length; j++) if (y[offset + j] > y[offset + best]) best = j;
  return best;
}
