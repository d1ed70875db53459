/**
 * @fileoverview What `npm run bench:alloc` trains: the data sets (the rows `nmp train --seed S` sees), and per data set
 * and seed the methods compared — fp32, every uniform code, layer-level and default NMP at four weight budgets, and
 * default NMP at the file bytes of each uniform code.
 */

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsv, splitDataset, type Dataset, type Split } from '../../train/data.js';
import type { TrainOptions } from '../../train/index.js';
import { datasetById } from '../paper/datasets.js';

export interface AllocDataset {
  id: string;
  /** Name in ALLOCATION.md. */
  name: string;
  /** How the rows differ from the full public data set, one sentence. */
  reduction: string;
  load(root: string): Promise<Dataset>;
  split(ds: Dataset, seed: number): Split;
}

/** `nmp train --seed S [--max-rows N]`: a seeded shuffle, then 80 / 10 / 10. */
const cliSplit = (maxRows?: number) => (ds: Dataset, seed: number) => splitDataset(ds, { seed, maxRows });

export const DATASETS: AllocDataset[] = [
  {
    id: 'letter', name: 'Letter', reduction: 'complete (20,000 rows, 16 features, 26 classes)',
    load: (root) => readCsv(join(root, 'letter', 'letter.csv.gz'), { target: 'lettr', name: 'letter' }),
    split: cliSplit(),
  },
  {
    id: 'covertype', name: 'Covertype-100k', reduction: 'a seeded 100,000-row sample of the 581,012 (`--max-rows 100000`), 54 features, 7 classes',
    load: (root) => readCsv(join(root, 'covertype', 'covtype.csv.gz'), { target: 'Cover_Type', task: 'classification', name: 'covertype' }),
    split: cliSplit(100000),
  },
  {
    id: 'shuttle', name: 'Shuttle', reduction: 'complete (58,000 rows, 9 features, 7 classes, 78 % one class)',
    load: (root) => readCsv(join(root, 'shuttle', 'shuttle.csv.gz'), { target: 'Class', name: 'shuttle' }),
    split: cliSplit(),
  },
  {
    id: 'higgs', name: 'HIGGS', reduction: "SAS's 10,984-row sample (the only full-precision subset here; the issue's 100k-row sample is not available), 28 features, 2 classes",
    load: (root) => datasetById('higgs').load(root),
    split: cliSplit(),
  },
  {
    id: 'qoe', name: 'QoE', reduction: 'PoQeMoN, 1,543 rows, MOS 1-5, without label-leaking feedback and id columns (as bench:paper)',
    load: (root) => datasetById('qoe').load(root),
    split: cliSplit(),
  },
];

export function datasetOf(id: string): AllocDataset {
  const d = DATASETS.find((x) => x.id === id);
  if (!d) throw new Error(`unknown data set '${id}' - expected one of ${DATASETS.map((x) => x.id).join(', ')}`);
  return d;
}

/** The uniform codes compared (uniform:1.58 = ternary, stored at 2 bits). */
export const UNIFORM = ['1', '1.58', '2', '3', '4', '8'] as const;
/** Weight budgets (average bits over all weights) of default NMP and layer-level. */
export const BUDGETS = [1, 1.5, 2, 3] as const;
/** Uniform codes whose file bytes default NMP is also trained at (ternary has the same bytes as 2). */
export const BYTE_MATCHED = ['1', '2', '3', '4', '8'] as const;

export interface AllocConfig {
  id: string;
  label: string;
  /** The options, or for byte-matched runs a function of the matched uniform run's file bytes. */
  options: TrainOptions;
  /** Byte-matched: the uniform code whose file bytes are the budget. */
  matchBytesOf?: string;
  /** Ablation: the run this one is compared with (default nmp-w2). */
  baseline?: string;
}

/** Seeds the ablation runs on. */
export const ABLATION_SEEDS = [1, 2, 3];

/** The runs of one data set and seed: the comparison, plus the ablation where it applies. */
export function runsOf(dataset: string, seed: number): AllocConfig[] {
  return [...configs(), ...(ABLATION_DATASETS.includes(dataset) && ABLATION_SEEDS.includes(seed) ? ablation() : [])];
}

/** Every run of the comparison for one data set and seed, in training order (fp32 first: its float phase serves every other run). */
export function configs(): AllocConfig[] {
  const out: AllocConfig[] = [{ id: 'fp32', label: 'fp32 (8-bit export)', options: { method: 'fp32' } }];
  for (const u of UNIFORM) out.push({ id: `uniform${u}`, label: u === '1.58' ? 'uniform ternary' : `uniform ${u}-bit`, options: { method: 'uniform', uniformBits: Number(u) } });
  for (const b of BUDGETS) out.push({ id: `layer-w${b}`, label: `layer-level, ${b} bits`, options: { method: 'layer', targetBits: b } });
  for (const b of BUDGETS) out.push({ id: `nmp-w${b}`, label: `NMP, ${b} bits`, options: { method: 'nmp', targetBits: b } });
  for (const u of BYTE_MATCHED) out.push({ id: `nmp-bytes${u}`, label: `NMP at uniform ${u}-bit's bytes`, options: { method: 'nmp' }, matchBytesOf: `uniform${u}` });
  return out;
}

/** Data sets of the ablation (the two headline sets), and its variations of default NMP at 2 weight bits. */
export const ABLATION_DATASETS = ['letter', 'covertype'];
export function ablation(): AllocConfig[] {
  const base: TrainOptions = { method: 'nmp', targetBits: 2 };
  const row = (id: string, label: string, o: TrainOptions): AllocConfig => ({ id, label, options: { ...base, ...o } });
  return [
    { id: 'abl-hgq-w1', label: "allocator 'hgq' at 1 bit (against NMP, 1 bit)", options: { method: 'nmp', targetBits: 1, allocator: 'hgq' }, baseline: 'nmp-w1' },
    { id: 'abl-hgq-w1.5', label: "allocator 'hgq' at 1.5 bits (against NMP, 1.5 bits)", options: { method: 'nmp', targetBits: 1.5, allocator: 'hgq' }, baseline: 'nmp-w1.5' },
    row('abl-nodistill', 'no distillation (labels only)', { distill: 0 }),
    row('abl-nofloat', 'no float phase (quantisation-aware from random weights, no distillation)', { floatEpochs: 0 }),
    row('abl-hgq', "allocator 'hgq' (learned fractional widths) instead of 'sensitivity'", { allocator: 'hgq' }),
    row('abl-progressive', 'progressive allocation (from 2x the budget down to it over 30 % of the epochs)', { allocation: 'progressive' }),
    row('abl-acts8', '8 average activation bits instead of 4', { targetActBits: 8 }),
    { id: 'abl-paper', label: "the paper's learned strengths (nmp-paper: menus {1,2,4,8} / {4,8,16}, budget 2 / 4) with the same recipe", options: { method: 'nmp-paper', targetBits: 2, targetActBits: 4 } },
  ];
}

const here = dirname(fileURLToPath(import.meta.url));
/** Source folder (dist/tools/bench/alloc -> tools/bench/alloc). */
export const SUITE_DIR = resolve(here, '../../../../tools/bench/alloc');
export const RUNS_DIR = join(SUITE_DIR, 'runs');
export const CACHE_DIR = resolve(here, '../../../../.cache/alloc');
/** Where the report goes (the issue asks for it beside the trainer's README). */
export const REPORT_PATH = resolve(here, '../../../../tools/train/ALLOCATION.md');

export interface AllocRecord {
  dataset: string;
  config: string;
  seed: number;
  commit: string;
  options: TrainOptions;
  /** The options as the trainer resolved them (defaults included), JSON. */
  resolved: string;
  rows: { train: number; val: number; test: number };
  seconds: number;
  /** Trainer's metrics of the exported integer model (val_*, test_*, bits, bytes). */
  trainer: Record<string, number>;
  /** Every test metric recomputed from the runtime's (SIMD) outputs equals the trainer's. */
  runtimeEqualsTrainer: boolean;
  warnings: string[];
}
