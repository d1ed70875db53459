/**
 * @fileoverview The training session: one data split, one network, its width learner and budget; runs epochs,
 * validates, freezes widths, snapshots and restores. `train()` (run.ts) drives it; benchmarks use it directly.
 */

import { encodeModel } from '../../formats/index.js';
import { Budget } from './budget.js';
import { bytesOf, f32Of, u32Of, type TrainerState } from './checkpoint.js';
import type { Dataset } from './data.js';
import { buildModel, type ExportContext } from './export.js';
import { fitInputQuant, quantizeInputs, type InputQuant } from './inputs.js';
import type { Metrics } from './intforward.js';
import { Network, type BackwardHooks } from './network.js';
import { resolveOptions, type Resolved, type TrainOptions } from './options.js';
import { Rng } from './rng.js';
import type { RunLog } from './run.js';
import { foldStrengthGrad, updateWidths, weightStrengthGrad } from './strengths.js';

export class Trainer {
  readonly r: Resolved;
  readonly net: Network;
  readonly budget: Budget;
  readonly iq: InputQuant;
  readonly outputs: number;
  readonly log: RunLog;
  /** Strengths frozen (after `freezeAt` epochs): widths fixed, weights keep training. */
  frozen = false;
  readonly #rng: Rng;
  readonly #xTrain: Float32Array;
  readonly #xVal: Float32Array;
  readonly #yTrain: Float32Array | Int32Array;
  readonly #yVal: Float32Array | Int32Array;
  readonly #export: ExportContext;
  readonly #hooks: BackwardHooks;

  constructor(readonly train: Dataset, readonly val: Dataset, readonly options: TrainOptions = {}) {
    this.r = resolveOptions(options);
    const r = this.r;
    if (train.rows < 1) throw new RangeError(`${train.source}: no training rows`);
    this.#rng = new Rng(r.seed);
    this.iq = fitInputQuant(train, r.inputBits, r.inputClip);
    this.#xTrain = quantizeInputs(train, this.iq);
    this.#xVal = quantizeInputs(val, this.iq);
    const T = train.task === 'classification' ? train.classes!.length : train.targetNames.length;
    this.outputs = T;
    const targetMean = new Float64Array(T);
    const targetStd = new Float64Array(T).fill(1);
    if (train.task === 'regression') {
      for (let t = 0; t < T; t++) {
        let s = 0;
        let s2 = 0;
        for (let i = 0; i < train.rows; i++) s += train.targets![i * T + t];
        const mu = s / train.rows;
        for (let i = 0; i < train.rows; i++) s2 += (train.targets![i * T + t] - mu) ** 2;
        targetMean[t] = mu;
        targetStd[t] = Math.sqrt(s2 / train.rows) || 1;
      }
      const standardise = (ds: Dataset) => {
        const y = new Float32Array(ds.rows * T);
        for (let i = 0; i < ds.rows * T; i++) y[i] = (ds.targets![i] - targetMean[i % T]) / targetStd[i % T];
        return y;
      };
      this.#yTrain = standardise(train);
      this.#yVal = standardise(val);
    } else {
      this.#yTrain = train.labels!;
      this.#yVal = val.labels!;
    }
    this.net = new Network(r, [train.features, ...r.hidden, T], this.iq.scale, this.#rng, options.useWasm ?? true);
    const method = r.method === 'uniform' ? `uniform:${options.uniformBits ?? 2}` : r.learnW !== 'none' && r.learnA === 'none' ? `${r.method}:weights` : r.method;
    this.#export = {
      net: this.net, train, xTrain: this.#xTrain, iq: this.iq, targetMean, targetStd, method,
      datasetName: options.datasetName ?? train.source,
    };
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
    updateWidths(this.net);
    let targetBits = r.targetBits;
    let overhead = 0;
    if (r.targetBytes !== null) {
      overhead = this.#estimateBytes(0);
      const tb = (r.targetBytes - overhead) / (this.net.totalWeights / 8);
      if (tb < (r.weightBitsMenu[0] || 0)) this.log.warnings.push(`targetBytes ${r.targetBytes} leaves ${tb.toFixed(3)} bits per weight after ${overhead} bytes of fixed overhead`);
      targetBits = targetBits === null ? tb : Math.min(targetBits, tb);
    }
    this.budget = new Budget(this.net, targetBits, overhead);
    const budget = this.budget;
    this.#hooks = {
      weightStrengths: r.learnW !== 'none' ? (st, slopes) => weightStrengthGrad(this.net, st, slopes, budget.weightPrice(st.in)) : null,
      actStrengths: r.learnA !== 'none' ? { price: null } : null,
      foldStrengths: r.learnA !== 'none' && r.actFoldGrad && r.actScale === 'clip' ? (st, prev, slopes) => foldStrengthGrad(this.net, st, prev, slopes) : null,
    };
    updateWidths(this.net);
    this.net.calibrateAlpha(this.#xTrain, Math.min(r.batch, train.rows));
    if (r.freezeAt === 0) this.log.warnings.push(...this.freeze());
  }

  /** Estimated file bytes when every neuron has `bits` weight bits (0: the fixed overhead). */
  #estimateBytes(bits: number): number {
    const layers = this.net.layers;
    const saved = layers.map((l) => l.weightBits.slice());
    for (const l of layers) l.weightBits.fill(bits);
    // The final file also carries the metrics and the export time; account for them with placeholders of the same size.
    const keys = this.train.task === 'classification' ? ['accuracy', 'f1_macro'] : ['mse', ...(this.outputs > 1 ? this.train.targetNames.map((n) => `mse_${n}`) : [])];
    const metrics: Metrics = { avg_weight_bits: Math.PI, avg_act_bits: Math.PI };
    for (const k of keys) { metrics[`val_${k}`] = Math.PI; metrics[`test_${k}`] = Math.PI; }
    const { model } = buildModel(this.#export, metrics, true);
    model.meta.provenance.createdAt = new Date(0).toISOString();
    for (let i = 0; i < layers.length; i++) layers[i].weightBits.set(saved[i]);
    return encodeModel(model).length;
  }

  /** Freezes the widths and enforces (or, in 'fill' mode, tops up) the budget; returns the moves for the run log. */
  freeze(): string[] {
    this.frozen = true;
    return this.budget.enforce();
  }

  /** One epoch over the training split; returns the mean loss. */
  runEpoch(): number {
    const net = this.net;
    const n = this.train.rows;
    const F = this.train.features;
    const B = this.r.batch;
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    this.#rng.shuffle(perm);
    const steps = Math.ceil(n / B);
    const classification = this.train.task === 'classification';
    let loss = 0;
    for (let start = 0; start < n; start += B) {
      const M = Math.min(B, n - start);
      for (let i = 0; i < M; i++) net.Xb.set(this.#xTrain.subarray(perm[start + i] * F, perm[start + i] * F + F), i * F);
      net.prepareAll();
      net.forward(M);
      loss += net.lossAndGrad(classification, M, this.#yTrain, perm, start) * M;
      const hooks = this.#hooks;
      if (this.frozen) net.backward(M, { weightStrengths: null, actStrengths: null, foldStrengths: null });
      else {
        if (hooks.actStrengths) hooks.actStrengths.price = this.budget.actPrice();
        net.backward(M, hooks);
      }
      net.optimizerStep(steps, this.frozen);
      if (!this.frozen) {
        updateWidths(net);
        this.budget.control();
      }
    }
    return loss / n;
  }

  /** Validation metric of the float fake-quant graph: accuracy (higher is better) or standardised MSE (negated). */
  validate(): number {
    const ds = this.val;
    if (ds.rows === 0) return 0;
    const net = this.net;
    const F = ds.features;
    const B = this.r.batch;
    net.prepareAll();
    let score = 0;
    for (let start = 0; start < ds.rows; start += B) {
      const M = Math.min(B, ds.rows - start);
      net.Xb.set(this.#xVal.subarray(start * F, (start + M) * F));
      const Z = net.forward(M);
      const C = this.outputs;
      if (ds.task === 'classification') {
        for (let i = 0; i < M; i++) {
          let best = 0;
          for (let c = 1; c < C; c++) if (Z[i * C + c] > Z[i * C + best]) best = c;
          if (best === (this.#yVal as Int32Array)[start + i]) score++;
        }
      } else {
        for (let i = 0; i < M * C; i++) score -= (Z[i] - (this.#yVal as Float32Array)[start * C + i]) ** 2 / C;
      }
    }
    return score / ds.rows;
  }

  /** Builds the format-v1 model of the current parameters (export.ts). */
  buildModel(metrics: Metrics, quiet = false): ReturnType<typeof buildModel> {
    return buildModel(this.#export, metrics, quiet);
  }

  /** Parameters that define the model (for best-epoch snapshots and checkpoints). */
  snapshot(): Float32Array[] {
    return this.net.layers.flatMap((st) => [st.W.slice(), st.b.slice(), st.weightStrength.slice(), st.actStrength.slice(), st.alpha.slice(), Float32Array.from(st.weightBits), Float32Array.from(st.actBits)]);
  }

  restore(snap: Float32Array[]): void {
    this.net.layers.forEach((st, i) => {
      st.W.set(snap[7 * i]);
      st.b.set(snap[7 * i + 1]);
      st.weightStrength.set(snap[7 * i + 2]);
      st.actStrength.set(snap[7 * i + 3]);
      st.alpha.set(snap[7 * i + 4]);
      st.weightBits.set(snap[7 * i + 5]);
      st.actBits.set(snap[7 * i + 6]);
    });
  }

  /** Full state for a checkpoint: parameters, optimiser moments, step, RNG, budget prices. */
  state(): TrainerState {
    return {
      params: this.snapshot().map(bytesOf),
      moments: this.net.moments.map(bytesOf),
      step: this.net.step,
      rng: bytesOf(this.#rng.state()),
      lambda: this.budget.lambda,
      lambdaAct: this.budget.lambdaAct,
      frozen: this.frozen,
    };
  }

  setState(s: TrainerState): void {
    this.restore(s.params.map(f32Of));
    const moments = this.net.moments;
    s.moments.forEach((b, i) => moments[i].set(f32Of(b)));
    this.net.step = s.step;
    this.#rng.setState(u32Of(s.rng));
    this.budget.lambda = s.lambda;
    this.budget.lambdaAct = s.lambdaAct;
    this.frozen = s.frozen;
  }
}
