/**
 * @fileoverview Benchmark models: a seeded random float MLP (what the peers run) and its NMP quantisation at a given
 * bit mix (what our runtime runs), written through the formats writer so every file is one the strict reader accepts.
 */

import { encodeModel, packRow, readModel, requantParams, weightCodeRange } from '../../formats/index.js';
import type { LayerInput, ModelInput, NmpModel } from '../../formats/index.js';
import { rng } from '../../formats/testdata/random.js';
import { forwardFloat, type FloatMlp } from './onnx.js';

// The same seeded PRNG as the conformance vectors, so every run benchmarks the same models and inputs.
export { rng };

/** Approximately standard normal samples (sum of 4 uniforms, variance-corrected): cheap and bounded to +-3.5. */
export function inputs(count: number, features: number, seed: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(count * features);
  for (let i = 0; i < x.length; i++) x[i] = (r() + r() + r() + r() - 2) * Math.sqrt(3);
  return x;
}

/** Seeded float MLP with He-uniform weights and small biases. */
export function randomFloatMlp(sizes: number[], seed: number): FloatMlp {
  const r = rng(seed);
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [nIn, nOut] = [sizes[l]!, sizes[l + 1]!];
    const a = Math.sqrt(6 / nIn);
    weights.push(Float32Array.from({ length: nIn * nOut }, () => (2 * r() - 1) * a));
    biases.push(Float32Array.from({ length: nOut }, () => (2 * r() - 1) * 0.05));
  }
  return { sizes, weights, biases };
}

/**
 * A bit mix: the share of neurons per weight width and per activation width. Each layer draws its neurons' widths
 * from these shares (exact counts by largest remainder, shuffled), so a 512-neuron layer at 70/20/8/2 has 358/102/41/11.
 */
export interface BitMix {
  name: string;
  weightShares: Partial<Record<number, number>>;
  actShares: Partial<Record<number, number>>;
  /** Shares of input feature widths (default: all 8 bits). */
  inputShares?: Partial<Record<number, number>>;
}

/**
 * What the trainer deploys now (tools/train chooses activation widths per neuron): hidden activations of 2-4 bits, inputs
 * of 4-6 bits. The `a8` mixes (every activation and input 8 bits) are the older, stricter figures, kept for comparison.
 */
const DEPLOYED_ACTS = { 2: 0.3, 3: 0.4, 4: 0.3 };
const DEPLOYED_INPUTS = { 4: 0.3, 5: 0.4, 6: 0.3 };

export const BIT_MIXES: BitMix[] = [
  { name: 'w1a8', weightShares: { 1: 1 }, actShares: { 8: 1 } },
  { name: 'w2a8', weightShares: { 2: 1 }, actShares: { 8: 1 } },
  { name: 'w4a8', weightShares: { 4: 1 }, actShares: { 8: 1 } },
  { name: 'w8a8', weightShares: { 8: 1 }, actShares: { 8: 1 } },
  { name: 'mix', weightShares: { 1: 0.7, 2: 0.2, 4: 0.08, 8: 0.02 }, actShares: { 4: 0.5, 8: 0.5 } },
  { name: 'w1a2-4', weightShares: { 1: 1 }, actShares: DEPLOYED_ACTS, inputShares: DEPLOYED_INPUTS },
  { name: 'w2a2-4', weightShares: { 2: 1 }, actShares: DEPLOYED_ACTS, inputShares: DEPLOYED_INPUTS },
  { name: 'w4a2-4', weightShares: { 4: 1 }, actShares: DEPLOYED_ACTS, inputShares: DEPLOYED_INPUTS },
  { name: 'w8a2-4', weightShares: { 8: 1 }, actShares: DEPLOYED_ACTS, inputShares: DEPLOYED_INPUTS },
  { name: 'mix-a2-4', weightShares: { 1: 0.7, 2: 0.2, 4: 0.08, 8: 0.02 }, actShares: DEPLOYED_ACTS, inputShares: DEPLOYED_INPUTS },
];

/** `n` widths drawn from `shares` with exact largest-remainder counts, then shuffled with `r`. */
function widths(n: number, shares: Record<number, number | undefined>, r: () => number): Uint8Array {
  const entries = Object.entries(shares).map(([b, s]) => [Number(b), s ?? 0] as const);
  const total = entries.reduce((a, [, s]) => a + s, 0);
  const counts = entries.map(([b, s]) => ({ b, exact: (n * s) / total, n: Math.floor((n * s) / total) }));
  let left = n - counts.reduce((a, c) => a + c.n, 0);
  for (const c of [...counts].sort((x, y) => (y.exact - y.n) - (x.exact - x.n))) if (left-- > 0) c.n++;
  const out = new Uint8Array(n);
  let i = 0;
  for (const c of counts) for (let k = 0; k < c.n; k++) out[i++] = c.b;
  for (let k = n - 1; k > 0; k--) {
    const m = Math.floor(r() * (k + 1));
    [out[k], out[m]] = [out[m]!, out[k]!];
  }
  return out;
}

/** Input quantiser of the benchmark models: codes covering +-4 (inputs are ~N(0,1), bounded to +-3.5), 8 bits by default. */
const INPUT_RANGE = 4;

/**
 * Quantises `mlp` into an NMP model at `mix`, the way an export would: each input's real scale is folded into the row
 * before per-neuron weight quantisation (so one accumulator unit is one real unit times weightScale_j), activation
 * clips come from the float model's per-neuron maxima over `calib`, and requantisation uses formats' requantParams.
 */
export function quantizeMlp(mlp: FloatMlp, mix: BitMix, seed: number, calib: Float32Array, calibRows: number): ModelInput {
  const r = rng(seed);
  const L = mlp.weights.length;
  const nFeat = mlp.sizes[0]!;
  // Only mixes with input shares draw from `r`: the a8 mixes stay the models earlier commits benchmarked.
  const inBits = mix.inputShares ? widths(nFeat, mix.inputShares, r) : new Uint8Array(nFeat).fill(8);
  const gain = Float64Array.from(inBits, (b) => (2 ** (b - 1) - 1) / INPUT_RANGE);
  // Per-neuron maxima of every hidden layer's ReLU output on the calibration set.
  const hiddenMax: Float64Array[] = [];
  {
    let h: Float64Array = Float64Array.from(calib);
    for (let l = 0; l < L - 1; l++) {
      const sub: FloatMlp = { sizes: [mlp.sizes[l]!, mlp.sizes[l + 1]!], weights: [mlp.weights[l]!], biases: [mlp.biases[l]!] };
      const { y } = forwardFloat(sub, Float32Array.from(h), calibRows);
      const nOut = mlp.sizes[l + 1]!;
      const mx = new Float64Array(nOut);
      for (let i = 0; i < y.length; i++) {
        y[i] = Math.max(0, y[i]!);
        mx[i % nOut] = Math.max(mx[i % nOut]!, y[i]!);
      }
      hiddenMax.push(mx);
      h = y;
    }
  }
  let inScale = Float64Array.from(gain, (g) => 1 / g);
  const layers: LayerInput[] = [];
  for (let l = 0; l < L; l++) {
    const [nIn, nOut] = [mlp.sizes[l]!, mlp.sizes[l + 1]!];
    const W = mlp.weights[l]!;
    const wBits = widths(nOut, mix.weightShares, r);
    const rows: Uint8Array[] = [];
    const bias = new Int32Array(nOut);
    const weightScale = new Float32Array(nOut);
    const folded = new Float64Array(nIn);
    const codes = new Int32Array(nIn);
    for (let j = 0; j < nOut; j++) {
      const b = wBits[j]!;
      let maxAbs = 0;
      let sumAbs = 0;
      for (let k = 0; k < nIn; k++) {
        folded[k] = W[j * nIn + k]! * inScale[k]!;
        maxAbs = Math.max(maxAbs, Math.abs(folded[k]!));
        sumAbs += Math.abs(folded[k]!);
      }
      const [lo, hi] = weightCodeRange(b);
      // 1-bit: sign times mean |w| (the L1-optimal binary scale); wider: symmetric max scaling.
      const s = b === 1 ? sumAbs / nIn : maxAbs / hi;
      for (let k = 0; k < nIn; k++) {
        codes[k] = b === 1 ? (folded[k]! >= 0 ? 1 : -1) : Math.max(lo, Math.min(hi, Math.round(folded[k]! / s)));
      }
      rows.push(packRow(codes, b));
      weightScale[j] = s;
      bias[j] = Math.round(mlp.biases[l]![j]! / Math.fround(s));
    }
    const weights = new Uint8Array(rows.reduce((a, x) => a + x.length, 0));
    let off = 0;
    for (const row of rows) {
      weights.set(row, off);
      off += row.length;
    }
    let act: LayerInput['act'] = null;
    if (l < L - 1) {
      const aBits = widths(nOut, mix.actShares, r);
      const scale = new Float32Array(nOut);
      const mult = new Int32Array(nOut);
      const shift = new Uint8Array(nOut);
      for (let j = 0; j < nOut; j++) {
        const clip = hiddenMax[l]![j]! > 0 ? hiddenMax[l]![j]! : 1e-3; // a dead neuron still needs a valid scale
        scale[j] = clip / (2 ** aBits[j]! - 1);
        const p = requantParams(weightScale[j]! / scale[j]!);
        mult[j] = p.mult;
        shift[j] = p.shift;
      }
      act = { bits: aBits, scale, mult, shift };
      inScale = Float64Array.from(scale);
    }
    layers.push({ inFeatures: nIn, outFeatures: nOut, weightBits: wBits, weights, bias, weightScale, act });
  }
  const last = layers[L - 1]!;
  return {
    meta: {
      task: 'classification',
      featureNames: Array.from({ length: nFeat }, (_, i) => `f${i}`),
      outputNames: Array.from({ length: last.outFeatures }, (_, i) => `c${i}`),
      provenance: { method: `random:${mix.name}`, dataset: 'none', seed, metrics: {}, tool: 'nmp-edge bench', createdAt: new Date(0).toISOString() },
    },
    input: { bits: inBits, center: new Float64Array(nFeat), gain },
    layers,
    output: { scale: Float64Array.from(last.weightScale), offset: new Float64Array(last.outFeatures) },
  };
}

/** One benchmark model: the float MLP the peers run and the encoded, re-read NMP model ours runs. */
export interface BenchModel {
  shapeName: string;
  mix: BitMix;
  mlp: FloatMlp;
  bytes: Uint8Array;
  model: NmpModel;
}

/** Shape name as the issue writes it, e.g. `54-256-256-7`. */
export function shapeName(sizes: number[]): string {
  return sizes.join('-');
}

/** Builds the NMP model of `mlp` at `mix` through encodeModel (which refuses invalid models) and reads it back. */
export function buildBenchModel(mlp: FloatMlp, mix: BitMix, seed: number): BenchModel {
  const calibRows = 256;
  const calib = inputs(calibRows, mlp.sizes[0]!, seed ^ 0x5eed);
  const bytes = encodeModel(quantizeMlp(mlp, mix, seed, calib, calibRows));
  return { shapeName: shapeName(mlp.sizes), mix, mlp, bytes, model: readModel(bytes) };
}

/** Multiply-accumulates of one forward pass (pruned neurons do none). */
export function modelMacs(model: NmpModel): number {
  return model.layers.reduce((a, l) => a + l.inFeatures * l.weightBits.reduce((n, b) => n + (b > 0 ? 1 : 0), 0), 0);
}

/** Canonical packed weight bytes of a model, as in the file. */
export function packedWeightBytes(model: NmpModel): number {
  return model.layers.reduce((a, l) => a + l.weights.length, 0);
}
