/**
 * @fileoverview The sensitivity allocator of `nmp`: how much the loss grows when a neuron's weights, a neuron's
 * activation or an input is coded at each width, estimated as the Fisher-weighted squared quantisation error
 * (½ Σ F (Q(v) − v)², the second-order term at a trained float network), then one knapsack per kind of width that meets
 * the budget exactly (bits, or file bytes for weights).
 */

import { rowBytes } from '../../formats/index.js';
import type { KnapsackItem } from './knapsack.js';
import { solveKnapsack } from './knapsack.js';
import type { Arena } from './gemm.js';
import type { LayerState, Network } from './network.js';
import type { Resolved } from './options.js';
import { quantizeRow } from './quant.js';

/** What a trained float network tells about its sensitivities, measured on a sample of training rows. */
export interface Calibration {
  /** Rows in the sample. */
  rows: number;
  /** Standardised inputs (x − mean) / std of the sample, rows × features. */
  x: Float32Array;
  /** Per-sample Fisher of each input, rows × features. */
  fx: Float32Array;
  /** Per hidden layer: pre-activations, rows × neurons. */
  z: Float32Array[];
  /** Per hidden layer: per-sample Fisher of each activation, rows × neurons. */
  fz: Float32Array[];
  /** Per layer: its inputs as the network computed them, rows × fan-in. */
  layerIn: Float32Array[];
  /** Per layer: per-sample gradient of the loss with respect to each neuron's pre-activation, rows × neurons. */
  zGrad: Float32Array[];
}

/** Loss estimates of one kind of width: `loss[i * menu.length + m]` for item i at menu entry m, and the step chosen for it. */
export interface WidthTable {
  menu: number[];
  loss: Float64Array;
  step: Float64Array;
}

/** Quantile ranks tried as clips (of |v|): the largest value first, then ever more clipping. */
const CLIP_RANKS = [1, 0.9995, 0.999, 0.995, 0.99, 0.98, 0.96, 0.93, 0.9, 0.85, 0.8, 0.7];

/**
 * Best clip per width for one set of values (unsigned activations: `signed` false, codes 0..2^b−1; inputs: signed,
 * codes ±(2^(b−1)−1)), minimising the Fisher-weighted squared error over the sample.
 */
function clipSearch(v: Float32Array, f: Float32Array, stride: number, offset: number, n: number, menu: number[], signed: boolean, maxClip: number, lossOut: Float64Array, stepOut: Float64Array, at: number): void {
  const vals = new Float64Array(n);
  const w = new Float64Array(n);
  const mags: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = v[i * stride + offset];
    vals[i] = signed ? x : Math.max(0, x);
    w[i] = f[i * stride + offset];
    const m = Math.abs(vals[i]);
    if (m > 0) mags.push(m);
  }
  mags.sort((a, b) => a - b);
  const clips = [...new Set(CLIP_RANKS.map((q) => Math.min(maxClip, mags.length ? mags[Math.min(mags.length - 1, Math.floor(q * (mags.length - 1)))] : 1)))].filter((c) => c > 0);
  if (!clips.length) clips.push(1);
  for (let m = 0; m < menu.length; m++) {
    const levels = signed ? 2 ** (menu[m] - 1) - 1 : 2 ** menu[m] - 1;
    let best = Infinity, bestStep = clips[0] / levels;
    for (const c of clips) {
      const s = c / levels, inv = 1 / s;
      let e = 0;
      for (let i = 0; i < n; i++) {
        const x = vals[i];
        if (x === 0) continue;
        let q = Math.floor(x * inv + 0.5);
        q = q > levels ? levels : q < -levels ? -levels : q;
        const d = q * s - x;
        e += w[i] * d * d;
        if (e >= best) break;
      }
      if (e < best) { best = e; bestStep = s; }
    }
    lossOut[at + m] = 0.5 * best;
    stepOut[at + m] = bestStep;
  }
}

/** Input widths: per feature, the loss at each width with its best clip (in standard deviations, at most `maxClip`). */
export function inputTable(cal: Calibration, menu: number[], maxClip: number): WidthTable {
  const F = cal.x.length / cal.rows;
  const loss = new Float64Array(F * menu.length), step = new Float64Array(F * menu.length);
  for (let f = 0; f < F; f++) clipSearch(cal.x, cal.fx, F, f, cal.rows, menu, true, maxClip, loss, step, f * menu.length);
  return { menu, loss, step };
}

/** Activation widths of hidden layer `l`: per neuron, the loss at each width with its best step. */
export function actTable(cal: Calibration, l: number, menu: number[]): WidthTable {
  const z = cal.z[l], fz = cal.fz[l];
  const n = z.length / cal.rows;
  const loss = new Float64Array(n * menu.length), step = new Float64Array(n * menu.length);
  for (let j = 0; j < n; j++) clipSearch(z, fz, n, j, cal.rows, menu, false, Infinity, loss, step, j * menu.length);
  return { menu, loss, step };
}

/**
 * Weight widths of layer `l` at its current input scales: per neuron j and width b, the second-order loss change of
 * moving its row by δ = Weff(b) − W (b = 0: the row is dropped), along that direction rather than weight by weight:
 * ½ Σ_i g_ij² (Δz_ij − mean Δz_j)², Δz_ij = δ·x_i, with g the per-sample gradient of the pre-activation and x the layer's
 * inputs on the calibration rows. The mean is taken out because the bias absorbs a constant shift. Pruning a whole row
 * is a large, correlated change: the per-weight (diagonal) Fisher underestimated it badly (on Letter it pruned output
 * neurons, 96.6 -> 92.1 % test accuracy), this estimate does not. The products run on the trainer's f32 GEMM.
 */
export function weightTable(st: LayerState, cal: Calibration, l: number, menu: number[], twoBit: Resolved['twoBit'], arena: Arena): WidthTable {
  const fin = st.in, n = st.out, N = cal.rows;
  const loss = new Float64Array(n * menu.length), step = new Float64Array(n * menu.length);
  const X = arena.f32(N * fin), D = arena.f32(fin * n), Y = arena.f32(N * n);
  X.set(cal.layerIn[l]);
  const g2 = cal.zGrad[l].map((g) => g * g);
  const wp = new Float64Array(fin), q = new Int32Array(fin);
  for (let m = 0; m < menu.length; m++) {
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < fin; k++) wp[k] = st.W[j * fin + k] * st.inScale[k];
      if (menu[m] === 0) {
        for (let k = 0; k < fin; k++) D[k * n + j] = -st.W[j * fin + k];
        continue;
      }
      const S = quantizeRow(wp, 0, fin, menu[m], twoBit, q, 0);
      step[j * menu.length + m] = S;
      for (let k = 0; k < fin; k++) D[k * n + j] = (S * q[k]) / st.inScale[k] - st.W[j * fin + k];
    }
    arena.gemmF32(X, fin, 1, D, Y, N, n, fin, false);
    for (let j = 0; j < n; j++) {
      let mean = 0;
      for (let i = 0; i < N; i++) mean += Y[i * n + j];
      mean /= N;
      let e = 0;
      for (let i = 0; i < N; i++) {
        const d = Y[i * n + j] - mean;
        e += g2[i * n + j] * d * d;
      }
      loss[j * menu.length + m] = 0.5 * e;
    }
  }
  arena.reset();
  return { menu, loss, step };
}

/** One knapsack over several tables (one per layer), each item's option m costing `cost(table, item, width)`. */
export function allocate(tables: WidthTable[], cost: (t: number, item: number, bits: number) => number, capacity: number, granularity: Resolved['granularity']): Int32Array[] {
  const items: KnapsackItem[] = [];
  const owner: [number, number][] = [];
  tables.forEach((tab, t) => {
    const M = tab.menu.length, n = tab.loss.length / M;
    if (granularity === 'layer') {
      const c = new Float64Array(M), l = new Float64Array(M);
      for (let i = 0; i < n; i++) for (let m = 0; m < M; m++) { c[m] += cost(t, i, tab.menu[m]); l[m] += tab.loss[i * M + m]; }
      items.push({ cost: c, loss: l });
      owner.push([t, -1]);
    } else {
      for (let i = 0; i < n; i++) {
        items.push({ cost: tab.menu.map((b) => cost(t, i, b)), loss: tab.loss.subarray(i * M, (i + 1) * M) });
        owner.push([t, i]);
      }
    }
  });
  const { choice } = solveKnapsack(items, capacity);
  const out = tables.map((tab) => new Int32Array(tab.loss.length / tab.menu.length));
  owner.forEach(([t, i], k) => {
    if (i >= 0) out[t][i] = choice[k];
    else out[t].fill(choice[k]);
  });
  return out;
}

/** Weight knapsack cost of neuron i of layer t at width b: its bits, or its row's bytes under a byte budget. */
export function weightCost(net: Network, bytes: boolean): (t: number, i: number, b: number) => number {
  return (t, _i, b) => (bytes ? rowBytes(net.layers[t].in, b) : net.layers[t].in * b);
}

