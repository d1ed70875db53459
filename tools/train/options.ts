/**
 * @fileoverview Training options: what a caller may set (`TrainOptions`), and the same with every default filled in and
 * checked (`Resolved`), which is what the rest of the trainer reads.
 */

import { defaultThresholds, type TwoBitMode } from './quant.js';

/**
 * Training method: `nmp` (every neuron's weight and activation width, and every input's width, allocated from measured
 * sensitivity under a budget), `layer` (the same allocator, one width per layer), `nmp-paper` (the paper's learned
 * precision strengths), `uniform` QAT, or plain float32.
 */
export type Method = 'nmp' | 'layer' | 'nmp-paper' | 'uniform' | 'fp32';

export interface TrainOptions {
  /** Default 'nmp'. */
  method?: Method;
  /** nmp/layer: how widths are chosen: 'sensitivity' (default: second-order loss estimates, knapsack on the budget) or 'hgq' (learned fractional widths). */
  allocator?: 'sensitivity' | 'hgq';
  /**
   * Sensitivity allocator: 'oneshot' (widths from the float network, frozen at once) or 'progressive' (start at twice the
   * budget, re-measure and re-allocate after each of the first `freezeAt` epochs, reaching the budget at the freeze).
   */
  allocation?: 'oneshot' | 'progressive';
  /** nmp-paper: one strength per neuron (default) or one per layer (the paper's layer-level baseline); method 'layer' is nmp's. */
  granularity?: 'neuron' | 'layer';
  /** nmp/layer: input width menu (signed codes); default 2..8. */
  inputBitsMenu?: number[];
  /** nmp/layer budget: average input bits over features (default none: the widest menu entry where it helps). */
  targetInputBits?: number;
  /** Hidden layer widths; default [256, 256]. */
  hidden?: number[];
  /** nmp/layer: learn activation widths too (weights+activations, default true); false = weights-only (activations fixed at `fixedActBits`). */
  quantizeActivations?: boolean;
  /** uniform: weight bits 1, 1.58 (ternary, stored as 2-bit), 2, 4 or 8; default 2. */
  uniformBits?: number;
  /** Weight width menu of learned methods; default [1, 2, 4, 8]. */
  weightBitsMenu?: number[];
  /** Activation width menu of learned methods; default [4, 8, 16]. */
  actBitsMenu?: number[];
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
  gateTemperature?: number;
  /** Learned methods: freeze the widths after this many epochs (enforcing the budget), then train weights only; default 30 % of `epochs`; null = never (paper-literal). */
  freezeAt?: number | null;
  /** A hard width changes only when its strength is this far past the threshold; default 0. */
  hysteresis?: number;
  /** How 2-bit rows use their codes in learned methods; default 'ternary'. */
  twoBit?: TwoBitMode;
  /** Input code width, 2..16; default 8. */
  inputBits?: number;
  /** Input clip in standard deviations (per feature: min(this, max |x_std| on the training split)); default 8. */
  inputClip?: number;
  /**
   * Epochs of the method's own phase (for quantised methods: quantisation-aware training); default by data size
   * (`recipeDefaults`).
   */
  epochs?: number;
  /**
   * Quantised methods: epochs of float training first; quantisation-aware training then starts from the best float
   * weights and (with `distill`) learns from the float model's outputs. 0 = start from random weights. Default by data size.
   */
  floatEpochs?: number;
  /** Weight of the distillation loss from the float model (0..1; 0 = labels only); default 0.5 for quantised methods after a float phase. */
  distill?: number;
  /** Softmax temperature of distillation (classification); default 2. */
  distillTemperature?: number;
  /** Default by data size (`recipeDefaults`). */
  batchSize?: number;
  /** Default 'adam'. */
  optimizer?: 'adam' | 'sgd';
  /** Peak learning rate; default 3e-3 (adam), 1e-2 (sgd). */
  lr?: number;
  /** Learning-rate schedule of weights, biases and clips: 'cosine' (default; to 0 at `epochs`) or 'constant'. */
  schedule?: 'cosine' | 'constant';
  /** Epochs of linear learning-rate warm-up before the schedule (fractions allowed); default 1. */
  warmupEpochs?: number;
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
  /** Early-stopping patience in epochs; default a third of the phase's epochs (at least 5). */
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
  /**
   * Meaning of the learnable activation parameter alpha: 'log' (nmp default: log of the step, shared by all widths),
   * 'step' (nmp-paper default: the clip at the lowest width, so again the step is shared) or 'clip' (paper-literal).
   */
  actScale?: 'log' | 'step' | 'clip';
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

/** The options with every default filled in and checked; the run log records this object. */
export interface Resolved {
  method: Method;
  allocator: 'sensitivity' | 'hgq' | 'strengths' | 'none';
  /** One width per neuron, or one per layer (method 'layer'). */
  granularity: 'neuron' | 'layer';
  allocation: 'oneshot' | 'progressive';
  /** nmp/layer with activations: activation widths are allocated. */
  allocateActs: boolean;
  inputBitsMenu: number[];
  targetInputBits: number | null;
  hidden: number[];
  quantW: boolean;
  learnW: 'none' | 'neuron' | 'layer';
  quantA: boolean;
  learnA: 'none' | 'neuron' | 'layer';
  weightBitsMenu: number[];
  actBitsMenu: number[];
  weightThresholds: number[];
  actThresholds: number[];
  /** Menu indices the strengths start in. */
  weightStart: number;
  actStart: number;
  fixedWeightBits: number;
  fixedActBits: number;
  twoBit: TwoBitMode;
  tau: number;
  inputBits: number;
  inputClip: number;
  epochs: number;
  floatEpochs: number;
  distill: number;
  distillTemperature: number;
  batch: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  momentum: number;
  weightDecay: number;
  lrStrength: number;
  lrAlpha: number;
  alphaInit: number;
  patience: number;
  seed: number;
  targetBits: number | null;
  targetBytes: number | null;
  targetActBits: number | null;
  budgetRate: number;
  actFoldGrad: boolean;
  actScale: 'log' | 'step' | 'clip';
  /** Activation width whose step the learnable alpha is the clip of ('step' scale): the lowest learned width, or the fixed one. */
  actBaseBits: number;
  schedule: 'cosine' | 'constant';
  warmupEpochs: number;
  hysteresis: number;
  freezeAt: number | null;
  budgetMode: 'cap' | 'fill';
  subsidy: 'cost' | 'inverse';
}

/**
 * Defaults that depend on the number of training rows: the mini-batch (so that small sets still get enough steps per
 * epoch), and epochs for a number of optimiser steps that grows with the square root of the rows: 6,000 steps of float
 * training and 4,000 of quantisation-aware training at 16,000 rows (Letter: fp32 96.5-97.8 %), 2.2x that at 80,000
 * (Covertype-100k: 19 float epochs gave fp32 88.4 %, 40 gave 91.1; 13 + 19 gave NMP 87.2 %, 40 + 20 gave 88.5).
 */
export function recipeDefaults(rows: number): { batch: number; floatEpochs: number; epochs: number } {
  const batch = rows >= 32768 ? 256 : rows >= 8192 ? 128 : rows >= 2048 ? 64 : 32;
  const steps = Math.max(1, Math.ceil(rows / batch));
  const scale = Math.sqrt(Math.max(rows, 1) / 16000);
  const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(x)));
  return { batch, floatEpochs: clamp((6000 * scale) / steps, 8, 150), epochs: clamp((4000 * scale) / steps, 6, 100) };
}

/** Every method name `method` accepts. */
export const METHODS: readonly Method[] = ['nmp', 'layer', 'nmp-paper', 'uniform', 'fp32'];

const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

function checkMenu(name: string, menu: number[], lo: number, hi: number): number[] {
  const m = [...new Set(menu)].sort((a, b) => a - b);
  if (!m.length) throw new RangeError(`${name} is empty - expected widths ${lo}..${hi}`);
  for (const b of m) if (!Number.isInteger(b) || b < lo || b > hi) throw new RangeError(`${name} entries must be integers ${lo}..${hi} - got ${b}`);
  return m;
}

/**
 * Fills in defaults and checks every option; throws RangeError naming the option, what it got and what it takes.
 * `rows` (training rows) sets the defaults of `recipeDefaults`.
 */
export function resolveOptions(o: TrainOptions, rows: number): Resolved {
  const method = o.method ?? 'nmp';
  if (!METHODS.includes(method)) throw new RangeError(`method must be ${METHODS.join(', ')} - got ${method}`);
  const allocated = method === 'nmp' || method === 'layer';
  const paper = method === 'nmp-paper';
  const learned = allocated || paper;
  const qa = learned ? (o.quantizeActivations ?? true) : false;
  const allocation = o.allocation ?? 'oneshot';
  if (allocation !== 'oneshot' && allocation !== 'progressive') throw new RangeError(`allocation must be oneshot or progressive - got ${allocation}`);
  const allocator: Resolved['allocator'] = paper ? 'strengths' : allocated ? (o.allocator ?? 'sensitivity') : 'none';
  if (!['sensitivity', 'hgq', 'strengths', 'none'].includes(allocator)) throw new RangeError(`allocator must be sensitivity or hgq - got ${allocator}`);
  let weightBitsMenu = checkMenu('weightBitsMenu', o.weightBitsMenu ?? (allocated ? range(o.prune === false ? 1 : 0, 8) : [1, 2, 4, 8]), 0, 8);
  if (o.prune && !weightBitsMenu.includes(0)) weightBitsMenu = [0, ...weightBitsMenu];
  const actBitsMenu = checkMenu('actBitsMenu', o.actBitsMenu ?? (allocated ? range(2, 16) : [4, 8, 16]), 1, 16);
  const inputBitsMenu = checkMenu('inputBitsMenu', o.inputBitsMenu ?? (allocated ? range(2, 8) : [o.inputBits ?? 8]), 2, 16);
  const ub = o.uniformBits ?? 2;
  if (method === 'uniform' && ![1, 1.58, 2, 3, 4, 5, 6, 7, 8].includes(ub)) throw new RangeError(`uniformBits must be 1, 1.58, 2..8 - got ${ub}`);
  const weightThresholds = o.weightThresholds ?? defaultThresholds(weightBitsMenu.length);
  const actThresholds = o.actThresholds ?? defaultThresholds(actBitsMenu.length);
  if (weightThresholds.length !== weightBitsMenu.length - 1) throw new RangeError(`weightThresholds needs ${weightBitsMenu.length - 1} values - got ${weightThresholds.length}`);
  if (actThresholds.length !== actBitsMenu.length - 1) throw new RangeError(`actThresholds needs ${actBitsMenu.length - 1} values - got ${actThresholds.length}`);
  const weightStart = o.initialWeightBits === undefined ? (weightBitsMenu[0] === 0 ? 1 : 0) : weightBitsMenu.indexOf(o.initialWeightBits);
  const actStart = o.initialActBits === undefined ? 0 : actBitsMenu.indexOf(o.initialActBits);
  if (weightStart < 0 || weightStart >= weightBitsMenu.length) throw new RangeError(`initialWeightBits must be one of the weight menu ${weightBitsMenu.join(', ')} - got ${o.initialWeightBits}`);
  if (actStart < 0) throw new RangeError(`initialActBits must be one of the activation menu ${actBitsMenu.join(', ')} - got ${o.initialActBits}`);
  const optimizer = o.optimizer ?? 'adam';
  const lr = o.lr ?? (optimizer === 'adam' ? 3e-3 : 1e-2);
  const recipe = recipeDefaults(rows);
  const epochs = o.epochs ?? (method === 'fp32' ? recipe.floatEpochs : recipe.epochs);
  const floatEpochs = method === 'fp32' ? 0 : (o.floatEpochs ?? recipe.floatEpochs);
  for (const [name, v] of [['epochs', epochs], ['floatEpochs', floatEpochs]] as const) {
    if (!Number.isInteger(v) || v < 0 || (name === 'epochs' && v < 1)) throw new RangeError(`${name} must be a${name === 'epochs' ? ' positive' : ' non-negative'} integer - got ${v}`);
  }
  const distill = o.distill ?? (floatEpochs > 0 ? 0.5 : 0);
  if (!(distill >= 0 && distill <= 1)) throw new RangeError(`distill must be between 0 and 1 - got ${distill}`);
  const inputBits = o.inputBits ?? 8;
  if (!Number.isInteger(inputBits) || inputBits < 2 || inputBits > 16) throw new RangeError(`inputBits must be 2..16 - got ${inputBits}`);
  const fixedActBits = o.fixedActBits ?? (method === 'uniform' ? 8 : 16);
  // Budgets: allocated methods always have one (default 2 weight bits and, with activations, 4 activation bits).
  // A budget a method cannot use is a mistake, not something to ignore.
  const budgeted = ['targetBits', 'targetBytes', 'targetActBits', 'targetInputBits'] as const;
  for (const k of budgeted) {
    const v = o[k];
    if (v === undefined) continue;
    if (!learned) throw new RangeError(`${k} applies to the learned methods (nmp, layer, nmp-paper) - method ${method} has fixed widths`);
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${k} must be a positive number - got ${v}`);
  }
  if ((o.targetActBits !== undefined || o.targetInputBits !== undefined) && !qa) throw new RangeError('targetActBits and targetInputBits need quantised activations (quantizeActivations: true)');
  const within = (k: string, v: number | undefined, menu: number[]) => {
    if (v !== undefined && (v < menu[0] || v > menu[menu.length - 1])) throw new RangeError(`${k} ${v} is outside its menu ${menu[0]}..${menu[menu.length - 1]} - expected a value in that range`);
  };
  within('targetBits', o.targetBits, weightBitsMenu);
  within('targetActBits', o.targetActBits, actBitsMenu);
  within('targetInputBits', o.targetInputBits, inputBitsMenu);
  const targetBits = o.targetBits ?? (allocated && o.targetBytes === undefined ? 2 : null);
  const targetActBits = o.targetActBits ?? (allocated && qa ? 4 : null);
  return {
    method,
    allocator,
    granularity: method === 'layer' ? 'layer' : 'neuron',
    allocation,
    hidden: o.hidden ?? [256, 256],
    quantW: method !== 'fp32',
    learnW: paper ? (o.granularity ?? 'neuron') : 'none',
    quantA: method !== 'fp32',
    learnA: paper && qa ? (o.granularity === 'layer' || o.actGranularity === 'layer' ? 'layer' : 'neuron') : 'none',
    allocateActs: allocated && qa,
    weightBitsMenu,
    actBitsMenu,
    inputBitsMenu,
    weightThresholds,
    actThresholds,
    weightStart,
    actStart,
    fixedWeightBits: method === 'uniform' ? (ub === 1.58 ? 2 : ub) : 8,
    fixedActBits,
    twoBit: method === 'uniform' ? (ub === 1.58 ? 'ternary' : 'full') : (o.twoBit ?? 'ternary'),
    tau: o.gateTemperature ?? 0.05,
    inputBits: allocated ? inputBitsMenu[inputBitsMenu.length - 1] : inputBits,
    inputClip: o.inputClip ?? 8,
    epochs,
    floatEpochs,
    distill: floatEpochs > 0 ? distill : 0,
    distillTemperature: o.distillTemperature ?? 2,
    batch: o.batchSize ?? recipe.batch,
    optimizer,
    lr,
    momentum: o.momentum ?? 0.9,
    weightDecay: o.weightDecay ?? 0,
    lrStrength: o.lrStrength ?? 2e-3,
    lrAlpha: o.lrAlpha ?? lr,
    alphaInit: o.alphaInit ?? 3,
    patience: o.patience ?? Math.max(5, Math.ceil(epochs / 3)),
    seed: o.seed ?? 1,
    targetBits,
    targetBytes: o.targetBytes ?? null,
    targetActBits,
    targetInputBits: allocated ? (o.targetInputBits ?? null) : null,
    budgetRate: o.budgetRate ?? 0.05,
    actFoldGrad: o.actFoldGrad ?? true,
    actScale: o.actScale ?? (allocated ? 'log' : 'step'),
    schedule: o.schedule ?? 'cosine',
    warmupEpochs: o.warmupEpochs ?? 1,
    hysteresis: o.hysteresis ?? 0,
    budgetMode: o.budgetMode ?? 'fill',
    subsidy: o.subsidy ?? 'inverse',
    // Default: widths learned in the first 30 % of the epochs, then frozen (README "Freezing"); the sensitivity
    // allocator re-solves at the end of each epoch before the freeze.
    freezeAt: learned ? (o.freezeAt === undefined ? (allocator === 'sensitivity' && allocation === 'oneshot' ? 0 : Math.max(1, Math.round(0.3 * epochs))) : o.freezeAt) : null,
    actBaseBits: qa ? actBitsMenu[0] : fixedActBits,
  };
}
