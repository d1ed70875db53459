/**
 * @fileoverview Training options: what a caller may set (`TrainOptions`), and the same with every default filled in and
 * checked (`Resolved`), which is what the rest of the trainer reads.
 */

import { defaultThresholds, type TwoBitMode } from './quant.js';

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
  /** Epochs of linear learning-rate warm-up before the schedule (fractions allowed); default 0. */
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

/** The options with every default filled in and checked; the run log records this object. */
export interface Resolved {
  method: Method;
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
  actScale: 'step' | 'clip';
  /** Activation width whose step the learnable alpha is the clip of ('step' scale): the lowest learned width, or the fixed one. */
  actBaseBits: number;
  schedule: 'cosine' | 'constant';
  warmupEpochs: number;
  hysteresis: number;
  freezeAt: number | null;
  budgetMode: 'cap' | 'fill';
  subsidy: 'cost' | 'inverse';
}

/** Fills in defaults and checks every option; throws RangeError naming the option, what it got and what it takes. */
export function resolveOptions(o: TrainOptions): Resolved {
  const method = o.method ?? 'nmp';
  if (!['nmp', 'layer', 'uniform', 'fp32'].includes(method)) throw new RangeError(`method must be nmp, layer, uniform or fp32 - got ${method}`);
  const learned = method === 'nmp' || method === 'layer';
  const qa = learned ? (o.quantizeActivations ?? true) : false;
  let weightBitsMenu = (o.weightBitsMenu ?? [1, 2, 4, 8]).slice().sort((a, b) => a - b);
  if (o.prune && !weightBitsMenu.includes(0)) weightBitsMenu = [0, ...weightBitsMenu];
  const actBitsMenu = (o.actBitsMenu ?? [4, 8, 16]).slice().sort((a, b) => a - b);
  for (const b of weightBitsMenu) if (!Number.isInteger(b) || b < 0 || b > 8) throw new RangeError(`weightBitsMenu entries must be integers 0..8 - got ${b}`);
  for (const b of actBitsMenu) if (!Number.isInteger(b) || b < 1 || b > 16) throw new RangeError(`actBitsMenu entries must be integers 1..16 - got ${b}`);
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
  const lr = o.lr ?? (optimizer === 'adam' ? 1e-3 : 1e-2);
  const inputBits = o.inputBits ?? 8;
  if (!Number.isInteger(inputBits) || inputBits < 2 || inputBits > 16) throw new RangeError(`inputBits must be 2..16 - got ${inputBits}`);
  const fixedActBits = o.fixedActBits ?? (method === 'uniform' ? 8 : 16);
  return {
    method,
    hidden: o.hidden ?? [256, 256],
    quantW: method !== 'fp32',
    learnW: method === 'nmp' ? 'neuron' : method === 'layer' ? 'layer' : 'none',
    quantA: method !== 'fp32',
    learnA: qa ? (method === 'nmp' && (o.actGranularity ?? 'neuron') === 'neuron' ? 'neuron' : 'layer') : 'none',
    weightBitsMenu,
    actBitsMenu,
    weightThresholds,
    actThresholds,
    weightStart,
    actStart,
    fixedWeightBits: method === 'uniform' ? (ub === 1.58 ? 2 : ub) : 8,
    fixedActBits,
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
    lrStrength: o.lrStrength ?? 2e-3,
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
    warmupEpochs: o.warmupEpochs ?? 0,
    hysteresis: o.hysteresis ?? 0,
    budgetMode: o.budgetMode ?? 'fill',
    subsidy: o.subsidy ?? 'inverse',
    // Default: widths learned in the first 30 % of the epochs, then frozen (README "Freezing").
    freezeAt: learned ? (o.freezeAt === undefined ? Math.max(1, Math.round(0.3 * (o.epochs ?? 30))) : o.freezeAt) : null,
    actBaseBits: qa ? actBitsMenu[0] : fixedActBits,
  };
}
