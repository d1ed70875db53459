/**
 * @fileoverview The NMP-QAT trainer: an MLP on Float32Array with hand-written forward/backward on the WASM f32 GEMM,
 * per-neuron learned weight/activation bit-widths (or the baselines), a bit budget controller, and export to format v1.
 */

import { encodeModel, requantParams, rowBytes, ACC_MAX } from '../../formats/index.js';
import { writeFileAtomic } from '../../formats/node-io.js';
import type { LayerInput, ModelInput } from '../../formats/index.js';
import { Packr } from 'msgpackr';
import { readFile, appendFile } from 'node:fs/promises';
import { featureStats, splitDataset, type Dataset } from './data.js';
import { Arena } from './gemm.js';
import { evaluateModel, inputCode, type Metrics } from './intforward.js';
import { band, bandMiddle, defaultThresholds, fakeQuantActStep, gateSlopes, quantizeRow, type TwoBitMode } from './quant.js';
import { Rng } from './rng.js';

/** Training method: NMP-QAT per neuron, learned per layer, uniform QAT, or plain float32. */
export type Method = 'nmp' | 'layer' | 'uniform' | 'fp32';

export interface TrainOptions {
  /** Default 'nmp'. */
  method?: Method;
  /** Hidden layer widths; default [256, 256]. */
  hidden?: number[];
  /** nmp/layer: learn activation widths too (weights+activations, default true); false = weights-only (activations fixed at `fixedActBits`). */
  quantizeActivations?: boolean;
  /** uniform: weight bits 1, 1.58 (ternary, stored as 2-bit), 2, 4 or 8; default 2. */
  uniformBits?: number;
  /** Weight width menu for learned methods; default [1, 2, 4, 8]. */
  weightBits?: number[];
  /** Activation width menu for learned methods; default [4, 8, 16]. */
  actBits?: number[];
  /** Learned methods: the weight width every neuron starts at (a menu entry); default the lowest non-pruned entry (the paper: 1). */
  initialWeightBits?: number;
  /** Learned activations: the width every neuron starts at (a menu entry); default the lowest (the paper: 4). */
  initialActBits?: number;
  /** Add 0 (pruned) below the weight menu; default false. */
  prune?: boolean;
  /** Activation width when not learned: default 8 for uniform, 16 for weights-only and fp32 export. */
  fixedActBits?: number;
  /** Strength thresholds (menu length - 1 increasing values in (0,1)); default evenly spaced. */
  weightThresholds?: number[];
  actThresholds?: number[];
  /** Gate sigmoid temperature tau; default 0.05. */
  /** Learned methods: freeze the widths after this many epochs (enforcing the budget), then train weights only; default 30 % of `epochs`; null = never (paper-literal). */
  freezeAt?: number | null;
  /** A hard width changes only when its strength is this far past the threshold; default 0. */
  hysteresis?: number;
  gateTemperature?: number;
  /** How 2-bit rows use their codes in learned methods; default 'ternary'. */
  twoBit?: TwoBitMode;
  /** Input code width, 2..16; default 8. */
  inputBits?: number;
  /** Input clip in standard deviations (per feature: min(this, max |x_std| on the training split)); default 8. */
  inputClip?: number;
  /** Default 30. */
  epochs?: number;
  /** Default 256. */
  batchSize?: number;
  /** Default 'adam'. */
  optimizer?: 'adam' | 'sgd';
  /** Default 1e-3 (adam), 1e-2 (sgd). */
  lr?: number;
  /** Learning-rate schedule of weights, biases and clips: 'cosine' (default; to 0 at `epochs`) or 'constant'. */
  schedule?: 'cosine' | 'constant';
  /** SGD momentum; default 0.9. */
  momentum?: number;
  /** L2 on weights; default 0. */
  weightDecay?: number;
  /** Learning rate of the precision strengths (always Adam, clamped to [0,1]); default 2e-3. */
  lrStrength?: number;
  /** Learning rate of the clip alphas; default = lr. */
  lrAlpha?: number;
  /** Initial clip alpha = this x RMS of the neuron's ReLU output on a calibration batch; default 3. */
  alphaInit?: number;
  /** Early-stopping patience in epochs; default 8. */
  patience?: number;
  /** Default 1. */
  seed?: number;
  /** Budget: average weight bits over all weights (pruned = 0). */
  targetBits?: number;
  /** Budget: model file bytes (converted to an average-bits target; the real size is reported). */
  targetBytes?: number;
  /** Budget: average activation bits over hidden neurons. */
  targetActBits?: number;
  /** 'fill' (default): hold the averages at the targets (push bits up when below); 'cap': only push down. */
  budgetMode?: 'cap' | 'fill';
  /** 'fill' below target: the subsidy per neuron scales with 1/fan-in ('inverse', default: cheap neurons first) or fan-in ('cost'). */
  subsidy?: 'cost' | 'inverse';
  /** Budget controller rate (log-lambda change per step per bit of excess); default 0.05. */
  budgetRate?: number;
  /** nmp: one activation strength per neuron (default, as the paper) or per layer. */
  actGranularity?: 'neuron' | 'layer';
  /** Meaning of the learnable alpha: 'step' (default; the step is shared by all widths) or 'clip' (paper-literal). */
  actScale?: 'step' | 'clip';
  /** Include the consumer-weight (fold) term in the activation-strength gradient; default true. */
  actFoldGrad?: boolean;
  /** false runs the plain-JS GEMM (same bits, slower); default true. */
  useWasm?: boolean;
  /** Model file to write (atomically) at the end. */
  out?: string;
  /** Checkpoint file written (atomically) after every epoch; with `resume`, training continues from it when it exists. */
  checkpoint?: string;
  resume?: boolean;
  /** Progress lines (a live line on a TTY); default none. */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
  /** JSON-lines log file (one record per epoch, then a final record). */
  jsonLog?: string;
  /** Export time recorded in the model (ISO 8601); default now. Fix it for byte-identical reruns. */
  createdAt?: string;
  /** Data set name recorded in the model. */
  datasetName?: string;
}

export interface LayerHistogram {
  /** Weight width -> number of neurons. */
  weights: Record<string, number>;
  /** Activation width -> number of neurons (hidden layers). */
  acts: Record<string, number>;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  /** Validation metric of the float fake-quant graph (accuracy or MSE in standardised units). */
  val: number;
  avgWeightBits: number;
  avgActBits: number;
  lambda: number;
  lambdaAct: number;
  histogram: LayerHistogram[];
  seconds: number;
  samplesPerSecond: number;
}

export interface RunLog {
  options: Record<string, unknown>;
  data: { source: string; task: string; trainRows: number; valRows: number; features: number; outputs: number };
  epochs: EpochRecord[];
  bestEpoch: number;
  warnings: string[];
}

export interface TrainResult {
  model: ModelInput;
  bytes: Uint8Array;
  /** Metrics of the exported integer model (val_*, test_* when given), plus sizes. */
  metrics: Metrics;
  log: RunLog;
}

export interface TrainHooks {
  onEpoch?: (record: EpochRecord) => void;
}

interface LayerState {
  in: number;
  out: number;
  hidden: boolean;
  W: Float32Array;
  b: Float32Array;
  sW: Float32Array;
  sA: Float32Array;
  alpha: Float32Array;
  gW: Float32Array; // arena (dW from the GEMM)
  gb: Float32Array;
  gsW: Float32Array;
  gsA: Float32Array;
  galpha: Float32Array;
  Weff: Float32Array; // arena, out x in
  WeffT: Float32Array; // arena, in x out
  Beff: Float32Array;
  Z: Float32Array; // arena, batch x out
  A: Float32Array; // arena, batch x out (hidden)
  dZ: Float32Array; // arena, batch x out
  dA: Float32Array; // arena, batch x out (hidden: gradient w.r.t. A)
  bitsW: Uint8Array;
  bitsA: Uint8Array;
  S: Float64Array;
  inScale: Float64Array;
}

interface Resolved {
  method: Method;
  hidden: number[];
  quantW: boolean;
  learnW: 'none' | 'neuron' | 'layer';
  quantA: boolean;
  learnA: 'none' | 'neuron' | 'layer';
  wMenu: number[];
  aMenu: number[];
  wThr: number[];
  aThr: number[];
  /** Menu indices the strengths start in. */
  wStart: number;
  aStart: number;
  fixedW: number;
  fixedA: number;
  twoBit: TwoBitMode;
  tau: number;
  inputBits: number;
  inputClip: number;
  epochs: number;
  batch: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  momentum: number;
  weightDecay: number;
  lrS: number;
  lrAlpha: number;
  alphaInit: number;
  patience: number;
  seed: number;
  targetBits: number | null;
  targetBytes: number | null;
  targetActBits: number | null;
  budgetRate: number;
  actFoldGrad: boolean;
  actScale: 'step' | 'clip';
  aBase: number;
  schedule: 'cosine' | 'constant';
  hysteresis: number;
  freezeAt: number | null;
  budgetMode: 'cap' | 'fill';
  subsidy: 'cost' | 'inverse';
}

function resolve(o: TrainOptions): Resolved {
  const method = o.method ?? 'nmp';
  if (!['nmp', 'layer', 'uniform', 'fp32'].includes(method)) throw new RangeError(`method must be nmp, layer, uniform or fp32 - got ${method}`);
  const learned = method === 'nmp' || method === 'layer';
  const qa = learned ? (o.quantizeActivations ?? true) : false;
  let wMenu = (o.weightBits ?? [1, 2, 4, 8]).slice().sort((a, b) => a - b);
  if (o.prune && !wMenu.includes(0)) wMenu = [0, ...wMenu];
  const aMenu = (o.actBits ?? [4, 8, 16]).slice().sort((a, b) => a - b);
  for (const b of wMenu) if (!Number.isInteger(b) || b < 0 || b > 8) throw new RangeError(`weightBits entries must be integers 0..8 - got ${b}`);
  for (const b of aMenu) if (!Number.isInteger(b) || b < 1 || b > 16) throw new RangeError(`actBits entries must be integers 1..16 - got ${b}`);
  const ub = o.uniformBits ?? 2;
  if (method === 'uniform' && ![1, 1.58, 2, 3, 4, 5, 6, 7, 8].includes(ub)) throw new RangeError(`uniformBits must be 1, 1.58, 2..8 - got ${ub}`);
  const wThr = o.weightThresholds ?? defaultThresholds(wMenu.length);
  const aThr = o.actThresholds ?? defaultThresholds(aMenu.length);
  if (wThr.length !== wMenu.length - 1) throw new RangeError(`weightThresholds needs ${wMenu.length - 1} values - got ${wThr.length}`);
  if (aThr.length !== aMenu.length - 1) throw new RangeError(`actThresholds needs ${aMenu.length - 1} values - got ${aThr.length}`);
  const wStart = o.initialWeightBits === undefined ? (wMenu[0] === 0 ? 1 : 0) : wMenu.indexOf(o.initialWeightBits);
  const aStart = o.initialActBits === undefined ? 0 : aMenu.indexOf(o.initialActBits);
  if (wStart < 0 || wStart >= wMenu.length) throw new RangeError(`initialWeightBits must be one of the weight menu ${wMenu.join(', ')} - got ${o.initialWeightBits}`);
  if (aStart < 0) throw new RangeError(`initialActBits must be one of the activation menu ${aMenu.join(', ')} - got ${o.initialActBits}`);
  const optimizer = o.optimizer ?? 'adam';
  const lr = o.lr ?? (optimizer === 'adam' ? 1e-3 : 1e-2);
  const inputBits = o.inputBits ?? 8;
  if (!Number.isInteger(inputBits) || inputBits < 2 || inputBits > 16) throw new RangeError(`inputBits must be 2..16 - got ${inputBits}`);
  return {
    method,
    hidden: o.hidden ?? [256, 256],
    quantW: method !== 'fp32',
    learnW: method === 'nmp' ? 'neuron' : method === 'layer' ? 'layer' : 'none',
    quantA: method !== 'fp32',
    learnA: qa ? (method === 'nmp' && (o.actGranularity ?? 'neuron') === 'neuron' ? 'neuron' : 'layer') : 'none',
    wMenu,
    aMenu,
    wThr,
    aThr,
    wStart,
    aStart,
    fixedW: method === 'uniform' ? (ub === 1.58 ? 2 : ub) : 8,
    fixedA: o.fixedActBits ?? (method === 'uniform' ? 8 : 16),
    twoBit: method === 'uniform' ? (ub === 1.58 ? 'ternary' : 'full') : (o.twoBit ?? 'ternary'),
    tau: o.gateTemperature ?? 0.05,
    inputBits,
    inputClip: o.inputClip ?? 8,
    epochs: o.epochs ?? 30,
    batch: o.batchSize ?? 256,
    optimizer,
    lr,
    momentum: o.momentum ?? 0.9,
    weightDecay: o.weightDecay ?? 0,
    lrS: o.lrStrength ?? 2e-3,
    lrAlpha: o.lrAlpha ?? lr,
    alphaInit: o.alphaInit ?? 3,
    patience: o.patience ?? 8,
    seed: o.seed ?? 1,
    targetBits: o.targetBits ?? null,
    targetBytes: o.targetBytes ?? null,
    targetActBits: o.targetActBits ?? null,
    budgetRate: o.budgetRate ?? 0.05,
    actFoldGrad: o.actFoldGrad ?? true,
    actScale: o.actScale ?? 'step',
    schedule: o.schedule ?? 'cosine',
    hysteresis: o.hysteresis ?? 0,
    budgetMode: o.budgetMode ?? 'fill',
    subsidy: o.subsidy ?? 'inverse',
    // Default: widths learned in the first 30 % of the epochs, then frozen (README "Freezing").
    freezeAt: learned ? (o.freezeAt === undefined ? Math.max(1, Math.round(0.3 * (o.epochs ?? 30))) : o.freezeAt) : null,
    aBase: qa ? aMenu[0] : (o.fixedActBits ?? (method === 'uniform' ? 8 : 16)),
  };
}

/** Per-feature input quantiser (standardisation folded in) from training statistics. */
export interface InputQuant {
  bits: Uint8Array;
  center: Float64Array;
  gain: Float64Array;
  /** Real (standardised) value of code 1 per feature. */
  scale: Float64Array;
  constant: boolean[];
}

function makeInputQuant(train: Dataset, bits: number, clip: number): InputQuant {
  const { mean, std, constant } = featureStats(train);
  const F = train.features;
  const qmax = 2 ** (bits - 1) - 1;
  const maxAbs = new Float64Array(F);
  for (let r = 0; r < train.rows; r++) for (let f = 0; f < F; f++) {
    if (constant[f]) continue;
    const v = Math.abs((train.x[r * F + f] - mean[f]) / std[f]);
    if (v > maxAbs[f]) maxAbs[f] = v;
  }
  const scale = new Float64Array(F);
  const gain = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    if (constant[f]) {
      // A constant feature carries nothing: a vanishing gain maps every plausible value to code 0.
      scale[f] = 1;
      gain[f] = 1e-300;
    } else {
      scale[f] = Math.min(clip, maxAbs[f]) / qmax;
      gain[f] = 1 / (std[f] * scale[f]);
    }
  }
  return { bits: new Uint8Array(F).fill(bits), center: mean, gain, scale, constant };
}

/** Fake-quantised inputs code*scale (f32), row-major, computed with the exported integer input rule. */
function quantizeInputs(ds: Dataset, iq: InputQuant): Float32Array {
  const F = ds.features;
  const out = new Float32Array(ds.rows * F);
  for (let r = 0; r < ds.rows; r++) for (let f = 0; f < F; f++) {
    out[r * F + f] = inputCode(ds.x[r * F + f], iq.center[f], iq.gain[f], iq.bits[f]) * iq.scale[f];
  }
  return out;
}

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

const packr = new Packr({ useRecords: false } as ConstructorParameters<typeof Packr>[0]);

/** The training session; `train()` below is the usual entry point. */
export class Trainer {
  readonly r: Resolved;
  readonly layers: LayerState[] = [];
  private readonly arena: Arena;
  private readonly Xb: Float32Array;
  private readonly rng: Rng;
  private readonly slots: ParamSlot[] = [];
  private step = 0;
  /** Strengths frozen (after `freezeAt` epochs): widths fixed, weights keep training. */
  frozen = false;
  lambda = 1e-4;
  lambdaAct = 1e-4;
  readonly iq: InputQuant;
  private readonly xTrain: Float32Array;
  private readonly xVal: Float32Array;
  private readonly tMean: Float64Array;
  private readonly tStd: Float64Array;
  private readonly yTrain: Float32Array | Int32Array;
  private readonly yVal: Float32Array | Int32Array;
  readonly outputs: number;
  readonly log: RunLog;
  /** Average weight bits the budget allows (targetBits, or targetBytes converted), or null. */
  targetBitsEff: number | null;
  private overheadBytes = 0;
  private readonly totalWeights: number;

  constructor(readonly train: Dataset, readonly val: Dataset, readonly options: TrainOptions = {}) {
    this.r = resolve(options);
    const r = this.r;
    if (train.rows < 1) throw new RangeError(`${train.source}: no training rows`);
    this.rng = new Rng(r.seed);
    this.iq = makeInputQuant(train, r.inputBits, r.inputClip);
    this.xTrain = quantizeInputs(train, this.iq);
    this.xVal = quantizeInputs(val, this.iq);
    const T = train.task === 'classification' ? train.classes!.length : train.targetNames.length;
    this.outputs = T;
    this.tMean = new Float64Array(T);
    this.tStd = new Float64Array(T).fill(1);
    if (train.task === 'regression') {
      for (let t = 0; t < T; t++) {
        let s = 0;
        let s2 = 0;
        for (let i = 0; i < train.rows; i++) s += train.targets![i * T + t];
        const mu = s / train.rows;
        for (let i = 0; i < train.rows; i++) s2 += (train.targets![i * T + t] - mu) ** 2;
        this.tMean[t] = mu;
        this.tStd[t] = Math.sqrt(s2 / train.rows) || 1;
      }
      const std = (ds: Dataset) => {
        const y = new Float32Array(ds.rows * T);
        for (let i = 0; i < ds.rows * T; i++) y[i] = (ds.targets![i] - this.tMean[i % T]) / this.tStd[i % T];
        return y;
      };
      this.yTrain = std(train);
      this.yVal = std(val);
    } else {
      this.yTrain = train.labels!;
      this.yVal = val.labels!;
    }
    const widths = [train.features, ...r.hidden, T];
    const B = r.batch;
    let bytes = 4 * B * widths[0] + 64;
    for (let l = 0; l + 1 < widths.length; l++) bytes += 4 * (3 * widths[l] * widths[l + 1] + 4 * B * widths[l + 1]) + 64 * 8;
    this.arena = new Arena(bytes, options.useWasm ?? true);
    this.Xb = this.arena.f32(B * widths[0]);
    let total = 0;
    for (let l = 0; l + 1 < widths.length; l++) {
      const fin = widths[l];
      const fout = widths[l + 1];
      total += fin * fout;
      const hidden = l + 2 < widths.length;
      const W = new Float32Array(fin * fout);
      const sd = Math.sqrt(2 / fin);
      for (let i = 0; i < W.length; i++) W[i] = this.rng.normal() * sd;
      const st: LayerState = {
        in: fin, out: fout, hidden, W,
        b: new Float32Array(fout),
        sW: new Float32Array(fout).fill(bandMiddle(r.wStart, r.wThr)),
        sA: new Float32Array(fout).fill(bandMiddle(r.aStart, r.aThr)),
        alpha: new Float32Array(fout).fill(1),
        gW: this.arena.f32(fin * fout),
        gb: new Float32Array(fout),
        gsW: new Float32Array(fout),
        gsA: new Float32Array(fout),
        galpha: new Float32Array(fout),
        Weff: this.arena.f32(fin * fout),
        WeffT: this.arena.f32(fin * fout),
        Beff: new Float32Array(fout),
        Z: this.arena.f32(B * fout),
        A: this.arena.f32(B * fout),
        dZ: this.arena.f32(B * fout),
        dA: this.arena.f32(B * fout),
        bitsW: new Uint8Array(fout).fill(255),
        bitsA: new Uint8Array(fout),
        S: new Float64Array(fout),
        inScale: new Float64Array(fin).fill(1),
      };
      this.layers.push(st);
    }
    this.totalWeights = total;
    const adam = r.optimizer === 'adam';
    for (const st of this.layers) {
      const slot = (p: Float32Array, g: Float32Array, lr: number, isAdam: boolean, decay: number, lo: number, hi: number) =>
        this.slots.push({ p, g, m: new Float32Array(p.length), v: new Float32Array(p.length), lr, adam: isAdam, decay, lo, hi, isStrength: p === st.sW || p === st.sA });
      slot(st.W, st.gW, r.lr, adam, r.weightDecay, -Infinity, Infinity);
      slot(st.b, st.gb, r.lr, adam, 0, -Infinity, Infinity);
      if (st.hidden && r.quantA) slot(st.alpha, st.galpha, r.lrAlpha, adam, 0, 1e-4, Infinity);
      if (r.learnW !== 'none') slot(st.sW, st.gsW, r.lrS, true, 0, 0, 1);
      if (st.hidden && r.learnA !== 'none') slot(st.sA, st.gsA, r.lrS, true, 0, 0, 1);
    }
    this.log = {
      options: { ...r },
      data: { source: train.source, task: train.task, trainRows: train.rows, valRows: val.rows, features: train.features, outputs: T },
      epochs: [],
      bestEpoch: 0,
      warnings: [],
    };
    for (let f = 0; f < train.features; f++) {
      if (this.iq.constant[f]) this.log.warnings.push(`feature "${train.featureNames[f]}" is constant on the training split; its input code is always 0`);
    }
    this.targetBitsEff = r.targetBits;
    this.updateBits();
    if (r.targetBytes !== null) {
      const overhead = this.estimateBytes(0);
      this.overheadBytes = overhead;
      const perBit = this.totalWeights / 8;
      const tb = (r.targetBytes - overhead) / perBit;
      if (tb < (r.wMenu[0] || 0)) this.log.warnings.push(`targetBytes ${r.targetBytes} leaves ${tb.toFixed(3)} bits per weight after ${overhead} bytes of fixed overhead`);
      this.targetBitsEff = this.targetBitsEff === null ? tb : Math.min(this.targetBitsEff, tb);
    }
    this.updateBits();
    this.calibrateAlpha();
    if (r.freezeAt === 0) this.log.warnings.push(...this.freeze());
  }

  /** Estimated file bytes when every neuron has `bits` weight bits (0: the fixed overhead). */
  private estimateBytes(bits: number): number {
    const tmp = this.layers.map((l) => l.bitsW.slice());
    for (const l of this.layers) l.bitsW.fill(bits);
    // The final file also carries the metrics and the export time; account for them with placeholders of the same size.
    const keys = this.train.task === 'classification' ? ['accuracy', 'f1_macro'] : ['mse', ...(this.outputs > 1 ? this.train.targetNames.map((n) => `mse_${n}`) : [])];
    const metrics: Metrics = { avg_weight_bits: Math.PI, avg_act_bits: Math.PI };
    for (const k of keys) { metrics[`val_${k}`] = Math.PI; metrics[`test_${k}`] = Math.PI; }
    const { model } = this.buildModel(metrics, true);
    model.meta.provenance.createdAt = new Date(0).toISOString();
    for (let i = 0; i < this.layers.length; i++) this.layers[i].bitsW.set(tmp[i]);
    return encodeModel(model).length;
  }

  /**
   * Real value of activation code 1. 'step' (default): alpha is the clip at the menu's lowest width, so the step
   * alpha/(2^b0 - 1) is the same at every width and more bits add range; 'clip' (paper-literal PACT): alpha is the clip
   * at the current width, step alpha/(2^b - 1). See README "Activation widths and the fold".
   */
  actStep(alpha: number, bits: number): number {
    return alpha / (2 ** (this.r.actScale === 'step' ? this.r.aBase : bits) - 1);
  }

  /** Hard widths from the strengths (or the fixed widths). */
  private updateBits(): void {
    const r = this.r;
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
    for (const st of this.layers) {
      for (let j = 0; j < st.out; j++) {
        if (r.learnW !== 'none') {
          const cur = st.bitsW[j] === 255 ? -1 : r.wMenu.indexOf(st.bitsW[j]);
          st.bitsW[j] = r.wMenu[sticky(st.sW[j], r.wThr, cur)];
        } else st.bitsW[j] = r.fixedW;
        if (!st.hidden) st.bitsA[j] = 0;
        else if (r.learnA !== 'none') {
          const cur = st.bitsA[j] === 0 ? -1 : r.aMenu.indexOf(st.bitsA[j]);
          st.bitsA[j] = r.aMenu[sticky(st.sA[j], r.aThr, cur)];
        } else st.bitsA[j] = r.fixedA;
      }
    }
  }

  /** Input scales of layer l (code -> real value) and, for quantised methods, the hard weights. */
  private prepare(l: number): void {
    const st = this.layers[l];
    const r = this.r;
    const fin = st.in;
    if (!r.quantW) {
      st.Weff.set(st.W);
      st.Beff.set(st.b);
    } else {
      if (l === 0) st.inScale.set(this.iq.scale);
      else {
        const p = this.layers[l - 1];
        for (let k = 0; k < fin; k++) st.inScale[k] = this.actStep(p.alpha[k], p.bitsA[k]);
      }
      const wp = new Float64Array(fin);
      const q = new Int32Array(fin);
      const inv = new Float64Array(fin);
      for (let k = 0; k < fin; k++) inv[k] = 1 / st.inScale[k];
      for (let j = 0; j < st.out; j++) {
        const row = j * fin;
        for (let k = 0; k < fin; k++) wp[k] = st.W[row + k] * st.inScale[k];
        const S = quantizeRow(wp, 0, fin, st.bitsW[j], r.twoBit, q, 0);
        st.S[j] = S;
        const N = st.out;
        const WT = st.WeffT;
        for (let k = 0; k < fin; k++) {
          const v = S * q[k] * inv[k];
          st.Weff[row + k] = v;
          WT[k * N + j] = v; // transposed copy for the forward GEMM, written here rather than in a second pass
        }
        st.Beff[j] = S * Math.floor(st.b[j] / S + 0.5);
      }
      return;
    }
    const N = st.out;
    for (let j = 0; j < N; j++) for (let k = 0; k < fin; k++) st.WeffT[k * N + j] = st.Weff[j * fin + k];
  }

  /** Forward of layer l on M rows of X (arena view). */
  private forwardLayer(l: number, X: Float32Array, M: number): void {
    const st = this.layers[l];
    const N = st.out;
    this.arena.gemmF32(X, st.in, 1, st.WeffT, st.Z, M, N, st.in, false);
    const Z = st.Z;
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) Z[i * N + j] += st.Beff[j];
  }

  private activate(l: number, M: number): void {
    const st = this.layers[l];
    const N = st.out;
    const Z = st.Z;
    const A = st.A;
    if (!this.r.quantA) {
      for (let i = 0; i < M * N; i++) A[i] = Z[i] > 0 ? Z[i] : 0;
      return;
    }
    const nArr = new Float64Array(N);
    const sArr = new Float64Array(N);
    const invArr = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      nArr[j] = 2 ** st.bitsA[j] - 1;
      sArr[j] = this.actStep(st.alpha[j], st.bitsA[j]);
      invArr[j] = 1 / sArr[j];
    }
    for (let i = 0; i < M; i++) {
      const base = i * N;
      for (let j = 0; j < N; j++) {
        // floor(x) for x in [0, n+1) is x | 0 (integer ops are ~2x faster here than Math.floor on doubles).
        const x = Z[base + j] * invArr[j] + 0.5;
        const n = nArr[j];
        A[base + j] = (x < 1 ? 0 : x >= n ? n : x | 0) * sArr[j];
      }
    }
  }

  private forward(M: number): Float32Array {
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

  /** Clip alphas from a calibration batch, layer by layer (each layer's input scales depend on the previous alphas). */
  private calibrateAlpha(): void {
    const M = Math.min(this.r.batch, this.train.rows);
    this.Xb.set(this.xTrain.subarray(0, M * this.train.features));
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
        st.alpha[j] = rms > 1e-6 ? this.r.alphaInit * rms : 1;
      }
      this.activate(l, M);
      X = st.A;
    }
  }

  /** Mean loss of M rows, and dZ of the last layer. */
  private lossAndGrad(M: number, y: Float32Array | Int32Array, rows: Int32Array | null, start: number): number {
    const st = this.layers[this.layers.length - 1];
    const C = st.out;
    const Z = st.Z;
    const dZ = st.dZ;
    let loss = 0;
    if (this.train.task === 'classification') {
      for (let i = 0; i < M; i++) {
        const t = (y as Int32Array)[rows ? rows[start + i] : start + i];
        let mx = -Infinity;
        for (let c = 0; c < C; c++) mx = Math.max(mx, Z[i * C + c]);
        let se = 0;
        for (let c = 0; c < C; c++) se += Math.exp(Z[i * C + c] - mx);
        loss += Math.log(se) - (Z[i * C + t] - mx);
        for (let c = 0; c < C; c++) dZ[i * C + c] = (Math.exp(Z[i * C + c] - mx) / se - (c === t ? 1 : 0)) / M;
      }
    } else {
      for (let i = 0; i < M; i++) {
        const row = rows ? rows[start + i] : start + i;
        for (let c = 0; c < C; c++) {
          const d = Z[i * C + c] - (y as Float32Array)[row * C + c];
          loss += (d * d) / C;
          dZ[i * C + c] = (2 * d) / (M * C);
        }
      }
    }
    return loss / M;
  }

  private backward(M: number): void {
    const r = this.r;
    const slopes = new Float64Array(Math.max(r.wThr.length, r.aThr.length, 1));
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
      if (r.learnW !== 'none' && !this.frozen) this.strengthGradW(st, slopes);
      else st.gsW.fill(0);
      if (l === 0) break;
      const prev = this.layers[l - 1];
      this.arena.gemmF32(st.dZ, N, 1, st.Weff, prev.dA, M, fin, N, false);
      this.actBackward(prev, M, slopes);
      if (r.learnA !== 'none' && !this.frozen && r.actFoldGrad && r.actScale === 'clip') this.foldGradA(st, prev, slopes);
    }
  }

  /** d loss / d s_j through the sigmoid-gated mixture of the candidate quantisers (Eq. 3), plus the budget term. */
  private strengthGradW(st: LayerState, slopes: Float64Array): void {
    const r = this.r;
    const fin = st.in;
    const wp = new Float64Array(fin);
    const u = new Float64Array(fin);
    const q = new Int32Array(fin);
    const G = new Float64Array(r.wMenu.length);
    const cut = 0.0025 / r.tau;
    const meanFan = this.totalWeights / this.layers.reduce((a, l) => a + l.out, 0);
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
      gateSlopes(st.sW[j], r.wThr, r.tau, slopes);
      for (let c = 0; c < r.wMenu.length; c++) {
        // Only widths next to a non-negligible slope contribute.
        // Widths whose gate slopes are below 1% of the peak 1/(4 tau) are left out (their terms are negligible).
        const near = (c > 0 && slopes[c - 1] > cut) || (c < r.wThr.length && slopes[c] > cut);
        if (!near) { G[c] = 0; continue; }
        if (r.wMenu[c] === st.bitsW[j]) {
          // The current width's quantised row is the forward's W_eff: no second quantisation.
          let g = 0;
          for (let k = 0; k < fin; k++) g += st.gW[j * fin + k] * st.Weff[j * fin + k];
          G[c] = g;
          continue;
        }
        const S = quantizeRow(wp, 0, fin, r.wMenu[c], r.twoBit, q, 0, sa / fin, mx);
        let g = 0;
        for (let k = 0; k < fin; k++) g += u[k] * q[k];
        G[c] = S * g;
      }
      let ds = 0;
      let dE = 0;
      for (let t = 0; t < r.wThr.length; t++) {
        ds += slopes[t] * (G[t + 1] - G[t]);
        dE += slopes[t] * (r.wMenu[t + 1] - r.wMenu[t]);
      }
      // Price per bit: a neuron's cost is its fan-in, so the penalty scales with it. A negative lambda ('fill', below
      // target) is a subsidy; scaled the same way it would favour the most expensive neurons, so it scales inversely.
      if (this.targetBitsEff !== null) ds += this.lambda * (this.lambda > 0 || this.r.subsidy === 'cost' ? fin / meanFan : meanFan / fin) * dE;
      st.gsW[j] = ds;
    }
    if (r.learnW === 'layer') tie(st.gsW);
  }

  /**
   * The consumer side of an activation width: the producer's code scale s_k is folded into the consumer's integer
   * weights, so changing b_k changes Weff[:,k] = S_j Q(W_jk s_k / S_j) / s_k. First-order term of that change,
   * sum_j dW_jk (Weff_jk(b') - Weff_jk(b)), mixed by the same gates (README "Activation widths and the fold").
   */
  private foldGradA(st: LayerState, prev: LayerState, slopes: Float64Array): void {
    const r = this.r;
    const fin = st.in;
    const N = st.out;
    const menu = r.aMenu;
    const term = new Float64Array(menu.length);
    const cut = 0.0025 / r.tau;
    const lo = new Float64Array(N);
    const hi = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      const b = st.bitsW[j];
      if (b <= 1) { lo[j] = -1; hi[j] = 1; }
      else if (b === 2) { lo[j] = r.twoBit === 'ternary' ? -1 : -2; hi[j] = 1; }
      else { hi[j] = (1 << (b - 1)) - 1; lo[j] = -hi[j]; }
    }
    const layerTie = r.learnA === 'layer';
    let tied = 0;
    for (let k = 0; k < fin; k++) {
      gateSlopes(prev.sA[k], r.aThr, r.tau, slopes);
      for (let c = 0; c < menu.length; c++) {
        const near = (c > 0 && slopes[c - 1] > cut) || (c < r.aThr.length && slopes[c] > cut);
        if (!near) { term[c] = 0; continue; }
        const sk = this.actStep(prev.alpha[k], menu[c]);
        let g = 0;
        for (let j = 0; j < N; j++) {
          const b = st.bitsW[j];
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
      for (let t = 0; t < r.aThr.length; t++) ds += slopes[t] * (term[t + 1] - term[t]);
      if (layerTie) tied += ds;
      else prev.gsA[k] += ds;
    }
    if (layerTie) for (let k = 0; k < fin; k++) prev.gsA[k] += tied;
  }

  /** Backward through the activation quantiser of hidden layer st: dZ, d alpha (exact, STE on round), d s^a. */
  private actBackward(st: LayerState, M: number, slopes: Float64Array): void {
    const r = this.r;
    const N = st.out;
    const Z = st.Z;
    const dA = st.dA;
    const dZ = st.dZ;
    if (!r.quantA) {
      for (let i = 0; i < M * N; i++) dZ[i] = Z[i] > 0 ? dA[i] : 0;
      return;
    }
    const learn = r.learnA !== 'none' && !this.frozen;
    if (!learn) st.gsA.fill(0);
    const menu = r.aMenu;
    const nA = menu.length;
    const step = r.actScale === 'step';
    const nMenu = menu.map((b) => 2 ** b - 1);
    const nLow = nMenu[0];
    if (step || !learn) {
      this.actBackwardRows(st, M, learn, slopes);
      if (r.learnA === 'layer' && learn) tie(st.gsA);
      return;
    }
    for (let j = 0; j < N; j++) {
      const n = 2 ** st.bitsA[j] - 1;
      const alpha = st.alpha[j];
      const s = this.actStep(alpha, st.bitsA[j]);
      const nb = alpha / s; // d s / d alpha = 1 / nb
      const top = n * s; // the clip
      const inv = 1 / s;
      let ga = 0;
      let gs = 0;
      if (learn) gateSlopes(st.sA[j], r.aThr, r.tau, slopes);
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
        if (learn && step) {
          // Shared step: widths differ only by where they clip, Q_b(z) = s min(R, 2^b - 1).
          const R = Math.floor(z * inv + 0.5);
          if (R > nLow) {
            for (let t = 0; t + 1 < nA; t++) {
              const a0 = R < nMenu[t] ? R : nMenu[t];
              const a1 = R < nMenu[t + 1] ? R : nMenu[t + 1];
              gs += g * slopes[t] * s * (a1 - a0);
            }
          }
        } else if (learn) {
          let prevQ = fakeQuantActStep(z, this.actStep(alpha, menu[0]), menu[0]);
          for (let t = 0; t + 1 < nA; t++) {
            const nextQ = fakeQuantActStep(z, this.actStep(alpha, menu[t + 1]), menu[t + 1]);
            gs += g * slopes[t] * (nextQ - prevQ);
            prevQ = nextQ;
          }
        }
      }
      st.galpha[j] = ga;
      if (learn) {
        let dE = 0;
        for (let t = 0; t + 1 < nA; t++) dE += slopes[t] * (menu[t + 1] - menu[t]);
        if (r.targetActBits !== null) gs += this.lambdaAct * dE;
        st.gsA[j] = gs;
      }
    }
    if (r.learnA === 'layer') tie(st.gsA);
  }

  /** actBackward for the shared-step quantiser (or frozen widths), row-major for cache locality. */
  private actBackwardRows(st: LayerState, M: number, learn: boolean, slopes: Float64Array): void {
    const r = this.r;
    const N = st.out;
    const Z = st.Z;
    const dA = st.dA;
    const dZ = st.dZ;
    const T = r.aMenu.length - 1;
    const nMenu = r.aMenu.map((b) => 2 ** b - 1);
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
      const n = 2 ** st.bitsA[j] - 1;
      const s = this.actStep(st.alpha[j], st.bitsA[j]);
      nArr[j] = n;
      sArr[j] = s;
      invArr[j] = 1 / s;
      topArr[j] = n * s;
      kArr[j] = s / st.alpha[j];
      if (learn) {
        gateSlopes(st.sA[j], r.aThr, r.tau, slopes);
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
        gateSlopes(st.sA[j], r.aThr, r.tau, slopes);
        let dE = 0;
        for (let t = 0; t < T; t++) dE += slopes[t] * (r.aMenu[t + 1] - r.aMenu[t]);
        st.gsA[j] = gs[j] + (r.targetActBits !== null ? this.lambdaAct * dE : 0);
      }
    }
  }

  private optimizerStep(): void {
    this.step++;
    const t = this.step;
    // Cosine decay to 0 over the planned steps (strengths keep a constant rate: they must stay able to move).
    const total = this.r.epochs * Math.ceil(this.train.rows / this.r.batch);
    const decay = this.r.schedule === 'cosine' ? 0.5 * (1 + Math.cos((Math.PI * Math.min(t, total)) / total)) : 1;
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    for (const s of this.slots) {
      if (s.isStrength && this.frozen) continue;
      const { p, g, m, v } = s;
      const lrNow = s.isStrength ? s.lr : s.lr * decay;
      if (s.adam) {
        const lr = lrNow;
        for (let i = 0; i < p.length; i++) {
          const gi = g[i] + s.decay * p[i];
          m[i] = b1 * m[i] + (1 - b1) * gi;
          v[i] = b2 * v[i] + (1 - b2) * gi * gi;
          let x = p[i] - (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + 1e-8);
          if (x < s.lo) x = s.lo;
          else if (x > s.hi) x = s.hi;
          p[i] = x;
        }
      } else {
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

  /**
   * Freezes the widths. If a budget is set and exceeded, neurons are moved down one band at a time, the one whose
   * strength is closest to its band's lower threshold first, until the budget holds. In 'fill' mode a budget not yet
   * reached is topped up the same way upwards (closest to its upper threshold first) while the next move still fits:
   * with few steps before the freeze the controller may not get there, and 'fill' promises the target. Moves are logged.
   */
  freeze(): string[] {
    const r = this.r;
    const notes: string[] = [];
    this.frozen = true;
    // Exact row sizes (padding included) rather than the average-bits estimate.
    const fileBytes = () => this.overheadBytes + this.layers.reduce((a, st) => a + st.bitsW.reduce((b, w) => b + rowBytes(st.in, w), 0), 0);
    /**
     * Moves neurons one width down (dir -1) or up (+1), each time the one nearest the threshold it crosses, while
     * `more()` holds and some neuron's move passes `fits(layer, from, to)`.
     */
    const move = (which: 'W' | 'A', dir: -1 | 1, more: () => boolean, fits: (st: LayerState, from: number, to: number) => boolean) => {
      const menu = which === 'W' ? r.wMenu : r.aMenu;
      const thr = which === 'W' ? r.wThr : r.aThr;
      let moved = 0;
      while (more()) {
        let best: [LayerState, number] | null = null;
        let bestGap = Infinity;
        for (const st of this.layers) {
          if (which === 'A' && !st.hidden) continue;
          const bits = which === 'W' ? st.bitsW : st.bitsA;
          const s = which === 'W' ? st.sW : st.sA;
          for (let j = 0; j < st.out; j++) {
            const i = menu.indexOf(bits[j]);
            // Pruned neurons (width 0) stay pruned.
            if (i < 0 || i + dir < 0 || i + dir >= menu.length || (dir > 0 && menu[i] === 0)) continue;
            if (!fits(st, menu[i], menu[i + dir])) continue;
            const gap = dir < 0 ? s[j] - thr[i - 1] : thr[i] - s[j];
            if (gap < bestGap) { bestGap = gap; best = [st, j]; }
          }
        }
        if (!best) break;
        const [st, j] = best;
        const bits = which === 'W' ? st.bitsW : st.bitsA;
        const i = menu.indexOf(bits[j]);
        bits[j] = menu[i + dir];
        (which === 'W' ? st.sW : st.sA)[j] = dir < 0 ? thr[i - 1] - 1e-3 : Math.min(1, thr[i] + 1e-3);
        moved++;
      }
      const what = which === 'W' ? 'weight' : 'activation';
      if (moved) notes.push(dir < 0 ? `freeze: ${moved} neurons moved down one ${what} width to meet the budget` : `freeze: ${moved} neurons moved up one ${what} width to fill the budget`);
    };
    const any = () => true;
    const targetW = this.targetBitsEff;
    if (r.learnW !== 'none' && targetW !== null) move('W', -1, () => this.avgWeightBits() > targetW + 1e-9, any);
    if (r.learnW !== 'none' && r.targetBytes !== null) move('W', -1, () => fileBytes() > r.targetBytes!, any);
    if (r.learnA !== 'none' && r.targetActBits !== null) move('A', -1, () => this.avgActBits() > r.targetActBits! + 1e-9, any);
    // 'fill': top up while the next move still fits (averages, and bytes when targetBytes is set). Per neuron only:
    // one neuron's move would break a layer-level tie.
    if (r.budgetMode === 'fill') {
      let avgNow = 0;
      let bytesNow = 0;
      if (r.learnW === 'neuron' && targetW !== null) {
        // What one move adds to the average: the neuron's fan-in over all weights.
        const fits = (st: LayerState, from: number, to: number) =>
          avgNow + ((to - from) * st.in) / this.totalWeights <= targetW + 1e-9 && (r.targetBytes === null || bytesNow + rowBytes(st.in, to) - rowBytes(st.in, from) <= r.targetBytes);
        move('W', 1, () => ((avgNow = this.avgWeightBits()), (bytesNow = r.targetBytes === null ? 0 : fileBytes()), true), fits);
      }
      if (r.learnA === 'neuron' && r.targetActBits !== null) {
        const fits = (_st: LayerState, from: number, to: number) => avgNow + (to - from) / this.hiddenNeurons() <= r.targetActBits! + 1e-9;
        move('A', 1, () => ((avgNow = this.avgActBits()), true), fits);
      }
    }
    return notes;
  }

  /** Average hard weight bits over all weights (pruned neurons count 0). */
  avgWeightBits(): number {
    let s = 0;
    for (const st of this.layers) for (let j = 0; j < st.out; j++) s += st.bitsW[j] * st.in;
    return s / this.totalWeights;
  }

  hiddenNeurons(): number {
    return this.layers.reduce((a, st) => a + (st.hidden ? st.out : 0), 0);
  }

  /** Average activation bits over hidden neurons (0 when there are none). */
  avgActBits(): number {
    let s = 0;
    let n = 0;
    for (const st of this.layers) if (st.hidden) for (let j = 0; j < st.out; j++) { s += this.r.quantA ? st.bitsA[j] : 32; n++; }
    return n ? s / n : 0;
  }

  histogram(): LayerHistogram[] {
    return this.layers.map((st) => {
      const w: Record<string, number> = {};
      const a: Record<string, number> = {};
      for (let j = 0; j < st.out; j++) {
        const kw = this.r.quantW ? String(st.bitsW[j]) : '32';
        w[kw] = (w[kw] ?? 0) + 1;
        if (st.hidden) {
          const ka = this.r.quantA ? String(st.bitsA[j]) : '32';
          a[ka] = (a[ka] ?? 0) + 1;
        }
      }
      return { weights: w, acts: a };
    });
  }

  private controlBudget(): void {
    const r = this.r;
    const fill = r.budgetMode === 'fill';
    // Multiplicative in |lambda| while the error keeps its sign (scale-free: the strengths' Adam normalises gradients
    // anyway), reset to the floor when it changes sign (no wind-up: measured, a slowly unwinding lambda overshot
    // Covertype from 2.2 to 4.7 bits in one epoch). 'cap': lambda > 0 only pushes down; 'fill' also pushes up.
    const next = (lam: number, ex: number) => {
      const f = Math.exp(r.budgetRate * Math.min(1, Math.abs(ex)) * 4);
      const dir = ex > 0 ? 1 : -1;
      if (!fill && dir < 0) return 1e-6;
      if (Math.sign(lam) === dir) return dir * Math.min(1e2, Math.abs(lam) * f);
      return dir * 1e-6;
    };
    if (this.targetBitsEff !== null && r.learnW !== 'none') {
      this.lambda = next(this.lambda, (this.avgWeightBits() - this.targetBitsEff) / Math.max(this.targetBitsEff, 0.5));
    }
    if (r.targetActBits !== null && r.learnA !== 'none') {
      this.lambdaAct = next(this.lambdaAct, (this.avgActBits() - r.targetActBits) / r.targetActBits);
    }
  }

  /** One epoch over the training split; returns the mean loss. */
  runEpoch(): number {
    const n = this.train.rows;
    const F = this.train.features;
    const B = this.r.batch;
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    this.rng.shuffle(perm);
    let loss = 0;
    for (let start = 0; start < n; start += B) {
      const M = Math.min(B, n - start);
      for (let i = 0; i < M; i++) this.Xb.set(this.xTrain.subarray(perm[start + i] * F, perm[start + i] * F + F), i * F);
      for (let l = 0; l < this.layers.length; l++) this.prepare(l);
      this.forward(M);
      loss += this.lossAndGrad(M, this.yTrain, perm, start) * M;
      this.backward(M);
      this.optimizerStep();
      if (!this.frozen) {
        this.updateBits();
        this.controlBudget();
      }
    }
    return loss / n;
  }

  /** Validation metric of the float fake-quant graph: accuracy (higher is better) or standardised MSE (negated). */
  validate(): number {
    const ds = this.val;
    if (ds.rows === 0) return 0;
    const F = ds.features;
    const B = this.r.batch;
    for (let l = 0; l < this.layers.length; l++) this.prepare(l);
    let score = 0;
    for (let start = 0; start < ds.rows; start += B) {
      const M = Math.min(B, ds.rows - start);
      this.Xb.set(this.xVal.subarray(start * F, (start + M) * F));
      const Z = this.forward(M);
      const C = this.outputs;
      if (ds.task === 'classification') {
        for (let i = 0; i < M; i++) {
          let best = 0;
          for (let c = 1; c < C; c++) if (Z[i * C + c] > Z[i * C + best]) best = c;
          if (best === (this.yVal as Int32Array)[start + i]) score++;
        }
      } else {
        for (let i = 0; i < M * C; i++) score -= (Z[i] - (this.yVal as Float32Array)[start * C + i]) ** 2 / C;
      }
    }
    return score / ds.rows;
  }

  /** Parameters that define the model (for best-epoch snapshots and checkpoints). */
  snapshot(): Float32Array[] {
    return this.layers.flatMap((st) => [st.W.slice(), st.b.slice(), st.sW.slice(), st.sA.slice(), st.alpha.slice(), Float32Array.from(st.bitsW), Float32Array.from(st.bitsA)]);
  }

  restore(snap: Float32Array[]): void {
    this.layers.forEach((st, i) => {
      st.W.set(snap[7 * i]);
      st.b.set(snap[7 * i + 1]);
      st.sW.set(snap[7 * i + 2]);
      st.sA.set(snap[7 * i + 3]);
      st.alpha.set(snap[7 * i + 4]);
      st.bitsW.set(snap[7 * i + 5]);
      st.bitsA.set(snap[7 * i + 6]);
    });
  }

  /** Full state for a checkpoint: parameters, optimiser moments, step, RNG, controller. */
  state(): Record<string, unknown> {
    return {
      params: this.snapshot().map(bytesOf),
      moments: this.slots.flatMap((s) => [bytesOf(s.m), bytesOf(s.v)]),
      step: this.step,
      rng: bytesOf(this.rng.state()),
      lambda: this.lambda,
      lambdaAct: this.lambdaAct,
      frozen: this.frozen,
    };
  }

  setState(s: Record<string, unknown>): void {
    this.restore((s.params as Uint8Array[]).map(f32Of));
    const mom = (s.moments as Uint8Array[]).map(f32Of);
    this.slots.forEach((slot, i) => {
      slot.m.set(mom[2 * i]);
      slot.v.set(mom[2 * i + 1]);
    });
    this.step = s.step as number;
    const rs = s.rng as Uint8Array;
    (this as unknown as { rng: Rng }).rng = new Rng(new Uint32Array(rs.buffer.slice(rs.byteOffset, rs.byteOffset + rs.byteLength)));
    this.lambda = s.lambda as number;
    this.lambdaAct = s.lambdaAct as number;
    this.frozen = s.frozen as boolean;
  }

  /**
   * Builds the format-v1 model from the current parameters: the hard quantisation of training, biases in accumulator
   * units, requantisation (mult, shift) for S_j / s_j. Neurons whose worst-case accumulator would not fit int32 get
   * fewer weight bits (then a clamped bias), each change logged.
   */
  buildModel(metrics: Metrics, quiet = false): { model: ModelInput; changes: string[] } {
    const r = this.r;
    const changes: string[] = [];
    const layers: LayerInput[] = [];
    const lastOut = new Float64Array(this.outputs);
    let inMax: Float64Array = new Float64Array(this.train.features).fill(2 ** (r.inputBits - 1) - 1);
    // fp32 runs export by post-training quantisation at 8-bit weights and fixedActBits activations.
    const wBitsOf = (st: LayerState, j: number) => (r.quantW ? st.bitsW[j] : 8);
    const aBitsOf = (st: LayerState, j: number) => (r.quantA ? st.bitsA[j] : r.fixedA);
    const alphaOf = this.r.quantA ? null : this.calibrateFp32Alphas();
    for (let l = 0; l < this.layers.length; l++) {
      const st = this.layers[l];
      const fin = st.in;
      const inScale = new Float64Array(fin);
      if (l === 0) inScale.set(this.iq.scale);
      else {
        const p = this.layers[l - 1];
        for (let k = 0; k < fin; k++) inScale[k] = alphaOf ? alphaOf[l - 1][k] / (2 ** aBitsOf(p, k) - 1) : this.actStep(p.alpha[k], p.bitsA[k]);
      }
      const bits = new Uint8Array(st.out);
      const rows: Uint8Array[] = [];
      const bias = new Int32Array(st.out);
      const wScale = new Float32Array(st.out);
      const wp = new Float64Array(fin);
      const q = new Int32Array(fin);
      const S64 = new Float64Array(st.out);
      for (let j = 0; j < st.out; j++) {
        for (let k = 0; k < fin; k++) wp[k] = st.W[j * fin + k] * inScale[k];
        let b = wBitsOf(st, j);
        for (;;) {
          let S = quantizeRow(wp, 0, fin, b, r.twoBit, q, 0);
          S = Math.fround(S); // the file stores float32; use exactly that value everywhere below
          let sum = 0;
          for (let k = 0; k < fin; k++) sum += Math.abs(q[k]) * inMax[k];
          const B = Math.floor(st.b[j] / S + 0.5);
          if (sum <= ACC_MAX || b <= 1) {
            const room = Math.max(0, ACC_MAX - sum);
            const Bc = Math.max(-room, Math.min(room, B));
            if (Bc !== B && !quiet) changes.push(`layer ${l} neuron ${j}: bias ${B} clamped to ${Bc} (accumulator bound)`);
            if (sum > ACC_MAX) throw new RangeError(`layer ${l} neuron ${j}: accumulator bound exceeded even at ${b} bits`);
            bias[j] = Bc;
            S64[j] = S;
            break;
          }
          const lower = b - 1;
          if (!quiet) changes.push(`layer ${l} neuron ${j}: ${b}-bit weights exceed the int32 accumulator bound (${sum}); exported at ${lower} bits`);
          b = lower;
        }
        bits[j] = b;
        wScale[j] = S64[j];
        rows.push(b === 0 ? new Uint8Array(0) : packCodes(q, fin, b));
      }
      const total = rows.reduce((a, x) => a + x.length, 0);
      const weights = new Uint8Array(total);
      let off = 0;
      for (const x of rows) { weights.set(x, off); off += x.length; }
      let act: LayerInput['act'] = null;
      if (st.hidden) {
        const abits = new Uint8Array(st.out);
        const scale = new Float32Array(st.out);
        const mult = new Int32Array(st.out);
        const shift = new Uint8Array(st.out);
        const nextMax = new Float64Array(st.out);
        for (let j = 0; j < st.out; j++) {
          abits[j] = aBitsOf(st, j);
          const n = 2 ** abits[j] - 1;
          const s = Math.fround(alphaOf ? alphaOf[l][j] / n : this.actStep(st.alpha[j], st.bitsA[j]));
          scale[j] = s;
          const p = requantParams(S64[j] / s);
          mult[j] = p.mult;
          shift[j] = p.shift;
          nextMax[j] = n;
        }
        act = { bits: abits, scale, mult, shift };
        inMax = nextMax;
      } else {
        for (let j = 0; j < st.out; j++) lastOut[j] = S64[j];
      }
      layers.push({ inFeatures: fin, outFeatures: st.out, weightBits: bits, weights, bias, weightScale: wScale, act });
    }
    const reg = this.train.task === 'regression';
    const scale = new Float64Array(this.outputs);
    const offset = new Float64Array(this.outputs);
    for (let j = 0; j < this.outputs; j++) {
      scale[j] = lastOut[j] * (reg ? this.tStd[j] : 1);
      offset[j] = reg ? this.tMean[j] : 0;
    }
    const method = r.method === 'uniform' ? `uniform:${this.options.uniformBits ?? 2}` : r.learnW !== 'none' && r.learnA === 'none' ? `${r.method}:weights` : r.method;
    const model: ModelInput = {
      meta: {
        task: this.train.task,
        featureNames: this.train.featureNames.slice(),
        outputNames: reg ? this.train.targetNames.slice() : this.train.classes!.slice(),
        // The label column, so tools can score new files without being told (and model_bytes counts it).
        ...(reg ? {} : { targetColumn: this.train.targetNames[0] }),
        provenance: {
          method,
          dataset: this.options.datasetName ?? this.train.source,
          seed: r.seed,
          metrics,
          tool: 'nmp-edge 0.1.0',
          createdAt: new Date(0).toISOString(),
        },
      },
      input: { bits: this.iq.bits.slice(), center: this.iq.center.slice(), gain: this.iq.gain.slice() },
      layers,
      output: { scale, offset },
    };
    return { model, changes };
  }

  /** fp32 export: clip alphas = max ReLU output over (up to) 4096 training rows of the float graph. */
  private calibrateFp32Alphas(): Float32Array[] {
    const M = Math.min(this.r.batch, this.train.rows);
    const F = this.train.features;
    const res = this.layers.filter((s) => s.hidden).map((s) => new Float32Array(s.out));
    for (let l = 0; l < this.layers.length; l++) this.prepare(l);
    const rows = Math.min(this.train.rows, 4096);
    for (let start = 0; start < rows; start += M) {
      const m = Math.min(M, rows - start);
      this.Xb.set(this.xTrain.subarray(start * F, (start + m) * F));
      this.forward(m);
      this.layers.forEach((st, l) => {
        if (!st.hidden) return;
        for (let i = 0; i < m * st.out; i++) if (st.A[i] > res[l][i % st.out]) res[l][i % st.out] = st.A[i];
      });
    }
    for (const a of res) for (let j = 0; j < a.length; j++) if (!(a[j] > 0)) a[j] = 1;
    return res;
  }
}

function tie(g: Float32Array): void {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i];
  g.fill(s);
}


/** Canonical row packing (SPEC §5) of n codes at b bits, without per-code validation (codes come from the quantiser). */
function packCodes(q: Int32Array, n: number, b: number): Uint8Array {
  const out = new Uint8Array(rowBytes(n, b));
  const mask = (1 << b) - 1;
  let t = 0;
  for (let k = 0; k < n; k++, t += b) {
    const field = b === 1 ? (q[k] > 0 ? 1 : 0) : q[k] & mask;
    // A field spans at most two bytes (b <= 8).
    out[t >> 3] |= (field << (t & 7)) & 0xff;
    const spill = (t & 7) + b - 8;
    if (spill > 0) out[(t >> 3) + 1] |= field >> (b - spill);
  }
  return out;
}

function bytesOf(a: Float32Array | Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

function f32Of(b: Uint8Array): Float32Array {
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function fmt(x: number, d = 4): string {
  return Number.isFinite(x) ? x.toFixed(d) : String(x);
}

/**
 * Trains on `train`, early-stops on `val`, exports the best epoch, and reports metrics of the exported integer model
 * on val (and test when given).
 */
export async function train(
  input: Dataset | { train: Dataset; val: Dataset; test?: Dataset },
  options: TrainOptions & { valFraction?: number; testFraction?: number } = {},
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  // A whole data set is split here with the run's seed (defaults 10 % validation, 10 % test).
  const data = 'x' in input ? splitDataset(input, { seed: options.seed ?? 1, valFraction: options.valFraction, testFraction: options.testFraction }) : input;
  const t = new Trainer(data.train, data.val, options);
  const r = t.r;
  const out = options.progress;
  let best = -Infinity;
  let bestSnap = t.snapshot();
  let bestEpoch = 0;
  let stale = 0;
  let startEpoch = 1;
  if (options.checkpoint && options.resume) {
    let buf: Uint8Array | null = null;
    try {
      buf = await readFile(options.checkpoint);
    } catch {
      buf = null;
    }
    if (buf) {
      const ck = packr.unpack(buf) as Record<string, unknown>;
      if (ck.kind !== 'nmp-edge-train-checkpoint' || JSON.stringify(ck.options) !== JSON.stringify(t.log.options)) {
        throw new Error(`${options.checkpoint}: checkpoint of a different run (options or kind differ) - expected one written with the same options`);
      }
      t.setState(ck.state as Record<string, unknown>);
      best = ck.best as number;
      bestSnap = (ck.bestSnap as Uint8Array[]).map(f32Of);
      bestEpoch = ck.bestEpoch as number;
      stale = ck.stale as number;
      startEpoch = (ck.epoch as number) + 1;
      t.log.epochs.push(...(ck.epochs as EpochRecord[]));
    }
  }
  const budgetOk = () =>
    (t.targetBitsEff === null || t.avgWeightBits() <= t.targetBitsEff + 1e-9) && (r.targetActBits === null || t.avgActBits() <= r.targetActBits + 1e-9);
  for (let epoch = startEpoch; epoch <= r.epochs && stale < r.patience; epoch++) {
    if (r.freezeAt !== null && r.freezeAt > 0 && epoch === r.freezeAt + 1 && !t.frozen) {
      t.log.warnings.push(...t.freeze());
      // Scores before the freeze belong to other widths: selection restarts.
      best = -Infinity;
      stale = 0;
    }
    const t0 = performance.now();
    const loss = t.runEpoch();
    const seconds = (performance.now() - t0) / 1000;
    const val = t.validate();
    const rec: EpochRecord = {
      epoch, loss, val,
      avgWeightBits: t.avgWeightBits(),
      avgActBits: t.avgActBits(),
      lambda: t.lambda,
      lambdaAct: t.lambdaAct,
      histogram: t.histogram(),
      seconds,
      samplesPerSecond: data.train.rows / seconds,
    };
    t.log.epochs.push(rec);
    // Within budget beats out of budget; then the validation metric.
    const ok = budgetOk();
    const score = val + (ok ? 10 : 0);
    if (score > best) {
      best = score;
      bestSnap = t.snapshot();
      bestEpoch = epoch;
      stale = 0;
    } else if (ok || best < 5) stale++; // an epoch over budget while the controller settles does not count against patience
    if (out) {
      const metricName = data.train.task === 'classification' ? 'val_acc' : 'val_mse';
      const line = `epoch ${epoch}/${r.epochs}  loss ${fmt(loss)}  ${metricName} ${fmt(data.train.task === 'classification' ? val : -val)}  wbits ${fmt(rec.avgWeightBits, 2)}  abits ${fmt(rec.avgActBits, 2)}  ${Math.round(rec.samplesPerSecond)} samples/s`;
      out.write(out.isTTY ? `\r\x1b[2K${line}\n` : `${line}\n`);
    }
    if (options.jsonLog) await appendFile(options.jsonLog, JSON.stringify({ type: 'epoch', ...rec }) + '\n');
    if (options.checkpoint) {
      const ck = {
        kind: 'nmp-edge-train-checkpoint',
        options: t.log.options,
        epoch,
        state: t.state(),
        best,
        bestSnap: bestSnap.map(bytesOf),
        bestEpoch,
        stale,
        epochs: t.log.epochs,
      };
      await writeFileAtomic(options.checkpoint, packr.pack(ck));
    }
    hooks.onEpoch?.(rec);
  }
  t.restore(bestSnap);
  t.log.bestEpoch = bestEpoch;
  const { model: draft, changes } = t.buildModel({});
  t.log.warnings.push(...changes);
  const metrics: Metrics = {};
  for (const [name, ds] of [['val', data.val], ['test', data.test]] as const) {
    if (!ds || ds.rows === 0) continue;
    const m = evaluateModel(draft, ds, { useWasm: options.useWasm ?? true });
    for (const [k, v] of Object.entries(m)) metrics[`${name}_${k}`] = v;
  }
  let wsum = 0;
  let wn = 0;
  let asum = 0;
  let an = 0;
  for (const l of draft.layers) {
    for (let j = 0; j < l.outFeatures; j++) { wsum += l.weightBits[j] * l.inFeatures; wn += l.inFeatures; }
    if (l.act) for (let j = 0; j < l.outFeatures; j++) { asum += l.act.bits[j]; an++; }
  }
  metrics.avg_weight_bits = wsum / wn;
  metrics.avg_act_bits = an ? asum / an : 0;
  draft.meta.provenance.metrics = { ...metrics };
  draft.meta.provenance.createdAt = options.createdAt ?? new Date().toISOString();
  const bytes = encodeModel(draft);
  metrics.model_bytes = bytes.length;
  // Temp file + rename: an interrupted run leaves the old file or none, never half of a new one.
  if (options.out) await writeFileAtomic(options.out, bytes);
  if (r.targetBytes !== null && bytes.length > r.targetBytes) t.log.warnings.push(`model is ${bytes.length} bytes, over targetBytes ${r.targetBytes}`);
  if (r.targetBits !== null && metrics.avg_weight_bits > r.targetBits + 1e-9) t.log.warnings.push(`average weight bits ${metrics.avg_weight_bits.toFixed(3)} over targetBits ${r.targetBits}`);
  if (options.jsonLog) await appendFile(options.jsonLog, JSON.stringify({ type: 'final', bestEpoch, metrics, warnings: t.log.warnings }) + '\n');
  if (out) out.write(`best epoch ${bestEpoch}: ${Object.entries(metrics).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`).join('  ')}\n`);
  return { model: draft, bytes, metrics, log: t.log };
}
