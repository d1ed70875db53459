/**
 * @fileoverview `train()`: the run loop around a Trainer — epochs with early stopping on validation (within budget
 * first), the freeze, progress lines, the JSON-lines log, checkpoints and resume, then export of the best epoch and
 * metrics of the exported integer model.
 */

import { appendFile } from 'node:fs/promises';
import { encodeModel } from '../../formats/index.js';
import type { ModelInput } from '../../formats/index.js';
import { writeFileAtomic } from '../../formats/node-io.js';
import type { LayerHistogram } from './budget.js';
import { bytesOf, f32Of, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { splitDataset, type Dataset } from './data.js';
import { evaluateModel, type Metrics } from './intforward.js';
import type { TrainOptions } from './options.js';
import { Trainer } from './trainer.js';

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
    const ck = await readCheckpoint(options.checkpoint, t.log.options);
    if (ck) {
      t.setState(ck.state);
      best = ck.best;
      bestSnap = ck.bestSnap.map(f32Of);
      bestEpoch = ck.bestEpoch;
      stale = ck.stale;
      startEpoch = ck.epoch + 1;
      t.log.epochs.push(...ck.epochs);
    }
  }
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
    if (out) {
      const metricName = data.train.task === 'classification' ? 'val_acc' : 'val_mse';
      const line = `epoch ${epoch}/${r.epochs}  loss ${fmt(loss)}  ${metricName} ${fmt(data.train.task === 'classification' ? val : -val)}  wbits ${fmt(rec.avgWeightBits, 2)}  abits ${fmt(rec.avgActBits, 2)}  ${Math.round(rec.samplesPerSecond)} samples/s`;
      out.write(out.isTTY ? `\r\x1b[2K${line}\n` : `${line}\n`);
    }
    if (options.jsonLog) await appendFile(options.jsonLog, JSON.stringify({ type: 'epoch', ...rec }) + '\n');
    if (options.checkpoint) {
      await writeCheckpoint(options.checkpoint, {
        options: t.log.options, epoch, state: t.state(), best, bestSnap: bestSnap.map(bytesOf), bestEpoch, stale, epochs: t.log.epochs,
      });
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
