/**
 * @fileoverview `nmp train data.csv --target COL -o model.nmp`: trains, exports atomically, and checks that the runtime
 * reproduces the trainer's integer outputs on the test split. The checkpoint (<output>.ckpt, written atomically every
 * epoch) survives Ctrl-C; `--resume` continues from it. The model file only ever appears whole.
 */

import { access, constants, rm, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../../../formats/node-io.js';
import { DEFAULT_NA, IMPUTE_STRATEGIES, readCsv, splitDataset, type Dataset, type Impute } from '../../train/data.js';
import { UsageError, UserError, type CommandSpec } from '../args.js';
import { checkDeployment } from '../../pipeline/deploy.js';
import { methodOptions, METHODS } from '../../pipeline/methods.js';
import { checkOptions, train, type TrainOptions } from '../../train/index.js';
import type { Split } from '../../train/data.js';

/** Trainer options of a --method value; an unknown name is a usage error (exit code 2). */
export function methodFlag(method: string): ReturnType<typeof methodOptions> {
  try {
    return methodOptions(method);
  } catch (e) {
    throw e instanceof RangeError ? new UsageError(e.message) : e;
  }
}

/** --hidden as layer widths (undefined when not given). */
function parseHidden(v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  const widths = String(v).split(',').map((s) => Number(s.trim()));
  if (!widths.length || widths.some((w) => !Number.isInteger(w) || w < 1 || w > 4096)) {
    throw new UsageError(`--hidden takes comma-separated layer widths 1..4096, e.g. 256,256 - got '${String(v)}'`);
  }
  return widths;
}

export const TRAIN_FLAGS: CommandSpec['flags'] = [
  { name: 'target', type: 'string', help: 'target column (several: comma-separated, regression)' },
  { name: 'task', type: 'string', help: 'classification or regression (default: inferred from the target column)' },
  { name: 'hidden', type: 'string', help: 'hidden layer widths', default: '256,256' },
  { name: 'quant', type: 'string', help: 'weights or weights+acts: what is quantised (default weights+acts; uniform weights: 16-bit activations)' },
  { name: 'target-bits', type: 'number', help: 'budget: average weight bits (nmp and layer default 2)' },
  { name: 'target-bytes', type: 'number', help: 'budget: model file bytes (instead of --target-bits)' },
  { name: 'target-act-bits', type: 'number', help: 'budget: average activation bits of hidden neurons (nmp and layer default 4)' },
  { name: 'target-input-bits', type: 'number', help: 'budget: average input bits over features (default: the widest that helps)' },
  { name: 'allocator', type: 'string', help: 'how nmp and layer choose widths: sensitivity (default) or hgq' },
  { name: 'prune', type: 'boolean', help: 'nmp-paper: allow 0-bit (pruned) neurons (nmp and layer may always prune)' },
  { name: 'epochs', type: 'number', help: "epochs of the method's own training (default: by data size)" },
  { name: 'float-epochs', type: 'number', help: 'quantised methods: epochs of float training first (default: by data size; 0 = none)' },
  { name: 'distill', type: 'number', help: 'weight 0..1 of distillation from the float model (default 0.5 after a float phase)' },
  { name: 'batch-size', type: 'number', help: 'mini-batch size (default: by data size)' },
  { name: 'lr', type: 'number', help: 'peak learning rate (default 3e-3 Adam, 1e-2 SGD)' },
  { name: 'lr-strength', type: 'number', help: 'nmp-paper: learning rate of the precision strengths (default 2e-3)' },
  { name: 'patience', type: 'number', help: 'early-stopping patience in epochs (default a third of the epochs)' },
  { name: 'optimizer', type: 'string', help: 'adam or sgd', default: 'adam' },
  { name: 'seed', type: 'number', help: 'seed of split, initialisation and batches', default: 1 },
  { name: 'max-rows', type: 'number', help: 'use at most this many rows (after shuffling)' },
  { name: 'na', type: 'string', help: `comma-separated cell values that mean "missing", besides the empty cell`, default: DEFAULT_NA.join(',') },
  { name: 'impute', type: 'string', help: 'missing feature cells: error, mean, median, most-frequent (column statistics) or drop (the row)', default: 'error' },
  { name: 'exclude', type: 'string', help: 'comma-separated columns to ignore (ids, text, label leaks)' },
];

/**
 * Trainer options of the flags for `method`, checked against the training split before any training: a flag that
 * cannot apply to the method, or an infeasible budget, is a usage error naming the feasible range.
 */
export function checkedTrainOptions(f: Record<string, unknown>, method: string, split: Split): TrainOptions {
  const options: TrainOptions = { ...methodFlag(method), ...trainOptionsFromFlags(f) };
  if (f.quant !== undefined && options.method === 'fp32') throw new UsageError('--quant does not apply to --method fp32 (nothing is quantised during training)');
  if (options.method === 'uniform' && options.quantizeActivations === false) {
    // Uniform QAT quantises activations at 8 bits; weights-only keeps them at the widest width.
    delete options.quantizeActivations;
    options.fixedActBits = 16;
  }
  try {
    checkOptions(split, options);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    // The trainer names its options; the user typed flags.
    const flag = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(`${e.message.replace(/\b(targetBits|targetBytes|targetActBits|targetInputBits|floatEpochs|epochs|distill|batchSize|lrStrength|patience)\b/g, flag)} (--method ${method})`);
  }
  return options;
}

export function trainOptionsFromFlags(f: Record<string, unknown>): TrainOptions {
  const quant = (f.quant as string | undefined) ?? 'weights+acts';
  if (quant !== 'weights' && quant !== 'weights+acts') throw new UsageError(`--quant must be 'weights' or 'weights+acts', got '${quant}'`);
  const tb = f['target-bits'] as number | undefined, tbytes = f['target-bytes'] as number | undefined;
  if (tb !== undefined && tbytes !== undefined) throw new UsageError('give --target-bits or --target-bytes, not both');
  if (tbytes !== undefined && !(Number.isInteger(tbytes) && tbytes > 0)) throw new UsageError(`--target-bytes must be a positive integer, got ${tbytes}`);
  for (const k of ['epochs', 'batch-size', 'patience'] as const) {
    const v = f[k] as number | undefined;
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new UsageError(`--${k} must be a positive integer, got ${v}`);
  }
  const fe = f['float-epochs'] as number | undefined;
  if (fe !== undefined && !(Number.isInteger(fe) && fe >= 0)) throw new UsageError(`--float-epochs must be a non-negative integer, got ${fe}`);
  const opt = (f.optimizer as string | undefined) ?? 'adam';
  if (opt !== 'adam' && opt !== 'sgd') throw new UsageError(`--optimizer must be adam or sgd, got '${opt}'`);
  const allocator = f.allocator as 'sensitivity' | 'hgq' | undefined;
  if (allocator !== undefined && allocator !== 'sensitivity' && allocator !== 'hgq') throw new UsageError(`--allocator must be sensitivity or hgq, got '${allocator}'`);
  // Options left undefined take the trainer's defaults (which depend on the method and the data size).
  const options: TrainOptions = {
    hidden: parseHidden(f.hidden) ?? [256, 256],
    quantizeActivations: f.quant === undefined ? undefined : quant === 'weights+acts',
    targetBits: tb, targetBytes: tbytes, targetActBits: f['target-act-bits'] as number | undefined,
    targetInputBits: f['target-input-bits'] as number | undefined,
    allocator, prune: f.prune === undefined ? undefined : Boolean(f.prune),
    epochs: f.epochs as number | undefined, floatEpochs: fe, distill: f.distill as number | undefined,
    batchSize: f['batch-size'] as number | undefined, lr: f.lr as number | undefined, lrStrength: f['lr-strength'] as number | undefined,
    patience: f.patience as number | undefined, optimizer: opt, seed: (f.seed as number | undefined) ?? 1,
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as TrainOptions;
}

/** Fails early, before minutes of training, when the output cannot be written. */
export async function checkWritable(out: string): Promise<void> {
  const dir = dirname(resolve(out));
  const s = await stat(dir).catch(() => null);
  if (!s?.isDirectory()) throw new UserError(`cannot write ${out}: directory ${dir} does not exist`);
  await access(dir, constants.W_OK).catch(() => { throw new UserError(`cannot write ${out}: directory ${dir} is not writable`); });
}

export async function loadSplit(path: string, f: Record<string, unknown>) {
  const target = f.target as string | undefined;
  if (!target) throw new UsageError('--target COL is required: the column to predict');
  const task = f.task as string | undefined;
  if (task !== undefined && task !== 'classification' && task !== 'regression') throw new UsageError(`--task must be classification or regression, got '${task}'`);
  const impute = (f.impute as Impute | undefined) ?? 'error';
  if (!IMPUTE_STRATEGIES.includes(impute)) throw new UsageError(`--impute must be one of ${IMPUTE_STRATEGIES.join(', ')}, got '${impute}'`);
  const targets = target.split(',').map((s) => s.trim());
  const exclude = f.exclude === undefined ? undefined : String(f.exclude).split(',').map((c) => c.trim()).filter(Boolean);
  const ds = await readCsv(path, { target: targets.length > 1 ? targets : targets[0], task, impute, exclude, na: naFlag(f.na), hints: CSV_HINTS });
  if (ds.taskAmbiguous && task === undefined) {
    throw new UsageError(`cannot tell the task: target ${ds.taskReason} - pass --task classification (one class per value) or --task regression (a quantity)`);
  }
  const report = missingReport(ds);
  if (report) console.error(report);
  return { ds, split: splitDataset(ds, { seed: (f.seed as number | undefined) ?? 1, maxRows: f['max-rows'] as number | undefined }) };
}

/** The trainer's data errors, with the flags that fix them. */
export const CSV_HINTS = {
  missing: 'pass --impute mean (or median, most-frequent, drop) to fill or drop missing cells',
  drop: '--impute drop',
  text: (column: string, value: string) => `if the column holds text, pass --exclude ${shellWord(column)} to leave it out; if "${value}" marks a missing value, list it in --na`,
};

/** A word as a shell user types it (quoted when it holds anything but letters, digits and ._-). */
function shellWord(s: string): string {
  return /^[\w.-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** "classification ("y" holds text labels; 3 classes)": the task and why, as the summary line prints it. */
export function describeTask(ds: Dataset, given: boolean): string {
  const classes = ds.classes ? `${ds.classes.length} classes` : '';
  const why = given ? 'as --task says' : ds.taskReason;
  return `${ds.task} (${[why, classes].filter(Boolean).join('; ')})`;
}

/** --na as tokens; '' is accepted and means nothing more than the empty cell, which is always missing. */
export function naFlag(v: unknown): string[] | undefined {
  return v === undefined ? undefined : String(v).split(',').map((t) => t.trim()).filter(Boolean);
}

/** One line per data set with missing cells: what was imputed per column (or how many rows were dropped). */
export function missingReport(ds: Dataset): string | null {
  const m = ds.missing;
  if (!m) return null;
  const cols = m.columns.map((c) => `${c.name} ${c.count}${c.fill === null ? '' : ` (filled ${Number(c.fill.toPrecision(6))})`}`).join(', ');
  if (m.strategy === 'drop') return `${ds.source}: dropped ${m.droppedRows} rows with missing cells${cols ? ` (missing per column: ${cols})` : ''}`;
  return `${ds.source}: imputed missing cells by ${m.strategy}: ${cols}`;
}

export const trainCommand: CommandSpec = {
  name: 'train',
  summary: 'Train a model on a CSV file (NMP-QAT by default), export it atomically, and check the runtime reproduces the trainer bit for bit.',
  positionals: [{ name: 'data', help: 'CSV file (plain or .gz) with a header row' }],
  flags: [
    { name: 'output', alias: 'o', type: 'string', help: 'model file to write', default: 'model.nmp' },
    { name: 'method', type: 'string', help: METHODS.join(' | '), default: 'nmp' },
    ...TRAIN_FLAGS,
    { name: 'resume', type: 'boolean', help: 'continue from <output>.ckpt if present' },
    { name: 'log', type: 'string', help: 'JSON-lines run log (one record per epoch)' },
    { name: 'json', type: 'boolean', help: 'print the final metrics as JSON' },
  ],
  examples: [
    'nmp train letter.csv.gz --target lettr -o letter.nmp',
    'nmp train covtype.csv.gz --target Cover_Type --hidden 512,512 --target-bits 2 -o cov.nmp',
    'nmp train data.csv --target y --method uniform:2 --quant weights -o u2.nmp',
  ],
  async run(args) {
    const f = args.flags;
    const out = (f.output as string | undefined) ?? 'model.nmp';
    const method = (f.method as string | undefined) ?? 'nmp';
    methodFlag(method);
    trainOptionsFromFlags(f);
    await checkWritable(out);
    const { ds, split } = await loadSplit(args.positionals[0], f);
    const options = checkedTrainOptions(f, method, split);
    const checkpoint = `${out}.ckpt`;
    console.error(`${ds.source}: ${ds.rows} rows, ${ds.features} features, ${describeTask(ds, f.task !== undefined)}; train/val/test ${split.train.rows}/${split.val.rows}/${split.test.rows}; method ${method}; checkpoint ${checkpoint}`);
    const result = await train(split, {
      ...options, progress: process.stderr, checkpoint, resume: Boolean(f.resume),
      jsonLog: f.log as string | undefined, datasetName: basename(ds.source),
    });
    for (const w of result.log.warnings) console.error(`warning: ${w}`);
    const check = await checkDeployment(result, split.test);
    if (check.mismatches) throw new Error(`runtime and trainer disagree on ${check.mismatches} of ${check.rows * check.outputs} test outputs - this is a bug; the model was not written`);
    await writeFileAtomic(out, result.bytes);
    await rm(checkpoint, { force: true });
    if (f.json) console.log(JSON.stringify({ output: out, method, metrics: result.metrics, deployment: check }, null, 2));
    else console.log(`wrote ${out} (${result.bytes.length} bytes); runtime (${check.backends.join(', ')}) equals the trainer on all ${check.rows * check.outputs} test outputs`);
  },
};
