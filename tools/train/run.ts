/**
 * @fileoverview `train()`: the run loop around Trainers. Quantised methods train in two phases by default: float
 * training, then quantisation-aware training from the best float weights with distillation from the float model. Each
 * phase runs epochs with early stopping on validation (within budget first), the freeze, progress lines, the JSON-lines
 * log and checkpoints; then the best epoch is exported and scored as the integer model it is.
 */

import { appendFile } from 'node:fs/promises';
import { encodeModel } from '../../formats/index.js';
import type { ModelInput } from '../../formats/index.js';
import { writeFileAtomic } from '../../formats/node-io.js';
import type { LayerHistogram } from './budget.js';
import { bytesOf, f32Of, readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import { splitDataset, type Dataset } from './data.js';
import { evaluateModel, type Metrics } from './intforward.js';
import { resolveOptions, type Resolved, type TrainOptions } from './options.js';
import { Trainer } from './trainer.js';

export interface EpochRecord {
  /** Float training before quantisation-aware training, or the method's own phase. */
  phase: 'float' | 'main';
  epoch: number;
  loss: number;
  /** Validation metric of the float fake-quant graph that selects the best epoch: accuracy, or negated MSE in standardised units. */
  val: number;
  /** Regression: validation MSE of the float fake-quant graph in target units (what the progress line shows as val_mse). */
  valMse?: number;
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
  /** Epochs of the method's own phase. */
  epochs: EpochRecord[];
  bestEpoch: number;
  /** The float phase before quantisation-aware training, when there was one. */
  float?: { epochs: EpochRecord[]; bestEpoch: number };
  warnings: string[];
}

/** An exported model: the file, its decoded input and the metrics of the integer model. */
export interface ExportedModel {
  model: ModelInput;
  bytes: Uint8Array;
  /** Metrics of the exported integer model (val_*, test_* when given), plus sizes. */
  metrics: Metrics;
}

/**
 * A finished float phase, reusable by other quantised runs on the same split with the same float options (pass it as
 * `floatPhase`): methods compared on one split then share one float model, and train only their own phase.
 */
export interface FloatPhase {
  /** Identity of the float run (its resolved options and data); a run with another one refuses it. */
  key: string;
  snapshot: Float32Array[];
  epochs: EpochRecord[];
  bestEpoch: number;
}

export interface TrainResult extends ExportedModel {
  log: RunLog;
  /** The float phase's model exported as the fp32 method exports (8-bit post-training quantisation), when there was one. */
  floatModel?: ExportedModel;
  /** The float phase, for reuse (see FloatPhase). */
  floatPhase?: FloatPhase;
}

export interface TrainHooks {
  onEpoch?: (record: EpochRecord) => void;
}

type Split = { train: Dataset; val: Dataset; test?: Dataset };

function fmt(x: number, d = 4): string {
  return Number.isFinite(x) ? x.toFixed(d) : String(x);
}

const WARM_UP = '(warm-up epoch: slower while the code compiles)';
/** Terminal columns of the bar itself. */
const BAR_WIDTH = 24;
/** Redraws at most this often: a terminal write per batch would cost more than small batches. */
const BAR_INTERVAL_MS = 100;

/**
 * A live progress line for one epoch on a terminal: a bar of the rows done, rows, ETA and the current average widths.
 * Returns the per-batch callback of `Trainer.runEpoch`; the epoch's summary line later clears it.
 */
function progressBar(out: NodeJS.WritableStream, title: string, rows: number, t0: number, warmUp: boolean, t: Trainer): (done: number) => void {
  let last = 0;
  return (done) => {
    const now = performance.now();
    if (now - last < BAR_INTERVAL_MS || done >= rows) return;
    last = now;
    const filled = Math.round((BAR_WIDTH * done) / rows);
    const eta = ((now - t0) / done) * (rows - done) / 1000;
    const bits = `wbits ${fmt(t.budget.avgWeightBits(), 2)}  abits ${fmt(t.budget.avgActBits(), 2)}`;
    out.write(`\r\x1b[2K${title} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${rows} rows  ETA ${formatSeconds(eta)}  ${bits}${warmUp ? `  ${WARM_UP}` : ''}`);
  };
}

function formatSeconds(s: number): string {
  return s < 60 ? `${Math.ceil(s)}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Six significant digits: target units may be large (house prices) or small. */
function fmtSig(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}

/** Where a phase resumes, and what its checkpoints carry besides its own state. */
interface PhaseContext {
  options: TrainOptions;
  data: Split;
  hooks: TrainHooks;
  phase: Checkpoint['phase'];
  /** Resolved options of the whole run (checkpoint identity). */
  runOptions: Record<string, unknown>;
  resume: Checkpoint | null;
  /** Fields every checkpoint of this phase repeats (the float phase's result, in the main phase). */
  carry: Partial<Checkpoint>;
}

/** Runs one trainer's epochs with early stopping; leaves it at its best epoch and records that epoch in its log. */
async function runPhase(t: Trainer, ctx: PhaseContext): Promise<void> {
  const r = t.r;
  const { options, data } = ctx;
  const out = options.progress;
  const label = ctx.phase === 'float' ? 'float ' : '';
  let best = -Infinity;
  let bestSnap = t.snapshot();
  let bestEpoch = 0;
  let stale = 0;
  let startEpoch = 1;
  const ck = ctx.resume;
  if (ck) {
    t.setState(ck.state);
    best = ck.best;
    bestSnap = ck.bestSnap.map(f32Of);
    bestEpoch = ck.bestEpoch;
    stale = ck.stale;
    startEpoch = ck.epoch + 1;
    t.log.epochs.push(...ck.epochs);
  }
  for (let epoch = startEpoch; epoch <= r.epochs && stale < r.patience; epoch++) {
    if (r.freezeAt !== null && r.freezeAt > 0 && epoch === r.freezeAt + 1 && !t.frozen) {
      t.log.warnings.push(...t.freeze());
      // Scores before the freeze belong to other widths: selection restarts.
      best = -Infinity;
      stale = 0;
    }
    const t0 = performance.now();
    const bar = out?.isTTY ? progressBar(out, `${label}epoch ${epoch}/${r.epochs}`, data.train.rows, t0, epoch === startEpoch, t) : undefined;
    const loss = t.runEpoch(bar);
    const seconds = (performance.now() - t0) / 1000;
    const val = t.validate();
    const rec: EpochRecord = {
      phase: ctx.phase, epoch, loss, val, ...(data.train.task === 'regression' ? { valMse: t.valMse } : {}),
      avgWeightBits: t.budget.avgWeightBits(),
      avgActBits: t.budget.avgActBits(),
      lambda: t.budget.lambda,
      lambdaAct: t.budget.lambdaAct,
      histogram: t.budget.histogram(),
      seconds,
      samplesPerSecond: data.train.rows / seconds,
    };
    t.log.epochs.push(rec);
    // Within budget beats out of budget; then the validation metric.
    const ok = t.budget.met();
    const score = val + (ok ? 10 : 0);
    if (score > best) {
      best = score;
      bestSnap = t.snapshot();
      bestEpoch = epoch;
      stale = 0;
    } else if (ok || best < 5) stale++; // an epoch over budget while the controller settles does not count against patience
    t.log.warnings.push(...t.endEpoch(epoch));
    if (out) {
      // The names of the final metrics, in the same units: val_mse in target units; the training loss of regression is
      // on standardised targets, so it is named scaled_loss.
      const metric = data.train.task === 'classification' ? `loss ${fmt(loss)}  val_accuracy ${fmt(val)}` : `scaled_loss ${fmt(loss)}  val_mse ${fmtSig(rec.valMse!)}`;
      const line = `${label}epoch ${epoch}/${r.epochs}  ${metric}  wbits ${fmt(rec.avgWeightBits, 2)}  abits ${fmt(rec.avgActBits, 2)}  ${Math.round(rec.samplesPerSecond)} samples/s`;
      // The first epoch of a run compiles and warms up (often 5-20x slower): on a terminal, say so.
      out.write(out.isTTY ? `\r\x1b[2K${line}${epoch === startEpoch ? ` ${WARM_UP}` : ''}\n` : `${line}\n`);
    }
    if (options.jsonLog) await appendFile(options.jsonLog, JSON.stringify({ type: 'epoch', ...rec }) + '\n');
    if (options.checkpoint) {
      await writeCheckpoint(options.checkpoint, {
        ...ctx.carry, options: ctx.runOptions, phase: ctx.phase, epoch, state: t.state(), best, bestSnap: bestSnap.map(bytesOf), bestEpoch, stale, epochs: t.log.epochs,
      });
    }
    ctx.hooks.onEpoch?.(rec);
  }
  t.restore(bestSnap);
  t.log.bestEpoch = bestEpoch;
}

/** Exports a trainer at its current parameters and scores the integer model on val and test. */
function exportModel(t: Trainer, data: Split, options: TrainOptions): ExportedModel {
  const { model, changes } = t.buildModel({});
  t.log.warnings.push(...changes);
  const metrics: Metrics = {};
  for (const [name, ds] of [['val', data.val], ['test', data.test]] as const) {
    if (!ds || ds.rows === 0) continue;
    const m = evaluateModel(model, ds, { useWasm: options.useWasm ?? true });
    for (const [k, v] of Object.entries(m)) metrics[`${name}_${k}`] = v;
  }
  let wsum = 0;
  let wn = 0;
  let asum = 0;
  let an = 0;
  for (const l of model.layers) {
    for (let j = 0; j < l.outFeatures; j++) { wsum += l.weightBits[j] * l.inFeatures; wn += l.inFeatures; }
    if (l.act) for (let j = 0; j < l.outFeatures; j++) { asum += l.act.bits[j]; an++; }
  }
  metrics.avg_weight_bits = wsum / wn;
  metrics.avg_act_bits = an ? asum / an : 0;
  metrics.avg_input_bits = model.input.bits.reduce((a, b) => a + b, 0) / model.input.bits.length;
  model.meta.provenance.metrics = { ...metrics };
  model.meta.provenance.createdAt = options.createdAt ?? new Date().toISOString();
  const bytes = encodeModel(model);
  metrics.model_bytes = bytes.length;
  return { model, bytes, metrics };
}

/** Options of a float run (the fp32 method, or the float phase of a quantised one): only what float training reads. */
function floatOptions(r: Resolved, epochs: number, options: TrainOptions): TrainOptions {
  return {
    method: 'fp32', epochs, hidden: r.hidden, batchSize: r.batch, optimizer: r.optimizer, lr: r.lr, momentum: r.momentum,
    weightDecay: r.weightDecay, schedule: r.schedule, warmupEpochs: r.warmupEpochs, seed: r.seed, inputBits: r.inputBits, inputClip: r.inputClip,
    patience: options.patience, useWasm: options.useWasm, createdAt: options.createdAt, datasetName: options.datasetName,
  };
}

/** Identity of a float run: its resolved options and data (FloatPhase.key). */
const floatKey = (t: Trainer) => JSON.stringify({ options: t.log.options, data: t.log.data });

/**
 * Resolves and checks `options` for this split before any training: every option (RangeError naming it), and budgets
 * against the network's shapes (a budget no choice of widths can meet names the smallest feasible value).
 */
export function checkOptions(data: Split, options: TrainOptions): Resolved {
  const resolved = resolveOptions(options, data.train.rows);
  // Feasibility needs the shapes: a throwaway session checks it (cheap: no training, no float phase).
  if (resolved.allocator === 'sensitivity' || resolved.allocator === 'hgq') new Trainer(data.train, data.val, { ...options, floatEpochs: 0, distill: 0 });
  return resolved;
}

/**
 * Trains on `train`, early-stops on `val`, exports the best epoch, and reports metrics of the exported integer model
 * on val (and test when given).
 */
export async function train(
  input: Dataset | Split,
  options: TrainOptions & { valFraction?: number; testFraction?: number; floatPhase?: FloatPhase } = {},
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  // A whole data set is split here with the run's seed (defaults 10 % validation, 10 % test).
  const data = 'x' in input ? splitDataset(input, { seed: options.seed ?? 1, valFraction: options.valFraction, testFraction: options.testFraction }) : input;
  const resolved = checkOptions(data, options);
  const runOptions: Record<string, unknown> = { ...resolved };
  const ck = options.checkpoint && options.resume ? await readCheckpoint(options.checkpoint, runOptions) : null;
  const base = { options, data, hooks, runOptions };
  let floatModel: ExportedModel | undefined;
  let init: ConstructorParameters<typeof Trainer>[3];
  let carry: Partial<Checkpoint> = {};
  let floatPhase: FloatPhase | undefined;
  if (resolved.floatEpochs > 0) {
    // Float phase: the same network and data as the fp32 method, for floatEpochs.
    const r = resolved;
    const f = new Trainer(data.train, data.val, floatOptions(r, r.floatEpochs, options));
    const key = floatKey(f);
    const done = options.floatPhase ?? (ck?.phase === 'main' ? { key, snapshot: ck.floatSnap!.map(f32Of), epochs: ck.floatEpochs!, bestEpoch: ck.floatBestEpoch! } : null);
    if (done) {
      if (done.key !== key) throw new Error('floatPhase belongs to another split or other float options - expected one from a run on this split with these options');
      f.restore(done.snapshot);
      f.log.epochs.push(...done.epochs);
      f.log.bestEpoch = done.bestEpoch;
    } else {
      await runPhase(f, { ...base, phase: 'float', resume: ck?.phase === 'float' ? ck : null, carry: {} });
    }
    floatPhase = done ?? { key, snapshot: f.snapshot(), epochs: f.log.epochs, bestEpoch: f.log.bestEpoch };
    floatModel = exportModel(f, data, options);
    const teacher = resolved.distill > 0 ? { targets: f.distillTargets(resolved.distillTemperature), weight: resolved.distill, temperature: resolved.distillTemperature } : null;
    init = { weights: f.weights(), teacher, calibration: resolved.allocator === 'sensitivity' ? f.calibrate() : null };
    carry = { floatSnap: floatPhase.snapshot.map(bytesOf), floatEpochs: f.log.epochs, floatBestEpoch: f.log.bestEpoch };
  }
  // The fp32 method is the float phase of every quantised method trained alone: same options, same run, reusable.
  const t = resolved.method === 'fp32' ? new Trainer(data.train, data.val, floatOptions(resolved, resolved.epochs, options)) : new Trainer(data.train, data.val, options, init);
  if (floatModel) t.log.float = { epochs: carry.floatEpochs!, bestEpoch: carry.floatBestEpoch! };
  await runPhase(t, { ...base, phase: 'main', resume: ck?.phase === 'main' ? ck : null, carry });
  const r = t.r;
  const result = exportModel(t, data, options);
  const { bytes, metrics } = result;
  // Temp file + rename: an interrupted run leaves the old file or none, never half of a new one.
  if (options.out) await writeFileAtomic(options.out, bytes);
  if (r.targetBytes !== null && bytes.length > r.targetBytes) t.log.warnings.push(`model is ${bytes.length} bytes, over targetBytes ${r.targetBytes}`);
  if (r.targetBits !== null && metrics.avg_weight_bits > r.targetBits + 1e-9) t.log.warnings.push(`average weight bits ${metrics.avg_weight_bits.toFixed(3)} over targetBits ${r.targetBits}`);
  if (options.jsonLog) await appendFile(options.jsonLog, JSON.stringify({ type: 'final', bestEpoch: t.log.bestEpoch, metrics, warnings: t.log.warnings }) + '\n');
  const out = options.progress;
  if (out) out.write(`best epoch ${t.log.bestEpoch}: ${Object.entries(metrics).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`).join('  ')}\n`);
  if (resolved.method === 'fp32') floatPhase = { key: floatKey(t), snapshot: t.snapshot(), epochs: t.log.epochs, bestEpoch: t.log.bestEpoch };
  return { ...result, log: t.log, ...(floatModel ? { floatModel } : {}), ...(floatPhase ? { floatPhase } : {}) };
}
