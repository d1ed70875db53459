/**
 * @fileoverview `nmp train data.csv --target COL -o model.nmp`: trains, exports atomically, and checks that the runtime
 * reproduces the trainer's integer outputs on the test split. The checkpoint (<output>.ckpt, written atomically every
 * epoch) survives Ctrl-C; `--resume` continues from it. The model file only ever appears whole.
 */

import { access, constants, rm, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../../../formats/node-io.js';
import { DataError, DEFAULT_NA, fillValues, IMPUTE_STRATEGIES, readCsv, splitDataset, type CategoricalSpec, type Dataset, type Impute } from '../../train/data.js';
import { listCategories, rawColumnsOf } from '../../../formats/categories.js';
import { UsageError, UserError, type CommandSpec } from '../args.js';
import { checkDeployment } from '../../pipeline/deploy.js';
import { methodOptions, METHODS } from '../../pipeline/methods.js';
import { checkOptions, train, type Method, type Resolved, type TrainOptions } from '../../train/index.js';
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
  { group: 'data', name: 'target', type: 'string', help: 'target column (several: comma-separated, regression)' },
  { group: 'data', name: 'task', type: 'string', help: 'classification or regression (default: inferred from the target column, with its reason)' },
  { group: 'data', name: 'exclude', type: 'string', help: 'comma-separated columns to ignore (ids, text, label leaks)' },
  { group: 'data', name: 'ordinal', type: 'string', help: 'comma-separated text columns to encode as one input (category index; text columns are one-hot by default)' },
  { group: 'data', name: 'onehot', type: 'string', help: 'comma-separated columns of numbers to one-hot encode as categories (e.g. codes)' },
  { group: 'data', name: 'na', type: 'string', help: `comma-separated cell values that mean "missing", besides the empty cell`, default: DEFAULT_NA.join(',') },
  { group: 'data', name: 'impute', type: 'string', help: 'missing feature cells: error, mean, median, most-frequent (column statistics) or drop (the row)', default: 'error' },
  { group: 'data', name: 'test', type: 'string', help: 'test rows from this CSV file instead of a share of the data file' },
  { group: 'data', name: 'val', type: 'string', help: 'validation rows (early stopping, best epoch) from this CSV file instead of a share of the data file' },
  { group: 'data', name: 'split', type: 'string', help: 'train,val,test fractions of the data file, summing to 1 (a part given as a file: 0)', default: '0.8,0.1,0.1' },
  { group: 'data', name: 'stratify', type: 'boolean', help: 'classification: every class in each part of the split in proportion' },
  { group: 'data', name: 'max-rows', type: 'number', help: 'use at most this many rows of the data file (after shuffling)' },
  { group: 'model', name: 'hidden', type: 'string', help: 'hidden layer widths', default: '256,256' },
  { group: 'quantisation', name: 'quant', type: 'string', help: 'weights or weights+acts: what is quantised (default weights+acts; uniform weights: 16-bit activations)' },
  { group: 'quantisation', name: 'allocator', type: 'string', help: 'how nmp and layer choose widths: sensitivity (default) or hgq' },
  { group: 'quantisation', name: 'prune', type: 'boolean', help: 'nmp-paper: allow 0-bit (pruned) neurons (nmp and layer may always prune)' },
  { group: 'budget', name: 'target-bits', type: 'number', help: 'average weight bits (nmp and layer default 2)' },
  { group: 'budget', name: 'target-bytes', type: 'number', help: 'model file bytes (instead of --target-bits)' },
  { group: 'budget', name: 'target-act-bits', type: 'number', help: 'average activation bits of hidden neurons (nmp and layer default 4)' },
  { group: 'budget', name: 'target-input-bits', type: 'number', help: 'average input bits over features (default: the widest that helps)' },
  { group: 'training', name: 'epochs', type: 'number', help: "epochs of the method's own training (default: by data size)" },
  { group: 'training', name: 'float-epochs', type: 'number', help: 'quantised methods: epochs of float training first (default: by data size; 0 = none)' },
  { group: 'training', name: 'distill', type: 'number', help: 'weight 0..1 of distillation from the float model (default 0.5 after a float phase)' },
  { group: 'training', name: 'batch-size', type: 'number', help: 'mini-batch size (default: by data size)' },
  { group: 'training', name: 'optimizer', type: 'string', help: 'adam or sgd', default: 'adam' },
  { group: 'training', name: 'lr', type: 'number', help: 'peak learning rate (default 3e-3 Adam, 1e-2 SGD)' },
  { group: 'training', name: 'schedule', type: 'string', help: 'learning-rate schedule after one warm-up epoch: cosine (to 0 at the last epoch) or constant', default: 'cosine' },
  { group: 'training', name: 'lr-strength', type: 'number', help: 'nmp-paper: learning rate of the precision strengths (default 2e-3)' },
  { group: 'training', name: 'patience', type: 'number', help: 'early-stopping patience in epochs (default a third of the epochs, at least 5)' },
  { group: 'training', name: 'seed', type: 'number', help: 'seed of split, initialisation and batches', default: 1 },
];

/**
 * Trainer options of the flags for `method`, checked against the training split before any training: a flag that
 * cannot apply to the method, or an infeasible budget, is a usage error naming the feasible range.
 */
export function checkedTrainOptions(f: Record<string, unknown>, method: string, split: Split): TrainOptions {
  const options: TrainOptions = { ...methodFlag(method), ...trainOptionsFromFlags(f) };
  if (f.quant !== undefined && options.method === 'fp32') throw new UsageError('--quant does not apply to --method fp32 (nothing is quantised during training)');
  for (const rule of METHOD_ONLY_FLAGS) {
    if (f[rule.flag] !== undefined && !rule.methods.includes(options.method!)) {
      throw new UsageError(`--${rule.flag} does not apply to --method ${method}: ${rule.why} (it applies to ${rule.methods.join(', ')})`);
    }
  }
  if (f.distill !== undefined && f['float-epochs'] === 0) throw new UsageError('--distill needs a float phase to learn from - got --float-epochs 0, expected 1 or more');
  if (options.method === 'uniform' && options.quantizeActivations === false) {
    // Uniform QAT quantises activations at 8 bits; weights-only keeps them at the widest width.
    delete options.quantizeActivations;
    options.fixedActBits = 16;
  }
  let resolved: Resolved;
  try {
    resolved = checkOptions(split, options);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    // The trainer names its options; the user typed flags.
    const flag = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(`${e.message.replace('(quantizeActivations: true)', '(--quant weights+acts)').replace(/\b(targetBits|targetBytes|targetActBits|targetInputBits|floatEpochs|epochs|distill|batchSize|lrStrength|patience)\b/g, flag)} (--method ${method})`);
  }
  for (const w of smallDataWarnings(split, resolved.batch)) console.error(`warning: ${w}`);
  return options;
}

/** Flags only some methods read: with another method they would silently do nothing. */
const METHOD_ONLY_FLAGS: { flag: string; methods: Method[]; why: string }[] = [
  { flag: 'lr-strength', methods: ['nmp-paper'], why: 'only nmp-paper learns precision strengths' },
  { flag: 'allocator', methods: ['nmp', 'layer'], why: 'it chooses how nmp and layer allocate widths (nmp-paper learns them; fixed-width methods have none to choose)' },
  { flag: 'prune', methods: ['nmp', 'layer', 'nmp-paper'], why: 'fixed-width methods never prune' },
  { flag: 'float-epochs', methods: ['nmp', 'layer', 'nmp-paper', 'uniform'], why: 'fp32 is the float training itself (use --epochs)' },
  { flag: 'distill', methods: ['nmp', 'layer', 'nmp-paper', 'uniform'], why: 'fp32 has no float model to learn from' },
];

/** Fewest optimiser steps per epoch before the schedule and early stopping work on too few updates to mean much. */
const MIN_STEPS_PER_EPOCH = 10;
/** Below this many test rows, one row moves the test accuracy by more than 1 %. */
const MIN_TEST_ROWS = 100;

/** Warnings about a split too small for the numbers it will produce to mean much (stderr; training goes on). */
export function smallDataWarnings(split: Split, batch: number): string[] {
  const out: string[] = [];
  const steps = Math.ceil(split.train.rows / batch);
  if (steps < MIN_STEPS_PER_EPOCH) {
    out.push(`${split.train.rows} training rows at batch size ${batch} give ${steps} optimiser steps per epoch (fewer than ${MIN_STEPS_PER_EPOCH}); --batch-size ${Math.max(1, Math.floor(split.train.rows / MIN_STEPS_PER_EPOCH))} or less gives ${MIN_STEPS_PER_EPOCH}`);
  }
  if (split.test.rows < MIN_TEST_ROWS) {
    const step = split.test.task === 'classification' ? `: one row moves test accuracy by ${(100 / Math.max(1, split.test.rows)).toFixed(1)} %` : '';
    out.push(`the test split has ${split.test.rows} rows${step}; --test FILE or a larger --split test share gives a steadier figure`);
  }
  return out;
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
  const schedule = f.schedule as 'cosine' | 'constant' | undefined;
  if (schedule !== undefined && schedule !== 'cosine' && schedule !== 'constant') throw new UsageError(`--schedule must be cosine or constant, got '${schedule}'`);
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
    patience: f.patience as number | undefined, optimizer: opt, schedule, seed: (f.seed as number | undefined) ?? 1,
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
  const parts = splitFlag(f); // a usage error before reading a large file
  const targets = target.split(',').map((s) => s.trim());
  const exclude = f.exclude === undefined ? undefined : String(f.exclude).split(',').map((c) => c.trim()).filter(Boolean);
  const categorical: CategoricalSpec[] = [
    ...columnsFlag(f.ordinal).map((column) => ({ column, encoding: 'ordinal' as const })),
    ...columnsFlag(f.onehot).map((column) => ({ column, encoding: 'one_hot' as const })),
  ];
  let ds: Dataset;
  const textErrors = new Map<string, DataError>(); // columns one-hot encoded because of text, and the text found
  for (;;) {
    try {
      ds = await readCsv(path, { target: targets.length > 1 ? targets : targets[0], task, impute, exclude, na: naFlag(f.na), hints: CSV_HINTS, categorical });
      break;
    } catch (e) {
      // A text column found while reading: read again with it one-hot encoded (one pass per text column; the
      // streaming reader keeps numbers only, so the earlier rows' text is gone by the time it is found).
      if (!(e instanceof DataError && e.textColumn !== undefined && !categorical.some((c) => c.column === e.textColumn))) throw e;
      categorical.push({ column: e.textColumn, encoding: 'one_hot' });
      textErrors.set(e.textColumn, e);
    }
  }
  for (const c of ds.categories ?? []) {
    // Mostly numbers and some text is a numeric column with an unlisted missing-value token, not categories.
    const error = textErrors.get(c.column);
    if (error && c.values.filter((v) => Number.isFinite(Number(v))).length * 2 >= c.values.length) {
      throw new DataError(`${error.message}, or --onehot ${shellWord(c.column)} if its numbers are category codes`);
    }
  }
  for (const c of ds.categories ?? []) {
    const how = c.encoding === 'one_hot' ? `one-hot, ${c.values.length} inputs` : `ordinal, one input 0..${c.values.length - 1}`;
    const instead = c.encoding === 'one_hot' ? `--ordinal ${shellWord(c.column)} for one input, ` : '';
    console.error(`${ds.source}: column "${c.column}" holds ${c.values.length} categories (${listCategories(c.values)}): ${how}, encoded by the model itself (${instead}--exclude ${shellWord(c.column)} to leave it out)`);
  }
  if (ds.taskAmbiguous && task === undefined) {
    throw new UsageError(`cannot tell the task: target ${ds.taskReason} - pass --task classification (one class per value) or --task regression (a quantity)`);
  }
  const report = missingReport(ds);
  if (report) console.error(report);
  if (f.stratify && ds.task !== 'classification') throw new UsageError(`--stratify applies to classification (classes kept in proportion) - this task is ${ds.task}`);
  const split = splitDataset(ds, { seed: (f.seed as number | undefined) ?? 1, maxRows: f['max-rows'] as number | undefined, valFraction: parts.val, testFraction: parts.test, stratify: Boolean(f.stratify) });
  // Held-out files are read as the training file was: its feature columns, classes and fill values.
  const heldOut = async (file: string) => {
    const held = await readCsv(file, {
      target: ds.targetNames.length > 1 ? ds.targetNames : ds.targetNames[0], task: ds.task, features: rawColumnsOf(ds),
      categorical: ds.categories?.map((c) => ({ column: c.column, encoding: c.encoding, values: c.values })),
      classes: ds.classes ?? undefined, minClasses: 1, impute, na: naFlag(f.na), hints: CSV_HINTS,
      fill: impute === 'mean' || impute === 'median' || impute === 'most-frequent' ? fillValues(ds, impute) : undefined,
    });
    const r = missingReport(held);
    if (r) console.error(r.replace(/by (mean|median|most-frequent):/, `by the training file's $1:`));
    return held;
  };
  if (f.val !== undefined) split.val = await heldOut(String(f.val));
  if (f.test !== undefined) split.test = await heldOut(String(f.test));
  return { ds, split };
}

/**
 * --split as validation and test fractions of the data file. A part read from its own file (--val, --test) takes no
 * share; the default gives it to training. Early stopping needs validation rows and the deployment check test rows.
 */
export function splitFlag(f: Record<string, unknown>): { val: number; test: number } {
  const valFile = f.val !== undefined, testFile = f.test !== undefined;
  if (f.split === undefined) return { val: valFile ? 0 : 0.1, test: testFile ? 0 : 0.1 };
  const raw = String(f.split);
  const parts = raw.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p < 0 || p > 1) || Math.abs(parts[0] + parts[1] + parts[2] - 1) > 1e-6) {
    throw new UsageError(`--split takes train,val,test fractions 0..1 summing to 1, e.g. 0.8,0.1,0.1 - got '${raw}'`);
  }
  const [train, val, test] = parts;
  const n = (x: number) => Number(x.toFixed(6));
  if (!(train > 0)) throw new UsageError(`--split leaves no training rows - got '${raw}', expected a train fraction above 0`);
  if (valFile && val > 0) throw new UsageError(`--split gives ${val} of the rows to validation, but --val reads it from a file - expected ${n(train + val)},0,${test}`);
  if (testFile && test > 0) throw new UsageError(`--split gives ${test} of the rows to test, but --test reads it from a file - expected ${n(train + test)},${val},0`);
  if (!valFile && val === 0) throw new UsageError(`--split leaves no validation rows (early stopping and the best epoch need them) - got '${raw}'; give val a share or pass --val FILE`);
  if (!testFile && test === 0) throw new UsageError(`--split leaves no test rows (the reported accuracy and the runtime check need them) - got '${raw}'; give test a share or pass --test FILE`);
  return { val, test };
}

/** " (val: v.csv, test: t.csv)" when parts come from their own files. */
export function heldOutNote(f: Record<string, unknown>): string {
  const files = (['val', 'test'] as const).filter((k) => f[k] !== undefined).map((k) => `${k}: ${String(f[k])}`);
  return files.length ? ` (${files.join(', ')})` : '';
}

/** The trainer's data errors, with the flags that fix them. */
export const CSV_HINTS = {
  missing: 'pass --impute mean (or median, most-frequent, drop) to fill or drop missing cells',
  drop: '--impute drop',
  text: (column: string, value: string) => `if the column holds free text or ids, pass --exclude ${shellWord(column)} to leave it out; if "${value}" marks a missing value, list it in --na`,
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

/** A comma-separated column list flag. */
function columnsFlag(v: unknown): string[] {
  return v === undefined ? [] : String(v).split(',').map((c) => c.trim()).filter(Boolean);
}

/** --na as tokens; '' is accepted and means nothing more than the empty cell, which is always missing. */
export function naFlag(v: unknown): string[] | undefined {
  return v === undefined ? undefined : String(v).split(',').map((t) => t.trim()).filter(Boolean);
}

/** One line per data set with missing cells: what was imputed per column (or how many rows were dropped). */
export function missingReport(ds: Dataset): string | null {
  const m = ds.missing;
  if (!m) return null;
  const filled = (c: (typeof m.columns)[number]) => (c.category !== undefined ? `"${c.category}"` : Number(c.fill!.toPrecision(6)));
  const cols = m.columns.map((c) => `${c.name} ${c.count}${c.fill === null ? '' : ` (filled ${filled(c)})`}`).join(', ');
  if (m.strategy === 'drop') return `${ds.source}: dropped ${m.droppedRows} rows with missing cells${cols ? ` (missing per column: ${cols})` : ''}`;
  return `${ds.source}: imputed missing cells by ${m.strategy}: ${cols}`;
}

export const trainCommand: CommandSpec = {
  name: 'train',
  summary: 'Train a model on a CSV file (NMP-QAT by default), export it atomically, and check the runtime reproduces the trainer bit for bit.',
  positionals: [{ name: 'data', help: 'CSV file (plain or .gz) with a header row' }],
  flags: [
    { group: 'quantisation', name: 'method', type: 'string', help: METHODS.join(' | '), default: 'nmp' },
    ...TRAIN_FLAGS,
    { group: 'output', name: 'output', alias: 'o', type: 'string', help: 'model file to write', default: 'model.nmp' },
    { group: 'output', name: 'resume', type: 'boolean', help: 'continue from <output>.ckpt if present' },
    { group: 'output', name: 'log', type: 'string', help: 'JSON-lines run log (one record per epoch)' },
    { group: 'output', name: 'json', type: 'boolean', help: 'print the final metrics as JSON' },
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
    console.error(`${ds.source}: ${ds.rows} rows, ${ds.features} features, ${describeTask(ds, f.task !== undefined)}; train/val/test ${split.train.rows}/${split.val.rows}/${split.test.rows}${heldOutNote(f)}; method ${method}; checkpoint ${checkpoint}`);
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
