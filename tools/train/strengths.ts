/**
 * @fileoverview NMP-QAT's width learning: per-neuron precision strengths s in [0, 1], hard widths from fixed thresholds
 * (Eq. 1, with optional hysteresis), and the strength gradients through the sigmoid-gated mixture of candidate
 * quantisers (Eq. 3), including the consumer-side (fold) term of activation widths.
 */

import type { LayerState, Network } from './network.js';
import { tie } from './network.js';
import { band, gateSlopes, quantizeRow } from './quant.js';

/** Hard widths from the strengths (or the fixed widths of methods that do not learn them). */
export function updateWidths(net: Network): void {
  const r = net.r;
  const h = r.hysteresis;
  // A neuron leaves its band only when s is more than h past the threshold, so s hovering at a threshold does not
  // flip the hard width (and the row's whole quantisation) every step.
  const sticky = (s: number, thr: readonly number[], cur: number) => {
    let b = band(s, thr);
    if (cur >= 0 && b !== cur) {
      if (b > cur && s <= thr[b - 1] + h) b = cur;
      else if (b < cur && s > thr[b] - h) b = cur;
    }
    return b;
  };
  for (const st of net.layers) {
    for (let j = 0; j < st.out; j++) {
      if (r.learnW !== 'none') {
        const cur = st.weightBits[j] === 255 ? -1 : r.weightBitsMenu.indexOf(st.weightBits[j]);
        st.weightBits[j] = r.weightBitsMenu[sticky(st.weightStrength[j], r.weightThresholds, cur)];
      } else st.weightBits[j] = r.fixedWeightBits;
      if (!st.hidden) st.actBits[j] = 0;
      else if (r.learnA !== 'none') {
        const cur = st.actBits[j] === 0 ? -1 : r.actBitsMenu.indexOf(st.actBits[j]);
        st.actBits[j] = r.actBitsMenu[sticky(st.actStrength[j], r.actThresholds, cur)];
      } else st.actBits[j] = r.fixedActBits;
    }
  }
}

/**
 * d loss / d s_j through the sigmoid-gated mixture of the candidate weight quantisers (Eq. 3), plus `price` x
 * d(expected bits)/d s_j (null: no weight budget). Fills `st.gWeightStrength`.
 */
export function weightStrengthGrad(net: Network, st: LayerState, slopes: Float64Array, price: number | null): void {
  const r = net.r;
  const menu = r.weightBitsMenu;
  const thr = r.weightThresholds;
  const fin = st.in;
  const wp = new Float64Array(fin);
  const u = new Float64Array(fin);
  const q = new Int32Array(fin);
  const G = new Float64Array(menu.length);
  const cut = 0.0025 / r.tau;
  for (let j = 0; j < st.out; j++) {
    let sa = 0;
    let mx = 0;
    for (let k = 0; k < fin; k++) {
      const v = st.W[j * fin + k] * st.inScale[k];
      wp[k] = v;
      const a = Math.abs(v);
      sa += a;
      if (a > mx) mx = a;
      u[k] = st.gW[j * fin + k] / st.inScale[k];
    }
    gateSlopes(st.weightStrength[j], thr, r.tau, slopes);
    for (let c = 0; c < menu.length; c++) {
      // Widths whose gate slopes are below 1% of the peak 1/(4 tau) are left out (their terms are negligible).
      const near = (c > 0 && slopes[c - 1] > cut) || (c < thr.length && slopes[c] > cut);
      if (!near) { G[c] = 0; continue; }
      if (menu[c] === st.weightBits[j]) {
        // The current width's quantised row is the forward's W_eff: no second quantisation.
        let g = 0;
        for (let k = 0; k < fin; k++) g += st.gW[j * fin + k] * st.Weff[j * fin + k];
        G[c] = g;
        continue;
      }
      const S = quantizeRow(wp, 0, fin, menu[c], r.twoBit, q, 0, sa / fin, mx);
      let g = 0;
      for (let k = 0; k < fin; k++) g += u[k] * q[k];
      G[c] = S * g;
    }
    let ds = 0;
    let dE = 0;
    for (let t = 0; t < thr.length; t++) {
      ds += slopes[t] * (G[t + 1] - G[t]);
      dE += slopes[t] * (menu[t + 1] - menu[t]);
    }
    if (price !== null) ds += price * dE;
    st.gWeightStrength[j] = ds;
  }
  if (r.learnW === 'layer') tie(st.gWeightStrength);
}

/**
 * The consumer side of an activation width ('clip' scale): the producer's code scale s_k is folded into the consumer's
 * integer weights, so changing b_k changes Weff[:,k] = S_j Q(W_jk s_k / S_j) / s_k. First-order term of that change,
 * sum_j dW_jk (Weff_jk(b') - Weff_jk(b)), mixed by the same gates (README "Activation widths and the fold").
 * Adds to `prev.gActStrength`.
 */
export function foldStrengthGrad(net: Network, st: LayerState, prev: LayerState, slopes: Float64Array): void {
  const r = net.r;
  const fin = st.in;
  const N = st.out;
  const menu = r.actBitsMenu;
  const term = new Float64Array(menu.length);
  const cut = 0.0025 / r.tau;
  const lo = new Float64Array(N);
  const hi = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    const b = st.weightBits[j];
    if (b <= 1) { lo[j] = -1; hi[j] = 1; }
    else if (b === 2) { lo[j] = r.twoBit === 'ternary' ? -1 : -2; hi[j] = 1; }
    else { hi[j] = (1 << (b - 1)) - 1; lo[j] = -hi[j]; }
  }
  const layerTie = r.learnA === 'layer';
  let tied = 0;
  for (let k = 0; k < fin; k++) {
    gateSlopes(prev.actStrength[k], r.actThresholds, r.tau, slopes);
    for (let c = 0; c < menu.length; c++) {
      const near = (c > 0 && slopes[c - 1] > cut) || (c < r.actThresholds.length && slopes[c] > cut);
      if (!near) { term[c] = 0; continue; }
      const sk = net.actStep(prev.alpha[k], menu[c]);
      let g = 0;
      for (let j = 0; j < N; j++) {
        const b = st.weightBits[j];
        if (b === 0) continue;
        const S = st.S[j];
        const w = st.W[j * fin + k];
        let q: number;
        if (b === 1) q = w >= 0 ? 1 : -1;
        else {
          q = Math.floor((w * sk) / S + 0.5);
          q = q < lo[j] ? lo[j] : q > hi[j] ? hi[j] : q;
        }
        g += st.gW[j * fin + k] * ((S * q) / sk);
      }
      term[c] = g;
    }
    let ds = 0;
    for (let t = 0; t < r.actThresholds.length; t++) ds += slopes[t] * (term[t + 1] - term[t]);
    if (layerTie) tied += ds;
    else prev.gActStrength[k] += ds;
  }
  if (layerTie) for (let k = 0; k < fin; k++) prev.gActStrength[k] += tied;
}
