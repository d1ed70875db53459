/**
 * @fileoverview What the suite trains: the paper's methods in its two modes, the ablation of NMP-QAT's unstated choices,
 * and the Covertype target runs; plus the paper's own numbers (Tables 1, 2 and 5, as printed in v1) to set beside ours.
 */

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainOptions } from '../../train/index.js';

/** The paper's model and the parts of its protocol we keep everywhere (RESULTS.md "Protocol" says what differs). */
export const PROTOCOL: TrainOptions = {
  hidden: [512, 512, 512, 512],
  // The paper trains from scratch: no float phase, no distillation, no warm-up (the trainer's defaults since this suite ran).
  floatEpochs: 0,
  warmupEpochs: 0,
  optimizer: 'adam',
  lr: 1e-3,
  batchSize: 256,
  patience: 20,
};

export type Mode = 'wa' | 'w';

export interface RunConfig {
  /** File-name key, unique within a suite. */
  id: string;
  /** Column or row label in RESULTS.md. */
  label: string;
  /** Paper table column this corresponds to, if any. */
  paperColumn?: 'FP' | 'QAT 1' | 'QAT 1.58' | 'QAT 4' | 'QAT 8' | 'Ours';
  /** weights+activations or weights-only; fp32 belongs to both. */
  modes: Mode[];
  options: TrainOptions;
}

/** Weight budget of our NMP-QAT: below uniform ternary's 2 stored bits, so that it competes with it on bytes. */
export const BUDGET = { weightBits: 1.5, actBits: 6 };

function modeOptions(mode: Mode, uniform: boolean): TrainOptions {
  // The paper's baselines fix activations at 8 bits with activation quantisation; weights-only runs keep activations at
  // our widest integer width (16 bits) since the file format has no float activations.
  if (uniform) return { fixedActBits: mode === 'wa' ? 8 : 16 };
  return { quantizeActivations: mode === 'wa' };
}

/** The grid: each method in each mode (fp32 once). */
export function gridConfigs(): RunConfig[] {
  const out: RunConfig[] = [{ id: 'fp32', label: 'fp32', paperColumn: 'FP', modes: ['wa', 'w'], options: { method: 'fp32' } }];
  for (const mode of ['wa', 'w'] as const) {
    for (const [bits, col] of [[1, 'QAT 1'], [1.58, 'QAT 1.58'], [4, 'QAT 4'], [8, 'QAT 8']] as const) {
      out.push({ id: `uniform${bits}-${mode}`, label: `uniform ${bits}`, paperColumn: col, modes: [mode], options: { method: 'uniform', uniformBits: bits, ...modeOptions(mode, true) } });
    }
    out.push({ id: `layer-${mode}`, label: 'layer-level', modes: [mode], options: { method: 'nmp-paper', granularity: 'layer', ...modeOptions(mode, false) } });
    out.push({ id: `nmp-${mode}`, label: 'NMP-QAT, no budget (paper menus and init, our defaults)', paperColumn: 'Ours', modes: [mode], options: { method: 'nmp-paper', ...modeOptions(mode, false) } });
    out.push({
      id: `nmpbudget-${mode}`,
      label: `NMP-QAT, budget ${BUDGET.weightBits}${mode === 'wa' ? ` / ${BUDGET.actBits}` : ''}`,
      modes: [mode],
      options: { method: 'nmp-paper', targetBits: BUDGET.weightBits, ...(mode === 'wa' ? { targetActBits: BUDGET.actBits } : {}), ...modeOptions(mode, false) },
    });
  }
  return out;
}

/** The paper's unstated choices, varied one at a time around our defaults (NMP-QAT, weights+activations, no budget). */
export function ablationConfigs(): RunConfig[] {
  const base: TrainOptions = { method: 'nmp-paper', quantizeActivations: true };
  const row = (id: string, label: string, o: TrainOptions): RunConfig => ({ id, label, modes: ['wa'], options: { ...base, ...o } });
  return [
    row('default', 'defaults: thresholds 1/4, 1/2, 3/4 (acts 1/3, 2/3); tau 0.05; start 1-bit / 4-bit; freeze at 30 %', {}),
    row('thr-low', 'thresholds 0.1, 0.2, 0.3 (acts 0.15, 0.3): bits grow easily', { weightThresholds: [0.1, 0.2, 0.3], actThresholds: [0.15, 0.3] }),
    row('thr-high', 'thresholds 0.7, 0.8, 0.9 (acts 0.75, 0.9): bits grow reluctantly', { weightThresholds: [0.7, 0.8, 0.9], actThresholds: [0.75, 0.9] }),
    row('tau-sharp', 'gate temperature 0.01 (sharp)', { gateTemperature: 0.01 }),
    row('tau-soft', 'gate temperature 0.2 (soft)', { gateTemperature: 0.2 }),
    row('init-w2', 'start at 2-bit weights', { initialWeightBits: 2 }),
    row('init-w4a8', 'start at 4-bit weights and 8-bit activations', { initialWeightBits: 4, initialActBits: 8 }),
    row('lrs-high', 'strength learning rate 2e-2 (10x): the strengths can cross a threshold within the learning window', { lrStrength: 2e-2 }),
    row('literal', 'paper-literal: widths never freeze, alpha is the clip of every width', { freezeAt: null, actScale: 'clip' }),
    row('sgd', "the paper's optimiser: SGD lr 1e-3 (momentum 0.9, constant) instead of Adam + cosine", { optimizer: 'sgd', lr: 1e-3, schedule: 'constant' }),
  ];
}

/** Covertype at the scale the targets need (19x the grid's training rows, one seed): our fp32, and budgeted NMP-QAT in both modes. */
export function targetConfigs(): RunConfig[] {
  return [
    { id: 'fp32', label: 'fp32', paperColumn: 'FP', modes: ['wa', 'w'], options: { method: 'fp32' } },
    { id: 'nmpbudget-wa', label: 'NMP-QAT, budget 2 / 6', paperColumn: 'Ours', modes: ['wa'], options: { method: 'nmp-paper', quantizeActivations: true, targetBits: 2, targetActBits: 6 } },
    { id: 'nmpbudget-w', label: 'NMP-QAT weights-only, budget 1.5', paperColumn: 'Ours', modes: ['w'], options: { method: 'nmp-paper', quantizeActivations: false, targetBits: 1.5 } },
  ];
}

/** A paper cell: mean and (when printed) standard deviation. */
export type PaperCell = [number, number?];

/** Tables 1 (weights+activations) and 5 (weights-only), 4x512 MLP, for the data sets we have. F1 averaging unstated. */
export const PAPER: Record<Mode, Record<string, Record<string, Partial<Record<NonNullable<RunConfig['paperColumn']>, PaperCell>>>>> = {
  wa: {
    VoD: { mse: { FP: [16.41], 'QAT 1': [17.088, 0.617], 'QAT 1.58': [17.09, 0.68], 'QAT 4': [26.69, 0.191], 'QAT 8': [22.573, 4.116], Ours: [16.969, 0.117] } },
    QoE: {
      accuracy: { FP: [0.7152], 'QAT 1': [0.555, 0.12], 'QAT 1.58': [0.645, 0.122], 'QAT 4': [0.51, 0.01], 'QAT 8': [0.407, 0.19], Ours: [0.722, 0.019] },
      f1_macro: { FP: [0.6205], 'QAT 1': [0.435, 0.155], 'QAT 1.58': [0.512, 0.217], 'QAT 4': [0.135, 0.002], 'QAT 8': [0.112, 0.042], Ours: [0.64, 0.029] },
    },
    Covertype: {
      accuracy: { FP: [0.9581], 'QAT 1': [0.816, 0.003], 'QAT 1.58': [0.834, 0.003], 'QAT 4': [0.846, 0.073], 'QAT 8': [0.847, 0.074], Ours: [0.842, 0.075] },
      f1_macro: { FP: [0.9373], 'QAT 1': [0.63, 0.023], 'QAT 1.58': [0.666, 0.015], 'QAT 4': [0.682, 0.01], 'QAT 8': [0.688, 0.01], Ours: [0.672, 0.013] },
    },
    Higgs: {
      accuracy: { FP: [0.7478], 'QAT 1': [0.667, 0.001], 'QAT 1.58': [0.665, 0], 'QAT 4': [0.499, 0.001], 'QAT 8': [0.499, 0.001], Ours: [0.734, 0.008] },
      f1_macro: { FP: [0.7477], 'QAT 1': [0.667, 0.001], 'QAT 1.58': [0.665, 0], 'QAT 4': [0.499, 0.001], 'QAT 8': [0.499, 0.001], Ours: [0.734, 0.008] },
    },
  },
  w: {
    VoD: { mse: { FP: [16.41], 'QAT 1': [15.576, 0.117], 'QAT 1.58': [14.854, 0.545], 'QAT 4': [19.473, 0.353], 'QAT 8': [19.605, 0.529], Ours: [14.832, 0.164] } },
    QoE: {
      accuracy: { FP: [0.7152], 'QAT 1': [0.742, 0.023], 'QAT 1.58': [0.749, 0.005], 'QAT 4': [0.663, 0.034], 'QAT 8': [0.643, 0.004], Ours: [0.754, 0.02] },
      f1_macro: { FP: [0.6205], 'QAT 1': [0.68, 0.026], 'QAT 1.58': [0.682, 0.018], 'QAT 4': [0.393, 0.132], 'QAT 8': [0.315, 0.004], Ours: [0.665, 0.036] },
    },
    Covertype: {
      accuracy: { FP: [0.9581], 'QAT 1': [0.884, 0.005], 'QAT 1.58': [0.915, 0.001], 'QAT 4': [0.837, 0.01], 'QAT 8': [0.854, 0.06], Ours: [0.933, 0.003] },
      f1_macro: { FP: [0.937], 'QAT 1': [0.794, 0.042], 'QAT 1.58': [0.839, 0.013], 'QAT 4': [0.739, 0.02], 'QAT 8': [0.731, 0.039], Ours: [0.897, 0.002] },
    },
    Higgs: {
      accuracy: { FP: [0.7478], 'QAT 1': [0.737, 0.001], 'QAT 1.58': [0.742, 0.002], 'QAT 4': [0.651, 0.003], 'QAT 8': [0.695, 0.002], Ours: [0.767, 0.001] },
      f1_macro: { FP: [0.7477], 'QAT 1': [0.737, 0.001], 'QAT 1.58': [0.742, 0.002], 'QAT 4': [0.65, 0.002], 'QAT 8': [0.695, 0.002], Ours: [0.767, 0.001] },
    },
  },
};

/** Table 2: the paper's NMP-QAT average widths (weights-only run; weights+activations run: weights, activations). */
export const PAPER_BITS: Record<string, { wOnly: number; wa: number; act: number }> = {
  VoD: { wOnly: 1.075, wa: 1.13, act: 4.779 },
  QoE: { wOnly: 2.419, wa: 1.001, act: 4.005 },
  Covertype: { wOnly: 1.394, wa: 1.55, act: 4.685 },
  Higgs: { wOnly: 2.32, wa: 2.435, act: 4.115 },
};

const here = dirname(fileURLToPath(import.meta.url));
/** Source folder (dist/tools/bench/paper -> tools/bench/paper). */
export const SUITE_DIR = resolve(here, '../../../../tools/bench/paper');
export const RUNS_DIR = join(SUITE_DIR, 'runs');
export const CACHE_DIR = resolve(here, '../../../../.cache/paper');

export type Suite = 'grid' | 'ablation' | 'target';

/** The ablation runs on one data set: HIGGS (binary, 1,098 test rows: less noisy than QoE's 154, and quick). */
export const ABLATION_DATASET = 'higgs';

/** Covertype at nearly full size (a full 80/10/10 split trains on 464,810 rows): one seed, 6 epochs (compute). */
export const TARGET = { train: 460000, val: 10000, test: 100000, epochs: 6 };

export interface RunRecord {
  suite: Suite;
  dataset: string;
  config: string;
  seed: number;
  commit: string;
  options: TrainOptions;
  rows: { train: number; val: number; test: number };
  seconds: number;
  bestEpoch: number;
  epochsRun: number;
  /** Trainer's metrics of the exported integer model (val_*, test_*, bits, bytes). */
  trainer: Record<string, number>;
  /** The same test metrics recomputed from the runtime's (SIMD) outputs. */
  runtime: Record<string, number>;
  /** Every runtime test metric equals the trainer's exactly. */
  runtimeEqualsTrainer: boolean;
  /** Average widths over neurons, each counted once (the paper's Table 2 quantity); absent in records without a model. */
  perNeuron?: { weight: number; act: number };
  warnings: string[];
}

export interface LatencyRecord {
  /** p50 of one `predict` call (quantise, integer forward, dequantise), microseconds. */
  simdP50: number;
  scalarP50: number;
}

