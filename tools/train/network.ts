/**
 * @fileoverview The numeric core of training: an MLP on Float32Array whose forward pass is the hard-quantised graph of
 * the current widths (weights per row, activations per neuron), its backward pass (straight-through estimator, exact
 * clip gradient, the activation-width mixture of NMP-QAT) on the WASM f32 GEMM, and the optimiser.
 */

import { Arena } from './gemm.js';
import type { Resolved } from './options.js';
import { bandMiddle, fakeQuantActStep, gateSlopes } from './quant.js';
import type { Rng } from './rng.js';

/** One dense layer: float parameters, their gradients, the precision strengths and the current hard widths. */
export interface LayerState {
  in: number;
  out: number;
  hidden: boolean;
  W: Float32Array;
  b: Float32Array;
  /** Weight / activation precision strengths (NMP-QAT), one per neuron. */
  weightStrength: Float32Array;
  actStrength: Float32Array;
  /** Learnable activation parameter, one per neuron: the clip (actScale 'step' / 'clip') or the log of the step ('log'). */
  alpha: Float32Array;
  gW: Float32Array; // arena (dW from the GEMM)
  gb: Float32Array;
  gWeightStrength: Float32Array;
  gActStrength: Float32Array;
  galpha: Float32Array;
  Weff: Float32Array; // arena, out x in
  WeffT: Float32Array; // arena, in x out
  Beff: Float32Array;
  /** Per-neuron step, its inverse, top code, clip, d step / d alpha and alpha's gradient (arena scratch of the wasm quantiser). */
  actSteps: Float64Array;
  actInvSteps: Float64Array;
  actTops: Float64Array;
  actClips: Float64Array;
  actSlopes: Float64Array;
  actAlphaGrads: Float64Array;
  Z: Float32Array; // arena, batch x out
  A: Float32Array; // arena, batch x out (hidden)
  dZ: Float32Array; // arena, batch x out
  dA: Float32Array; // arena, batch x out (hidden: gradient w.r.t. A)
  /** Current hard widths per neuron (weights 255 = not yet set; activations 0 on the last layer). */
  weightBits: Uint8Array;
  actBits: Uint8Array;
  /** Row scale S_j of the current quantisation (real value of one accumulator unit). */
  S: Float64Array;
  /** Real value of code 1 of each input of this layer, and its inverse (prepare's scratch). */
  inScale: Float64Array;
  invInScale: Float64Array;
  /** weightBits as int32 for the wasm quantiser (prepare's scratch). */
  rowBits: Int32Array;
}

/** One parameter tensor the optimiser updates, with its moments and bounds. */
interface ParamSlot {
  p: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
  lr: number;
  adam: boolean;
  decay: number;
  lo: number;
  hi: number;
  isStrength: boolean;
}

/** Distillation from a float teacher: its per-row targets, the loss weight and the temperature (classification). */
export interface Distillation {
  targets: Float32Array;
  weight: number;
  temperature: number;
}

/** What the width learner contributes to a backward pass (null members: not learning that part this step). */
export interface BackwardHooks {
  /** Fills `st.gWeightStrength` (the caller zeroes it when null). */
  weightStrengths: ((st: LayerState, slopes: Float64Array) => void) | null;
  /** Learn activation strengths; `price` multiplies d(expected bits)/ds (null: no activation budget). */
  actStrengths: { price: number | null } | null;
  /** Adds the consumer-side (fold) term to `prev.gActStrength`. */
  foldStrengths: ((st: LayerState, prev: LayerState, slopes: Float64Array) => void) | null;
}

/** The network of one training run: layers, the GEMM arena, and every step of a training iteration. */
export class Network {
  readonly layers: LayerState[] = [];
  readonly arena: Arena;
  /** The current mini-batch of fake-quantised inputs (arena). */
  readonly Xb: Float32Array;
  /** Gradient of the loss with respect to Xb, written by inputGrad() (arena). */
  readonly dX: Float32Array;
  readonly totalWeights: number;
  readonly #slots: ParamSlot[] = [];
  /** Optimiser steps taken. */
  step = 0;

  /**
   * @param widths features, hidden widths, outputs
   * @param inputScale real value of input code 1 per feature (the input quantiser's)
   */
  constructor(readonly r: Resolved, widths: number[], readonly inputScale: Float64Array, rng: Rng, useWasm: boolean) {
    const B = r.batch;
    let bytes = 8 * B * widths[0] + 128;
    // Per layer: W, Weff, WeffT, gW and W's two Adam moments; 15 float and 7 double per-neuron vectors, 2 double
    // per-input vectors.
    for (let l = 0; l + 1 < widths.length; l++) bytes += 4 * (6 * widths[l] * widths[l + 1] + 4 * B * widths[l + 1] + 29 * widths[l + 1] + 4 * widths[l]) + 64 * 28;
    this.arena = new Arena(bytes, useWasm);
    this.Xb = this.arena.f32(B * widths[0]);
    this.dX = this.arena.f32(B * widths[0]);
    let total = 0;
    for (let l = 0; l + 1 < widths.length; l++) {
      const fin = widths[l];
      const fout = widths[l + 1];
      total += fin * fout;
      // Parameters and gradients live in the arena, so the optimiser runs on them in wasm without copies.
      const f32 = (n: number) => this.arena.f32(n);
      const W = f32(fin * fout);
      const sd = Math.sqrt(2 / fin);
      for (let i = 0; i < W.length; i++) W[i] = rng.normal() * sd;
      this.layers.push({
        in: fin, out: fout, hidden: l + 2 < widths.length, W,
        b: f32(fout),
        weightStrength: f32(fout).fill(bandMiddle(r.weightStart, r.weightThresholds)),
        actStrength: f32(fout).fill(bandMiddle(r.actStart, r.actThresholds)),
        alpha: f32(fout).fill(1),
        gW: this.arena.f32(fin * fout),
        gb: f32(fout),
        gWeightStrength: f32(fout),
        gActStrength: f32(fout),
        galpha: f32(fout),
        Weff: this.arena.f32(fin * fout),
        WeffT: this.arena.f32(fin * fout),
        Beff: f32(fout),
        actInvSteps: this.arena.f64(fout),
        actTops: this.arena.f64(fout),
        actSteps: this.arena.f64(fout),
        actClips: this.arena.f64(fout),
        actSlopes: this.arena.f64(fout),
        actAlphaGrads: this.arena.f64(fout),
        Z: this.arena.f32(B * fout),
        A: this.arena.f32(B * fout),
        dZ: this.arena.f32(B * fout),
        dA: this.arena.f32(B * fout),
        weightBits: new Uint8Array(fout).fill(255),
        actBits: new Uint8Array(fout),
        S: this.arena.f64(fout),
        inScale: this.arena.f64(fin).fill(1),
        invInScale: this.arena.f64(fin),
        rowBits: this.arena.i32(fout),
      });
    }
    this.totalWeights = total;
    const adam = r.optimizer === 'adam';
    for (const st of this.layers) {
      const slot = (p: Float32Array, g: Float32Array, lr: number, isAdam: boolean, decay: number, lo: number, hi: number) =>
        this.#slots.push({ p, g, m: this.arena.f32(p.length), v: this.arena.f32(p.length), lr, adam: isAdam, decay, lo, hi, isStrength: p === st.weightStrength || p === st.actStrength });
      slot(st.W, st.gW, r.lr, adam, r.weightDecay, -Infinity, Infinity);
      slot(st.b, st.gb, r.lr, adam, 0, -Infinity, Infinity);
      if (st.hidden && r.quantA) slot(st.alpha, st.galpha, r.lrAlpha, adam, 0, r.actScale === 'log' ? -Infinity : 1e-4, Infinity);
      if (r.learnW !== 'none') slot(st.weightStrength, st.gWeightStrength, r.lrStrength, true, 0, 0, 1);
      if (st.hidden && r.learnA !== 'none') slot(st.actStrength, st.gActStrength, r.lrStrength, true, 0, 0, 1);
    }
  }

  /** Optimiser moments in slot order (checkpoints). */
  get moments(): Float32Array[] {
    return this.#slots.flatMap((s) => [s.m, s.v]);
  }

  /**
   * Real value of activation code 1. 'log' (nmp): alpha is the log of the step, the same at every width, so more bits
   * add range (a log keeps Adam's steps relative); 'step': alpha is the clip at the menu's lowest width, so the step
   * alpha/(2^b0 - 1) is again shared by every width; 'clip' (paper-literal PACT): alpha is the clip at the current
   * width, step alpha/(2^b - 1). See README "Activation widths and the fold".
   */
  actStep(alpha: number, bits: number): number {
    if (this.r.actScale === 'log') return Math.exp(alpha);
    return alpha / (2 ** (this.r.actScale === 'step' ? this.r.actBaseBits : bits) - 1);
  }

  /** d step / d alpha at the current value (see actStep). */
  #stepSlope(alpha: number, step: number): number {
    return this.r.actScale === 'log' ? step : step / alpha;
  }

  /** Every layer's input scales (code -> real value) from the input quantiser and the activation parameters. */
  updateInputScales(): void {
    this.layers.forEach((st, l) => {
      if (l === 0) st.inScale.set(this.inputScale);
      else {
        const p = this.layers[l - 1];
        for (let k = 0; k < st.in; k++) st.inScale[k] = this.actStep(p.alpha[k], p.actBits[k]);
      }
    });
  }

  /** Input scales of layer l (code -> real value) and, for quantised methods, the hard weights. */
  prepare(l: number): void {
    const st = this.layers[l];
    const r = this.r;
    const fin = st.in;
    if (!r.quantW) {
      st.Weff.set(st.W);
      st.Beff.set(st.b);
    } else {
      if (l === 0) st.inScale.set(this.inputScale);
      else {
        const p = this.layers[l - 1];
        for (let k = 0; k < fin; k++) st.inScale[k] = this.actStep(p.alpha[k], p.actBits[k]);
      }
      const inv = st.invInScale;
      for (let k = 0; k < fin; k++) inv[k] = 1 / st.inScale[k];
      st.rowBits.set(st.weightBits);
      this.arena.quantizeRows(st.W, st.inScale, inv, st.rowBits, r.twoBit, st.S, st.Weff, st.WeffT, st.out, fin);
      for (let j = 0; j < st.out; j++) {
        const S = st.S[j];
        st.Beff[j] = S * Math.floor(st.b[j] / S + 0.5);
      }
      return;
    }
    const N = st.out;
    for (let j = 0; j < N; j++) for (let k = 0; k < fin; k++) st.WeffT[k * N + j] = st.Weff[j * fin + k];
  }

  /** prepare() of every layer. */
  prepareAll(): void {
    for (let l = 0; l < this.layers.length; l++) this.prepare(l);
  }

  /** Forward of layer l on M rows of X (arena view). */
  forwardLayer(l: number, X: Float32Array, M: number): void {
    const st = this.layers[l];
    this.arena.gemmF32(X, st.in, 1, st.WeffT, st.Z, M, st.out, st.in, false);
    this.arena.addBias(st.Z, st.Beff, M, st.out);
  }

  /** Activation of hidden layer l: ReLU, or the activation fake-quantiser at each neuron's width and step. */
  activate(l: number, M: number): void {
    const st = this.layers[l];
    const N = st.out;
    if (!this.r.quantA) {
      this.arena.reluMask(st.Z, st.Z, st.A, M * N);
      return;
    }
    const { actInvSteps, actTops, actSteps } = st;
    for (let j = 0; j < N; j++) {
      actTops[j] = 2 ** st.actBits[j] - 1;
      actSteps[j] = this.actStep(st.alpha[j], st.actBits[j]);
      actInvSteps[j] = 1 / actSteps[j];
    }
    this.arena.actQuant(st.Z, st.A, actInvSteps, actTops, actSteps, M, N);
  }

  /** Forward of the M rows in Xb; returns the last layer's pre-activations (arena view). */
  forward(M: number): Float32Array {
    let X = this.Xb;
    for (let l = 0; l < this.layers.length; l++) {
      this.forwardLayer(l, X, M);
      if (this.layers[l].hidden) {
        this.activate(l, M);
        X = this.layers[l].A;
      }
    }
    return this.layers[this.layers.length - 1].Z;
  }

  /** Clip alphas from the first M rows of `x`, layer by layer (each layer's input scales depend on the previous alphas). */
  calibrateAlpha(x: Float32Array, M: number): void {
    this.Xb.set(x.subarray(0, M * this.layers[0].in));
    let X = this.Xb;
    for (let l = 0; l < this.layers.length; l++) {
      const st = this.layers[l];
      this.prepare(l);
      this.forwardLayer(l, X, M);
      if (!st.hidden) break;
      for (let j = 0; j < st.out; j++) {
        let s2 = 0;
        for (let i = 0; i < M; i++) {
          const z = st.Z[i * st.out + j];
          if (z > 0) s2 += z * z;
        }
        const rms = Math.sqrt(s2 / M);
        const clip = rms > 1e-6 ? this.r.alphaInit * rms : 1;
        // 'log' holds the log of the step of the neuron's current width; the others hold a clip.
        st.alpha[j] = this.r.actScale === 'log' ? Math.log(clip / (2 ** st.actBits[j] - 1)) : clip;
      }
      this.activate(l, M);
      X = st.A;
    }
  }

  /**
   * Mean loss of M rows (softmax cross-entropy or MSE), and dZ of the last layer. With a teacher (distillation), the
   * loss is (1 - w) x that + w x the distillation loss: T^2 x KL(teacher's softened probabilities || ours at T) for
   * classification, the MSE to the teacher's outputs for regression; `teacher.targets` holds per training row the
   * softened probabilities (or outputs).
   */
  lossAndGrad(classification: boolean, M: number, y: Float32Array | Int32Array, rows: Int32Array | null, start: number, teacher: Distillation | null = null): number {
    const st = this.layers[this.layers.length - 1];
    const C = st.out;
    const Z = st.Z;
    const dZ = st.dZ;
    const w = teacher ? teacher.weight : 0;
    let loss = 0;
    if (classification) {
      const T = teacher ? teacher.temperature : 1;
      for (let i = 0; i < M; i++) {
        const row = rows ? rows[start + i] : start + i;
        const t = (y as Int32Array)[row];
        let mx = -Infinity;
        for (let c = 0; c < C; c++) mx = Math.max(mx, Z[i * C + c]);
        let se = 0;
        for (let c = 0; c < C; c++) se += Math.exp(Z[i * C + c] - mx);
        const ce = Math.log(se) - (Z[i * C + t] - mx);
        if (!teacher) {
          loss += ce;
          for (let c = 0; c < C; c++) dZ[i * C + c] = (Math.exp(Z[i * C + c] - mx) / se - (c === t ? 1 : 0)) / M;
          continue;
        }
        // Softened softmax at temperature T, and KL(p || q) = sum p (log p - log q).
        let seT = 0;
        for (let c = 0; c < C; c++) seT += Math.exp((Z[i * C + c] - mx) / T);
        const p = teacher.targets.subarray(row * C, row * C + C);
        let kl = 0;
        for (let c = 0; c < C; c++) {
          const logq = (Z[i * C + c] - mx) / T - Math.log(seT);
          if (p[c] > 0) kl += p[c] * (Math.log(p[c]) - logq);
          const q = Math.exp(logq);
          dZ[i * C + c] = ((1 - w) * (Math.exp(Z[i * C + c] - mx) / se - (c === t ? 1 : 0)) + w * T * (q - p[c])) / M;
        }
        loss += (1 - w) * ce + w * T * T * kl;
      }
    } else {
      for (let i = 0; i < M; i++) {
        const row = rows ? rows[start + i] : start + i;
        for (let c = 0; c < C; c++) {
          const d = Z[i * C + c] - (y as Float32Array)[row * C + c];
          if (!teacher) {
            loss += (d * d) / C;
            dZ[i * C + c] = (2 * d) / (M * C);
            continue;
          }
          const e = Z[i * C + c] - teacher.targets[row * C + c];
          loss += ((1 - w) * d * d + w * e * e) / C;
          dZ[i * C + c] = (2 * ((1 - w) * d + w * e)) / (M * C);
        }
      }
    }
    return loss / M;
  }

  /** Gradients of every parameter from the last layer's dZ, and what `hooks` learn about widths. */
  backward(M: number, hooks: BackwardHooks): void {
    const r = this.r;
    const slopes = new Float64Array(Math.max(r.weightThresholds.length, r.actThresholds.length, 1));
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const st = this.layers[l];
      const N = st.out;
      const fin = st.in;
      const X = l === 0 ? this.Xb : this.layers[l - 1].A;
      this.arena.gemmF32(st.dZ, 1, N, X, st.gW, N, fin, M, false);
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let i = j; i < M * N; i += N) s += st.dZ[i];
        st.gb[j] = s;
      }
      if (hooks.weightStrengths) hooks.weightStrengths(st, slopes);
      else st.gWeightStrength.fill(0);
      if (l === 0) break;
      const prev = this.layers[l - 1];
      this.arena.gemmF32(st.dZ, N, 1, st.Weff, prev.dA, M, fin, N, false);
      this.actBackward(prev, M, slopes, hooks.actStrengths);
      if (hooks.foldStrengths) hooks.foldStrengths(st, prev, slopes);
    }
  }

  /** dX = d loss / d Xb of the M rows of the last backward() (layer 0's dZ through its weights). */
  inputGrad(M: number): void {
    const st = this.layers[0];
    this.arena.gemmF32(st.dZ, st.out, 1, st.Weff, this.dX, M, st.in, st.out, false);
  }

  /**
   * Backward through the activation quantiser of hidden layer st: dZ, d alpha (exact, STE on round), and with `learn`
   * the activation strengths through the sigmoid-gated mixture of the candidate widths (Eq. 3 of the paper).
   */
  private actBackward(st: LayerState, M: number, slopes: Float64Array, learn: BackwardHooks['actStrengths']): void {
    const r = this.r;
    const N = st.out;
    const Z = st.Z;
    const dA = st.dA;
    const dZ = st.dZ;
    if (!r.quantA) {
      this.arena.reluMask(Z, dA, dZ, M * N);
      return;
    }
    if (!learn) st.gActStrength.fill(0);
    const menu = r.actBitsMenu;
    const nA = menu.length;
    if (r.actScale !== 'clip' || !learn) {
      this.actBackwardRows(st, M, learn, slopes);
      if (r.learnA === 'layer' && learn) tie(st.gActStrength);
      return;
    }
    // 'clip' scale with learning: every width has its own step, so each candidate is quantised separately.
    for (let j = 0; j < N; j++) {
      const n = 2 ** st.actBits[j] - 1;
      const alpha = st.alpha[j];
      const s = this.actStep(alpha, st.actBits[j]);
      const nb = alpha / s; // d s / d alpha = 1 / nb
      const top = n * s; // the clip
      const inv = 1 / s;
      let ga = 0;
      let gs = 0;
      gateSlopes(st.actStrength[j], r.actThresholds, r.tau, slopes);
      for (let i = j; i < M * N; i += N) {
        const z = Z[i];
        const g = dA[i];
        if (z <= 0) { dZ[i] = 0; continue; }
        if (z >= top) {
          dZ[i] = 0;
          ga += (g * n) / nb;
        } else {
          dZ[i] = g;
          const c = Math.floor(z * inv + 0.5);
          ga += (g * ((c > n ? n : c) - z * inv)) / nb;
        }
        let prevQ = fakeQuantActStep(z, this.actStep(alpha, menu[0]), menu[0]);
        for (let t = 0; t + 1 < nA; t++) {
          const nextQ = fakeQuantActStep(z, this.actStep(alpha, menu[t + 1]), menu[t + 1]);
          gs += g * slopes[t] * (nextQ - prevQ);
          prevQ = nextQ;
        }
      }
      st.galpha[j] = ga;
      let dE = 0;
      for (let t = 0; t + 1 < nA; t++) dE += slopes[t] * (menu[t + 1] - menu[t]);
      if (learn.price !== null) gs += learn.price * dE;
      st.gActStrength[j] = gs;
    }
    if (r.learnA === 'layer') tie(st.gActStrength);
  }

  /** actBackward for the shared-step quantiser (or frozen widths), row-major for cache locality. */
  private actBackwardRows(st: LayerState, M: number, learn: BackwardHooks['actStrengths'], slopes: Float64Array): void {
    const r = this.r;
    const N = st.out;
    const Z = st.Z;
    const dA = st.dA;
    const dZ = st.dZ;
    if (!learn && this.arena.usesWasm) {
      const { actInvSteps, actTops, actClips, actSlopes, actAlphaGrads } = st;
      for (let j = 0; j < N; j++) {
        const s = this.actStep(st.alpha[j], st.actBits[j]);
        actTops[j] = 2 ** st.actBits[j] - 1;
        actInvSteps[j] = 1 / s;
        actClips[j] = actTops[j] * s;
        actSlopes[j] = this.#stepSlope(st.alpha[j], s);
      }
      this.arena.actBackwardFrozen(Z, dA, dZ, actInvSteps, actTops, actClips, actSlopes, actAlphaGrads, M, N);
      st.galpha.set(actAlphaGrads);
      return;
    }
    const T = r.actBitsMenu.length - 1;
    const nMenu = r.actBitsMenu.map((b) => 2 ** b - 1);
    const nLow = nMenu[0];
    const nArr = new Float64Array(N);
    const sArr = new Float64Array(N);
    const invArr = new Float64Array(N);
    const topArr = new Float64Array(N);
    const kArr = new Float64Array(N); // 1 / (d alpha / d s)
    const ga = new Float64Array(N);
    const gs = new Float64Array(N);
    const sl = new Float64Array(learn ? N * T : 0);
    for (let j = 0; j < N; j++) {
      const n = 2 ** st.actBits[j] - 1;
      const s = this.actStep(st.alpha[j], st.actBits[j]);
      nArr[j] = n;
      sArr[j] = s;
      invArr[j] = 1 / s;
      topArr[j] = n * s;
      kArr[j] = this.#stepSlope(st.alpha[j], s);
      if (learn) {
        gateSlopes(st.actStrength[j], r.actThresholds, r.tau, slopes);
        for (let t = 0; t < T; t++) sl[j * T + t] = slopes[t] * s;
      }
    }
    for (let i = 0; i < M; i++) {
      const base = i * N;
      for (let j = 0; j < N; j++) {
        const z = Z[base + j];
        if (z <= 0) { dZ[base + j] = 0; continue; }
        const g = dA[base + j];
        const n = nArr[j];
        const x = z * invArr[j] + 0.5;
        const R = x >= 2147483647 ? Math.floor(x) : x | 0; // z > 0 here, so x > 0.5
        if (z >= topArr[j]) {
          dZ[base + j] = 0;
          ga[j] += g * n * kArr[j];
        } else {
          dZ[base + j] = g;
          ga[j] += g * ((R > n ? n : R) - z * invArr[j]) * kArr[j];
        }
        // Shared step: widths differ only by where they clip, Q_b(z) = s min(R, 2^b - 1).
        if (learn && R > nLow) {
          for (let t = 0; t < T; t++) {
            const a0 = R < nMenu[t] ? R : nMenu[t];
            const a1 = R < nMenu[t + 1] ? R : nMenu[t + 1];
            gs[j] += g * sl[j * T + t] * (a1 - a0);
          }
        }
      }
    }
    for (let j = 0; j < N; j++) {
      st.galpha[j] = ga[j];
      if (learn) {
        gateSlopes(st.actStrength[j], r.actThresholds, r.tau, slopes);
        let dE = 0;
        for (let t = 0; t < T; t++) dE += slopes[t] * (r.actBitsMenu[t + 1] - r.actBitsMenu[t]);
        st.gActStrength[j] = gs[j] + (learn.price !== null ? learn.price * dE : 0);
      }
    }
  }

  /** One optimiser step on every slot (strengths are skipped while frozen and keep a constant rate). */
  optimizerStep(stepsPerEpoch: number, strengthsFrozen: boolean): void {
    this.step++;
    const t = this.step;
    // Linear warm-up, then cosine decay to 0 over the planned steps (strengths keep a constant rate: they must stay able
    // to move).
    const total = this.r.epochs * stepsPerEpoch;
    const warm = Math.min(total - 1, Math.round(this.r.warmupEpochs * stepsPerEpoch));
    const decay = t <= warm ? t / warm : this.r.schedule === 'cosine' ? 0.5 * (1 + Math.cos((Math.PI * Math.min(t - warm, total - warm)) / (total - warm))) : 1;
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    for (const s of this.#slots) {
      if (s.isStrength && strengthsFrozen) continue;
      const { p, g, m, v } = s;
      const lrNow = s.isStrength ? s.lr : s.lr * decay;
      if (s.adam) this.arena.adam(p, g, m, v, { decay: s.decay, b1, b2, c1, c2, lr: lrNow, lo: s.lo, hi: s.hi });
      else {
        const mom = this.r.momentum;
        for (let i = 0; i < p.length; i++) {
          m[i] = mom * m[i] + g[i] + s.decay * p[i];
          let x = p[i] - lrNow * m[i];
          if (x < s.lo) x = s.lo;
          else if (x > s.hi) x = s.hi;
          p[i] = x;
        }
      }
    }
  }
}

/** Layer-granular learning: every neuron of the layer gets the layer's summed gradient. */
export function tie(g: Float32Array): void {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i];
  g.fill(s);
}
