/**
 * @fileoverview Seeded random models that satisfy every reader rule, for conformance vectors, backend tests and
 * benchmarks. Codes span their ranges (including the extremes) and requantisation is scaled so activations use
 * their whole code range instead of saturating.
 */

import { ACC_MAX } from '../constants.js';
import { packRow, rowBytes, weightCodeRange } from '../pack.js';
import { requantParams } from '../quant.js';
import type { LayerInput, ModelInput } from '../write.js';

/** mulberry32: small, fast, and identical in every JS engine, so a seed replays anywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomModelOptions {
  seed: number;
  /** Layer widths from inputs to outputs, e.g. [54, 256, 256, 7]. */
  widths: number[];
  /** Weight widths to draw from, or the width of neuron j of layer l. Default: the menu 0..8. */
  weightBitsMenu?: number[] | ((layer: number, neuron: number) => number);
  /** Activation widths to draw from, or the width of hidden neuron j of layer l. Default: the menu 1..16. */
  actBitsMenu?: number[] | ((layer: number, neuron: number) => number);
  /** Input code widths to draw from, or the width of feature i. Default: the menu 2..16. */
  inputBitsMenu?: number[] | ((feature: number) => number);
  /** Probability that a weight takes its minimum or maximum code (extreme codes). Default 0.1. */
  extremeWeightRate?: number;
  task?: 'classification' | 'regression';
  name?: string;
}

function pick(spec: number[] | ((...a: number[]) => number) | undefined, fallback: number[], r: () => number, ...args: number[]): number {
  if (typeof spec === 'function') return spec(...args);
  const menu = spec ?? fallback;
  return menu[Math.floor(r() * menu.length)];
}

const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

/** A valid random model. Rows whose worst-case accumulator would overflow int32 are shrunk until they fit. */
export function randomModel(opts: RandomModelOptions): ModelInput {
  const r = rng(opts.seed);
  const { widths } = opts;
  const features = widths[0];
  const inputBits = Uint8Array.from({ length: features }, (_, i) => pick(opts.inputBitsMenu, range(2, 16), r, i));
  const center = Float64Array.from({ length: features }, () => Math.round((r() - 0.5) * 2000) / 100);
  const gain = Float64Array.from(inputBits, (b) => ((2 ** (b - 1) - 1) / 3) * (0.5 + r()));
  let inMax = Float64Array.from(inputBits, (b) => 2 ** (b - 1) - 1);
  // Typical |input| per input: about a third of the range for inputs, half for activations.
  let inTypical = Float64Array.from(inMax, (m) => m / 3);
  const layers: LayerInput[] = [];
  const extreme = opts.extremeWeightRate ?? 0.1;
  for (let l = 1; l < widths.length; l++) {
    const fanIn = widths[l - 1], out = widths[l], isLast = l === widths.length - 1;
    const weightBits = Uint8Array.from({ length: out }, (_, j) => pick(opts.weightBitsMenu, range(0, 8), r, l - 1, j));
    const rows: Uint8Array[] = [];
    const bias = new Int32Array(out);
    const typicalAcc = new Float64Array(out);
    for (let j = 0; j < out; j++) {
      const b = weightBits[j];
      let bound = 0;
      const codes = new Int32Array(fanIn);
      if (b > 0) {
        const [lo, hi] = weightCodeRange(b);
        for (let k = 0; k < fanIn; k++) {
          const u = r();
          let w = u < extreme / 2 ? lo : u < extreme ? hi : lo + Math.floor(r() * (hi - lo + 1));
          if (b === 1 && w === 0) w = 1;
          codes[k] = w;
          bound += Math.abs(w) * inMax[k];
          typicalAcc[j] += (w * inTypical[k]) ** 2;
        }
        // Keep the int32 proof: move the largest-magnitude codes toward zero until the bound holds.
        for (let k = fanIn - 1; bound > ACC_MAX && k >= 0; k--) {
          const keep = b === 1 ? codes[k] : Math.sign(codes[k]) * Math.min(Math.abs(codes[k]), 1);
          bound -= (Math.abs(codes[k]) - Math.abs(keep)) * inMax[k];
          codes[k] = keep;
        }
        if (bound > ACC_MAX) throw new Error(`seed ${opts.seed}: layer ${l - 1} neuron ${j} cannot satisfy the int32 bound`);
      }
      rows.push(packRow(b === 0 ? [] : codes, Math.max(b, 1)).subarray(0, rowBytes(fanIn, b)));
      const headroom = ACC_MAX - bound;
      typicalAcc[j] = Math.sqrt(typicalAcc[j]) + 1;
      const biasMag = Math.min(headroom, Math.ceil(typicalAcc[j]));
      bias[j] = Math.round((r() * 2 - 1) * biasMag);
    }
    const weights = new Uint8Array(rows.reduce((s, x) => s + x.length, 0));
    rows.reduce((off, x) => (weights.set(x, off), off + x.length), 0);
    const weightScale = Float32Array.from({ length: out }, () => Math.fround(2 ** -(4 + r() * 8)));
    let act = null;
    if (!isLast) {
      const bits = Uint8Array.from({ length: out }, (_, j) => pick(opts.actBitsMenu, range(1, 16), r, l - 1, j));
      const mult = new Int32Array(out), shift = new Uint8Array(out), scale = new Float32Array(out);
      for (let j = 0; j < out; j++) {
        // Map about two typical accumulators onto the code range, so codes spread and sometimes clip.
        const ratio = (2 ** bits[j] - 1) / (2 * typicalAcc[j]);
        const p = requantParams(ratio * (0.5 + r()));
        mult[j] = p.mult;
        shift[j] = p.shift;
        scale[j] = Math.fround(weightScale[j] / (p.mult / 2 ** p.shift));
      }
      act = { bits, scale, mult, shift };
      inMax = Float64Array.from(bits, (b) => 2 ** b - 1);
      inTypical = Float64Array.from(inMax, (m) => m / 2);
    }
    layers.push({ inFeatures: fanIn, outFeatures: out, weightBits, weights, bias, weightScale, act });
  }
  const outputs = widths[widths.length - 1];
  const task = opts.task ?? 'classification';
  return {
    meta: {
      task,
      featureNames: Array.from({ length: features }, (_, i) => `f${i}`),
      outputNames: Array.from({ length: outputs }, (_, j) => (task === 'classification' ? `class_${j}` : `target_${j}`)),
      provenance: { method: 'random', dataset: opts.name ?? 'random', seed: opts.seed, metrics: {}, tool: 'nmp-edge formats/testdata/random', createdAt: '2026-01-01T00:00:00.000Z' },
    },
    input: { bits: inputBits, center, gain },
    layers,
    output: {
      scale: Float64Array.from({ length: outputs }, () => 2 ** -(8 + Math.floor(r() * 8)) * (1 + r())),
      offset: Float64Array.from({ length: outputs }, () => (task === 'regression' ? Math.round((r() - 0.5) * 200) / 10 : 0)),
    },
  };
}

/** Random real inputs for a model: mostly within the input range, some far outside (saturating), some at rounding ties. */
export function randomInputs(model: ModelInput, count: number, seed: number): Float64Array[] {
  const r = rng(seed);
  const { bits, center, gain } = model.input;
  const rows: Float64Array[] = [];
  for (let n = 0; n < count; n++) {
    rows.push(Float64Array.from(bits, (b, i) => {
      const qmax = 2 ** (b - 1) - 1;
      const u = r();
      const code = u < 0.05 ? qmax * 4 : u < 0.1 ? -qmax * 4 : Math.round((r() * 2 - 1) * qmax * 1.1);
      const tie = r() < 0.1 ? 0.5 : r() - 0.5; // exact .5 ties exercise floor(t + 0.5)
      return center[i] + (code + tie) / gain[i];
    }));
  }
  return rows;
}
