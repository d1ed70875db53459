/**
 * @fileoverview The training session: one data split, one network, its width learner and budget; runs epochs,
 * validates, freezes widths, snapshots and restores. `train()` (run.ts) drives it; benchmarks use it directly.
 */

import { argmax, encodeModel, rowBytes } from '../../formats/index.js';
import { Budget } from './budget.js';
import { bytesOf, f32Of, u32Of, type TrainerState } from './checkpoint.js';
import type { Dataset } from './data.js';
import { buildModel, type ExportContext } from './export.js';
import { fitInputQuant, quantizeInputs, type InputQuant } from './inputs.js';
import type { Metrics } from './intforward.js';
import { Network, type BackwardHooks, type Distillation } from './network.js';
import { resolveOptions, type Resolved, type TrainOptions } from './options.js';
import { Rng } from './rng.js';
import type { RunLog } from './run.js';
import { Arena } from './gemm.js';
import { HgqAllocator } from './hgq.js';
import { actTable, allocate, inputTable, weightCost, weightTable, type Calibration } from './sensitivity.js';
import { foldStrengthGrad, updateWidths, weightStrengthGrad } from './strengths.js';

/** Where quantisation-aware training starts: the float phase's weights and, for distillation, its outputs. */
export interface TrainerInit {
  /** W and b of every layer, in order (Trainer.weights() of the float trainer). */
  weights: Float32Array[];
  teacher: Distillation | null;
  /** The float network's sensitivities (sensitivity allocator). */
  calibration: Calibration | null;
}

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
  #xTrain: Float32Array;
  #xVal: Float32Array;
  readonly #yTrain: Float32Array | Int32Array;
  readonly #yVal: Float32Array | Int32Array;
  #export: ExportContext;
  readonly #hooks: BackwardHooks;
  readonly #teacher: Distillation | null;
  /** Scratch GEMM memory of the sensitivity allocator (created on first use). */
  #calArena: Arena | null = null;
  /** The hgq allocator's learned widths (until the freeze). */
  readonly #hgq: HgqAllocator | null = null;

  constructor(readonly train: Dataset, readonly val: Dataset, readonly options: TrainOptions = {}, init?: TrainerInit) {
    this.r = resolveOptions(options, train.rows);
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
    if (init) {
      this.net.layers.forEach((st, l) => {
        st.W.set(init.weights[2 * l]);
        st.b.set(init.weights[2 * l + 1]);
      });
    }
    this.#teacher = init?.teacher ?? null;
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
    this.#checkFeasible(overhead);
    this.budget = new Budget(this.net, targetBits, overhead);
    const budget = this.budget;
    this.#hooks = {
      weightStrengths: r.learnW !== 'none' ? (st, slopes) => weightStrengthGrad(this.net, st, slopes, budget.weightPrice(st.in)) : null,
      actStrengths: r.learnA !== 'none' ? { price: null } : null,
      foldStrengths: r.learnA !== 'none' && r.actFoldGrad && r.actScale === 'clip' ? (st, prev, slopes) => foldStrengthGrad(this.net, st, prev, slopes) : null,
    };
    updateWidths(this.net);
    if (r.allocator === 'sensitivity') {
      const cal = init?.calibration ?? null;
      if (cal) {
        this.#allocateInputs(cal);
        this.#allocateActs(cal, this.#slack(0));
        this.#allocateWeights(cal, this.#slack(0));
      } else {
        // No float network to measure: provisional widths at the budget, allocated from this run's own gradients
        // at the end of the first epoch.
        this.#provisionalWidths();
        if (r.freezeAt === 0) (r as { freezeAt: number | null }).freezeAt = 1;
      }
    } else if (r.allocator === 'hgq') {
      this.#hgq = new HgqAllocator(this.net, this.budget.targetBits!, r.allocateActs ? r.targetActBits : null);
      this.net.calibrateAlpha(this.#xTrain, Math.min(r.batch, train.rows));
    } else {
      this.net.calibrateAlpha(this.#xTrain, Math.min(r.batch, train.rows));
    }
    if (r.freezeAt === 0) this.log.warnings.push(...this.freeze());
  }

  /**
   * A budget no choice of widths can meet is an error before any training, naming the smallest feasible value: every
   * neuron at the narrowest width of its menu (output neurons are never pruned by the allocators).
   */
  #checkFeasible(overhead: number): void {
    const r = this.r, layers = this.net.layers;
    if (r.allocator !== 'sensitivity' && r.allocator !== 'hgq') return;
    const narrowest = (l: number) => (l === layers.length - 1 || r.granularity === 'layer' ? r.weightBitsMenu.find((b) => b > 0) ?? 1 : r.weightBitsMenu[0]);
    let bits = 0, bytes = overhead;
    layers.forEach((st, l) => { bits += st.in * st.out * narrowest(l); bytes += st.out * rowBytes(st.in, narrowest(l)); });
    const minBits = bits / this.net.totalWeights;
    if (r.targetBits !== null && r.targetBits < minBits - 1e-9) {
      throw new RangeError(`targetBits ${r.targetBits} is below the smallest feasible average ${Math.ceil(minBits * 1000) / 1000} (every neuron at its narrowest width; output neurons keep at least 1 bit)`);
    }
    // The slack matches #allocateWeights (msgpack length headers).
    const minBytes = bytes + 8 * layers.length;
    if (r.targetBytes !== null && r.targetBytes < minBytes) {
      throw new RangeError(`targetBytes ${r.targetBytes} is below the smallest feasible model of ${minBytes} bytes (${overhead} bytes of fixed overhead, every neuron at its narrowest width)`);
    }
  }

  /** Input widths and clips from the float network's sensitivities; the training inputs are quantised again. */
  #allocateInputs(cal: Calibration): void {
    const r = this.r, iq = this.iq, F = this.train.features;
    const tab = inputTable(cal, r.inputBitsMenu, r.inputClip);
    const capacity = r.targetInputBits === null ? Infinity : Math.floor(r.targetInputBits * F + 1e-9);
    const [choice] = allocate([tab], (_t, _i, b) => b, capacity, r.granularity);
    for (let f = 0; f < F; f++) {
      const m = choice[f];
      iq.bits[f] = tab.menu[m];
      if (iq.constant[f]) continue;
      const std = 1 / (iq.gain[f] * iq.scale[f]);
      iq.scale[f] = tab.step[f * tab.menu.length + m];
      iq.gain[f] = 1 / (std * iq.scale[f]);
    }
    this.#xTrain = quantizeInputs(this.train, iq);
    this.#xVal = quantizeInputs(this.val, iq);
    this.#export.xTrain = this.#xTrain;
  }

  /**
   * Activation widths from the sensitivities measured on `cal`, at `slack` x the budget (progressive allocation starts
   * above it); a neuron whose width changes takes the step that is best for its new width on `cal`.
   */
  #allocateActs(cal: Calibration, slack = 1): void {
    const r = this.r;
    if (!r.allocateActs) return;
    const hidden = this.net.layers.filter((st) => st.hidden);
    const tables = hidden.map((_, l) => actTable(cal, l, r.actBitsMenu));
    const H = hidden.reduce((a, st) => a + st.out, 0);
    const top = r.actBitsMenu[r.actBitsMenu.length - 1];
    const choice = allocate(tables, (_t, _i, b) => b, Math.floor(Math.min(top, slack * r.targetActBits!) * H + 1e-9), r.granularity);
    hidden.forEach((st, l) => {
      const tab = tables[l], M = tab.menu.length;
      for (let j = 0; j < st.out; j++) {
        const bits = tab.menu[choice[l][j]];
        if (bits === st.actBits[j]) continue;
        st.actBits[j] = bits;
        st.alpha[j] = Math.log(tab.step[j * M + choice[l][j]]);
      }
    });
  }

  /**
   * Weight widths from the sensitivities measured on `cal` (sensitivity.ts weightTable) at the current input scales,
   * meeting the bit or byte budget. Output neurons are never pruned: a class or target would be lost.
   */
  #allocateWeights(cal: Calibration, slack = 1): void {
    const r = this.r, net = this.net;
    net.updateInputScales();
    const maxIn = Math.max(...net.layers.map((st) => st.in)), maxOut = Math.max(...net.layers.map((st) => st.out));
    this.#calArena ??= new Arena(4 * (cal.rows * (maxIn + maxOut) + maxIn * maxOut) + 256, this.options.useWasm ?? true);
    const tables = net.layers.map((st, l) => weightTable(st, cal, l, r.weightBitsMenu, r.twoBit, this.#calArena!));
    // Output neurons are never pruned (a class or target would be lost), and with one width per layer no layer is: a
    // pruned layer makes the output constant (layer-level at 1 bit on Letter chose it: 3.85 % accuracy).
    const pruned = r.weightBitsMenu.indexOf(0);
    tables.forEach((tab, l) => {
      if (pruned < 0 || (l < tables.length - 1 && r.granularity !== 'layer')) return;
      for (let j = 0; j < net.layers[l].out; j++) tab.loss[j * tab.menu.length + pruned] = Infinity;
    });
    const bytes = r.targetBytes !== null && (r.targetBits === null || this.budget.targetBits === null);
    // Under a byte budget the fixed part of the file comes first; a few bytes of slack cover msgpack length headers.
    const top = r.weightBitsMenu[r.weightBitsMenu.length - 1];
    const capacity = bytes
      ? Math.min(top * net.totalWeights / 8, slack * (r.targetBytes! - this.budget.overheadBytes - 8 * net.layers.length))
      : Math.floor(Math.min(top, slack * this.budget.targetBits!) * net.totalWeights + 1e-9);
    const choice = allocate(tables, weightCost(net, bytes), capacity, r.granularity);
    net.layers.forEach((st, l) => {
      for (let j = 0; j < st.out; j++) st.weightBits[j] = r.weightBitsMenu[choice[l][j]];
    });
  }

  /** Widths before anything was measured: the menu entries nearest below the budgets; activation steps from one batch. */
  #provisionalWidths(): void {
    const r = this.r;
    const below = (menu: number[], target: number | null) => menu.filter((b) => target === null || b <= target + 1e-9).pop() ?? menu[0];
    const wb = below(r.weightBitsMenu.filter((b) => b > 0), this.budget.targetBits);
    const ab = r.allocateActs ? below(r.actBitsMenu, r.targetActBits) : r.fixedActBits;
    for (const st of this.net.layers) {
      st.weightBits.fill(wb);
      if (st.hidden) st.actBits.fill(ab);
    }
    this.net.calibrateAlpha(this.#xTrain, Math.min(r.batch, this.train.rows));
  }

  /**
   * Budget multiplier of progressive allocation after `epoch` QAT epochs: 2x at the start, then down to 1x at the
   * freeze along (1 - epoch / freezeAt)^3 (most of the cut early, fine steps late: gradual pruning's schedule).
   */
  #slack(epoch: number): number {
    const K = this.r.freezeAt ?? 0;
    return this.r.allocation === 'progressive' && K > 0 ? 1 + Math.max(0, 1 - epoch / K) ** 3 : 1;
  }

  /**
   * End of QAT epoch `epoch`: before the freeze, the sensitivity allocator measures the network as it is now and
   * re-solves the widths (progressive allocation: at the schedule's budget). Returns notes for the run log.
   */
  endEpoch(epoch = 0): string[] {
    if (this.frozen || this.r.allocator !== 'sensitivity') return [];
    const before = this.net.layers.map((st) => st.weightBits.slice());
    const cal = this.calibrate(), slack = this.#slack(epoch);
    if (this.r.allocation === 'progressive') this.#allocateActs(cal, slack);
    this.#allocateWeights(cal, slack);
    let moved = 0;
    this.net.layers.forEach((st, l) => { for (let j = 0; j < st.out; j++) if (st.weightBits[j] !== before[l][j]) moved++; });
    return moved ? [`allocation: ${moved} neurons changed weight width`] : [];
  }

  /** Estimated file bytes when every neuron has `bits` weight bits (0: the fixed overhead). */
  #estimateBytes(bits: number): number {
    const layers = this.net.layers;
    const saved = layers.map((l) => l.weightBits.slice());
    for (const l of layers) l.weightBits.fill(bits);
    // The final file also carries the metrics and the export time; account for them with placeholders of the same size.
    const keys = this.train.task === 'classification' ? ['accuracy', 'f1_macro'] : ['mse', ...(this.outputs > 1 ? this.train.targetNames.map((n) => `mse_${n}`) : [])];
    const metrics: Metrics = { avg_weight_bits: Math.PI, avg_act_bits: Math.PI, avg_input_bits: Math.PI };
    for (const k of keys) { metrics[`val_${k}`] = Math.PI; metrics[`test_${k}`] = Math.PI; }
    const { model } = buildModel(this.#export, metrics, true);
    model.meta.provenance.createdAt = new Date(0).toISOString();
    for (let i = 0; i < layers.length; i++) layers[i].weightBits.set(saved[i]);
    return encodeModel(model).length;
  }

  /** Freezes the widths (strengths: enforcing or, in 'fill' mode, topping up the budget); returns the moves for the run log. */
  freeze(): string[] {
    this.frozen = true;
    if (this.#hgq) {
      const H = this.net.layers.reduce((a, st) => a + (st.hidden ? st.out : 0), 0);
      const r = this.r;
      return this.#hgq.finish(Math.floor(this.budget.targetBits! * this.net.totalWeights + 1e-9), r.allocateActs ? Math.floor(r.targetActBits! * H + 1e-9) : null);
    }
    return this.r.allocator === 'strengths' ? this.budget.enforce() : [];
  }

  /** One epoch over the training split; returns the mean loss. */
  runEpoch(onBatch?: (rowsDone: number) => void): number {
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
      loss += net.lossAndGrad(classification, M, this.#yTrain, perm, start, this.#teacher) * M;
      const hooks = this.#hooks;
      if (this.frozen) net.backward(M, { weightStrengths: null, actStrengths: null, foldStrengths: null });
      else {
        if (hooks.actStrengths) hooks.actStrengths.price = this.budget.actPrice();
        net.backward(M, hooks);
        this.#hgq?.accumulate(M);
      }
      net.optimizerStep(steps, this.frozen);
      if (!this.frozen) this.#hgq?.step();
      if (!this.frozen && this.r.allocator === 'strengths') {
        updateWidths(net);
        this.budget.control();
      }
      onBatch?.(start + M);
    }
    return loss / n;
  }

  /**
   * Regression: the MSE of the last `validate()` in target units (mean over outputs of each output's MSE), as the
   * exported model's `val_mse` is reported; NaN before the first validation or for classification.
   */
  valMse = NaN;

  /**
   * Validation metric of the float fake-quant graph: accuracy (higher is better) or standardised MSE (negated; every
   * output weighs the same in model selection whatever its units). Sets `valMse` (target units).
   */
  validate(): number {
    const ds = this.val;
    if (ds.rows === 0) return 0;
    const std = this.#export.targetStd;
    let mseTargetUnits = 0;
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
        for (let i = 0; i < M; i++) if (argmax(Z, i * C, C) === (this.#yVal as Int32Array)[start + i]) score++;
      } else {
        for (let i = 0; i < M * C; i++) {
          const se = (Z[i] - (this.#yVal as Float32Array)[start * C + i]) ** 2 / C;
          score -= se;
          mseTargetUnits += se * std[i % C] ** 2;
        }
      }
    }
    if (ds.task === 'regression') this.valMse = mseTargetUnits / ds.rows;
    return score / ds.rows;
  }

  /** W and b of every layer (copies), to start another trainer from. */
  weights(): Float32Array[] {
    return this.net.layers.flatMap((st) => [st.W.slice(), st.b.slice()]);
  }

  /**
   * Distillation targets from this (float) network for every training row: probabilities softened at `temperature`
   * (classification) or outputs in standardised units (regression).
   */
  distillTargets(temperature: number): Float32Array {
    const net = this.net;
    const F = this.train.features;
    const C = this.outputs;
    const B = this.r.batch;
    const out = new Float32Array(this.train.rows * C);
    net.prepareAll();
    for (let start = 0; start < this.train.rows; start += B) {
      const M = Math.min(B, this.train.rows - start);
      net.Xb.set(this.#xTrain.subarray(start * F, (start + M) * F));
      const Z = net.forward(M);
      for (let i = 0; i < M; i++) {
        const z = Z.subarray(i * C, i * C + C), o = out.subarray((start + i) * C, (start + i + 1) * C);
        if (this.train.task === 'regression') { o.set(z); continue; }
        let mx = -Infinity, se = 0;
        for (let c = 0; c < C; c++) mx = Math.max(mx, z[c]);
        for (let c = 0; c < C; c++) se += Math.exp((z[c] - mx) / temperature);
        for (let c = 0; c < C; c++) o[c] = Math.exp((z[c] - mx) / temperature) / se;
      }
    }
    return out;
  }

  /**
   * Sensitivities of this network on up to `maxRows` training rows (a seeded sample, the same every call): inputs,
   * every layer's inputs, pre-activations and the per-sample gradients of the label loss (sensitivity.ts).
   */
  calibrate(maxRows = 2048): Calibration {
    const net = this.net, r = this.r, iq = this.iq, ds = this.train;
    const F = ds.features, B = r.batch;
    const order = new Int32Array(ds.rows);
    for (let i = 0; i < ds.rows; i++) order[i] = i;
    new Rng(r.seed ^ 0x5eed).shuffle(order);
    const n = Math.min(ds.rows, maxRows);
    const hidden = net.layers.filter((st) => st.hidden);
    const cal: Calibration = {
      rows: n, x: new Float32Array(n * F), fx: new Float32Array(n * F),
      z: hidden.map((st) => new Float32Array(n * st.out)), fz: hidden.map((st) => new Float32Array(n * st.out)),
      layerIn: net.layers.map((st) => new Float32Array(n * st.in)), zGrad: net.layers.map((st) => new Float32Array(n * st.out)),
    };
    const none = { weightStrengths: null, actStrengths: null, foldStrengths: null };
    net.prepareAll();
    for (let start = 0; start < n; start += B) {
      const M = Math.min(B, n - start);
      for (let i = 0; i < M; i++) net.Xb.set(this.#xTrain.subarray(order[start + i] * F, order[start + i] * F + F), i * F);
      net.forward(M);
      net.lossAndGrad(ds.task === 'classification', M, this.#yTrain, order, start);
      net.backward(M, none);
      net.inputGrad(M);
      for (let i = 0; i < M; i++) {
        const row = order[start + i];
        for (let f = 0; f < F; f++) {
          cal.x[(start + i) * F + f] = (ds.x[row * F + f] - iq.center[f]) * iq.gain[f] * iq.scale[f];
          cal.fx[(start + i) * F + f] = (M * net.dX[i * F + f]) ** 2;
        }
      }
      net.layers.forEach((st, l) => {
        cal.layerIn[l].set((l === 0 ? net.Xb : net.layers[l - 1].A).subarray(0, M * st.in), start * st.in);
        const g = cal.zGrad[l];
        for (let i = 0; i < M * st.out; i++) g[start * st.out + i] = M * st.dZ[i];
      });
      hidden.forEach((st, l) => {
        const N = st.out;
        cal.z[l].set(st.Z.subarray(0, M * N), start * N);
        for (let i = 0; i < M * N; i++) cal.fz[l][start * N + i] = (M * st.dA[i]) ** 2;
      });
    }
    return cal;
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
