/**
 * @fileoverview What a model costs and where its bits went: per-layer bit-width histograms, parameter counts,
 * average bits, and bytes by part of the file compared with fp32 and int8 equivalents. Pure, no I/O.
 */

import type { NmpModel } from './schema.js';

export interface LayerSummary {
  index: number;
  inFeatures: number;
  outFeatures: number;
  /** Neurons at each weight width 0..8 (index = bits). */
  weightBitsHistogram: number[];
  /** Neurons at each activation width 0..16 (index = bits); null on the output layer. */
  actBitsHistogram: number[] | null;
  /** Weights that exist (pruned neurons contribute none). */
  weights: number;
  /** Average weight bits per weight slot, pruned neurons counting 0. */
  avgWeightBits: number;
  avgActBits: number | null;
  /** Packed weight bytes in the file. */
  weightBytes: number;
}

export interface ModelSummary {
  layers: LayerSummary[];
  /** Weight slots (sum of in x out) and biases. */
  parameters: { weights: number; biases: number };
  /** Average weight bits over all weight slots, and over non-pruned neurons' slots. */
  avgWeightBits: number;
  /** Average activation bits over hidden neurons (null for a single-layer model). */
  avgActBits: number | null;
  prunedNeurons: number;
  /** Bytes by part; `framing` is everything else (msgpack headers, keys, metadata strings, envelope). */
  bytes: { total: number; weights: number; perNeuron: number; quantizers: number; framing: number };
  /** What the same MLP costs stored as fp32, and as int8 with one f32 scale per neuron. */
  equivalents: { fp32: number; int8: number };
}

/**
 * Neurons per bit-width: `h[b]` counts the entries of `bits` equal to b, for b in 0..size-1 (weight widths: size 9,
 * activation widths: 17). The one histogram of widths: the summary, the runtime's `info` and the trainer's log use it.
 * @throws RangeError for a width outside 0..size-1.
 */
export function bitsHistogram(bits: ArrayLike<number>, size: number): number[] {
  const h = new Array<number>(size).fill(0);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    if (!(b >= 0 && b < size && Number.isInteger(b))) throw new RangeError(`bits[${i}] is ${b}, expected an integer 0..${size - 1}`);
    h[b]++;
  }
  return h;
}

/** Summary of a decoded model; `fileBytes` is the encoded size (for the framing share). */
export function summarizeModel(model: NmpModel, fileBytes: number): ModelSummary {
  let slots = 0, bitSum = 0, actNeurons = 0, actBitSum = 0, biases = 0, pruned = 0, weightBytes = 0, perNeuron = 0;
  const layers = model.layers.map((l, index): LayerSummary => {
    const wh = bitsHistogram(l.weightBits, 9);
    let layerBits = 0, weights = 0;
    wh.forEach((n, b) => { layerBits += n * b * l.inFeatures; if (b > 0) weights += n * l.inFeatures; });
    pruned += wh[0];
    let ah: number[] | null = null, avgAct: number | null = null;
    // Per-neuron parameters: w_bits u8, bias i32, w_scale f32; hidden layers add act bits u8, scale f32, mult i32, shift u8.
    perNeuron += l.outFeatures * (1 + 4 + 4) + (l.act ? l.outFeatures * (1 + 4 + 4 + 1) : 0);
    if (l.act) {
      ah = bitsHistogram(l.act.bits, 17);
      const s = ah.reduce((a, n, b) => a + n * b, 0);
      avgAct = s / l.outFeatures;
      actNeurons += l.outFeatures;
      actBitSum += s;
    }
    slots += l.inFeatures * l.outFeatures;
    bitSum += layerBits;
    biases += l.outFeatures;
    weightBytes += l.weights.length;
    return {
      index, inFeatures: l.inFeatures, outFeatures: l.outFeatures, weightBitsHistogram: wh, actBitsHistogram: ah, weights,
      avgWeightBits: layerBits / (l.inFeatures * l.outFeatures), avgActBits: avgAct, weightBytes: l.weights.length,
    };
  });
  const features = model.input.bits.length, outputs = model.output.scale.length;
  const quantizers = features * (1 + 8 + 8) + outputs * (8 + 8);
  return {
    layers,
    parameters: { weights: slots, biases },
    avgWeightBits: bitSum / slots,
    avgActBits: actNeurons ? actBitSum / actNeurons : null,
    prunedNeurons: pruned,
    bytes: { total: fileBytes, weights: weightBytes, perNeuron, quantizers, framing: Math.max(0, fileBytes - weightBytes - perNeuron - quantizers) },
    equivalents: { fp32: 4 * (slots + biases), int8: slots + 4 * biases + 4 * biases },
  };
}
