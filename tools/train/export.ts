/**
 * @fileoverview Export of a training run to a format-v1 model: the hard quantisation of training, biases in accumulator
 * units, requantisation parameters for S_j / s_j, and the int32 accumulator bound enforced neuron by neuron.
 */

import { readFileSync } from 'node:fs';
import { ACC_MAX, packRow, requantParams } from '../../formats/index.js';
import type { LayerInput, ModelInput } from '../../formats/index.js';
import type { Dataset } from './data.js';
import type { InputQuant } from './inputs.js';
import type { Metrics } from './intforward.js';
import type { Network } from './network.js';
import { quantizeRow } from './quant.js';

/** `provenance.tool` of exported models: the package name and version. */
export const TOOL = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}`;
})();

/** What an export needs besides the network: the data's description, the input quantiser, the target scaling. */
export interface ExportContext {
  net: Network;
  train: Dataset;
  /** Fake-quantised training inputs (the fp32 export calibrates its activation clips on them). */
  xTrain: Float32Array;
  iq: InputQuant;
  /** Regression: per-target mean and standard deviation of the training split (outputs are trained standardised). */
  targetMean: Float64Array;
  targetStd: Float64Array;
  /** `provenance.method` of the file. */
  method: string;
  datasetName: string;
}

/**
 * Builds the format-v1 model from the current parameters. Neurons whose worst-case accumulator would not fit int32 get
 * fewer weight bits (then a clamped bias), each change returned for the run log (none when `quiet`).
 */
export function buildModel(ctx: ExportContext, metrics: Metrics, quiet = false): { model: ModelInput; changes: string[] } {
  const { net, train } = ctx;
  const r = net.r;
  const outputs = net.layers[net.layers.length - 1].out;
  const changes: string[] = [];
  const layers: LayerInput[] = [];
  const lastOut = new Float64Array(outputs);
  let inMax: Float64Array = Float64Array.from(ctx.iq.bits, (b) => 2 ** (b - 1) - 1);
  // fp32 runs export by post-training quantisation at 8-bit weights and fixedActBits activations.
  const weightBitsOf = (j: number, bits: Uint8Array) => (r.quantW ? bits[j] : 8);
  const actBitsOf = (j: number, bits: Uint8Array) => (r.quantA ? bits[j] : r.fixedActBits);
  const fp32Clips = r.quantA ? null : calibrateFp32Clips(ctx);
  for (let l = 0; l < net.layers.length; l++) {
    const st = net.layers[l];
    const fin = st.in;
    const inScale = new Float64Array(fin);
    if (l === 0) inScale.set(ctx.iq.scale);
    else {
      const p = net.layers[l - 1];
      for (let k = 0; k < fin; k++) inScale[k] = fp32Clips ? fp32Clips[l - 1][k] / (2 ** actBitsOf(k, p.actBits) - 1) : net.actStep(p.alpha[k], p.actBits[k]);
    }
    const weightBits = new Uint8Array(st.out);
    const rows: Uint8Array[] = [];
    const bias = new Int32Array(st.out);
    const weightScale = new Float32Array(st.out);
    const wp = new Float64Array(fin);
    const q = new Int32Array(fin);
    const S64 = new Float64Array(st.out);
    for (let j = 0; j < st.out; j++) {
      for (let k = 0; k < fin; k++) wp[k] = st.W[j * fin + k] * inScale[k];
      let b = weightBitsOf(j, st.weightBits);
      for (;;) {
        let S = quantizeRow(wp, 0, fin, b, r.twoBit, q, 0);
        S = Math.fround(S); // the file stores float32; use exactly that value everywhere below
        let sum = 0;
        for (let k = 0; k < fin; k++) sum += Math.abs(q[k]) * inMax[k];
        const B = Math.floor(st.b[j] / S + 0.5);
        if (sum <= ACC_MAX || b <= 1) {
          const room = Math.max(0, ACC_MAX - sum);
          const Bc = Math.max(-room, Math.min(room, B));
          if (Bc !== B && !quiet) changes.push(`layer ${l} neuron ${j}: bias ${B} clamped to ${Bc} (accumulator bound)`);
          if (sum > ACC_MAX) throw new RangeError(`layer ${l} neuron ${j}: accumulator bound exceeded even at ${b} bits`);
          bias[j] = Bc;
          S64[j] = S;
          break;
        }
        const lower = b - 1;
        if (!quiet) changes.push(`layer ${l} neuron ${j}: ${b}-bit weights exceed the int32 accumulator bound (${sum}); exported at ${lower} bits`);
        b = lower;
      }
      weightBits[j] = b;
      weightScale[j] = S64[j];
      rows.push(b === 0 ? new Uint8Array(0) : packRow(q, b));
    }
    const total = rows.reduce((a, x) => a + x.length, 0);
    const weights = new Uint8Array(total);
    let off = 0;
    for (const x of rows) { weights.set(x, off); off += x.length; }
    let act: LayerInput['act'] = null;
    if (st.hidden) {
      const actBits = new Uint8Array(st.out);
      const scale = new Float32Array(st.out);
      const mult = new Int32Array(st.out);
      const shift = new Uint8Array(st.out);
      const nextMax = new Float64Array(st.out);
      for (let j = 0; j < st.out; j++) {
        actBits[j] = actBitsOf(j, st.actBits);
        const n = 2 ** actBits[j] - 1;
        const s = Math.fround(fp32Clips ? fp32Clips[l][j] / n : net.actStep(st.alpha[j], st.actBits[j]));
        scale[j] = s;
        const p = requantParams(S64[j] / s);
        mult[j] = p.mult;
        shift[j] = p.shift;
        nextMax[j] = n;
      }
      act = { bits: actBits, scale, mult, shift };
      inMax = nextMax;
    } else {
      for (let j = 0; j < st.out; j++) lastOut[j] = S64[j];
    }
    layers.push({ inFeatures: fin, outFeatures: st.out, weightBits, weights, bias, weightScale, act });
  }
  const reg = train.task === 'regression';
  const scale = new Float64Array(outputs);
  const offset = new Float64Array(outputs);
  for (let j = 0; j < outputs; j++) {
    scale[j] = lastOut[j] * (reg ? ctx.targetStd[j] : 1);
    offset[j] = reg ? ctx.targetMean[j] : 0;
  }
  const model: ModelInput = {
    meta: {
      task: train.task,
      featureNames: train.featureNames.slice(),
      outputNames: reg ? train.targetNames.slice() : train.classes!.slice(),
      // The label column, so tools can score new files without being told (and model_bytes counts it).
      ...(reg ? {} : { targetColumn: train.targetNames[0] }),
      ...(train.categories ? { categories: train.categories.map((c) => ({ ...c, values: c.values.slice() })) } : {}),
      provenance: {
        method: ctx.method,
        dataset: ctx.datasetName,
        seed: r.seed,
        metrics,
        tool: TOOL,
        createdAt: new Date(0).toISOString(),
      },
    },
    input: { bits: ctx.iq.bits.slice(), center: ctx.iq.center.slice(), gain: ctx.iq.gain.slice() },
    layers,
    output: { scale, offset },
  };
  return { model, changes };
}

/** fp32 export: activation clips = max ReLU output over (up to) 4096 training rows of the float graph. */
function calibrateFp32Clips(ctx: ExportContext): Float32Array[] {
  const net = ctx.net;
  const M = Math.min(net.r.batch, ctx.train.rows);
  const F = ctx.train.features;
  const res = net.layers.filter((s) => s.hidden).map((s) => new Float32Array(s.out));
  net.prepareAll();
  const rows = Math.min(ctx.train.rows, 4096);
  for (let start = 0; start < rows; start += M) {
    const m = Math.min(M, rows - start);
    net.Xb.set(ctx.xTrain.subarray(start * F, (start + m) * F));
    net.forward(m);
    net.layers.forEach((st, l) => {
      if (!st.hidden) return;
      for (let i = 0; i < m * st.out; i++) if (st.A[i] > res[l][i % st.out]) res[l][i % st.out] = st.A[i];
    });
  }
  for (const a of res) for (let j = 0; j < a.length; j++) if (!(a[j] > 0)) a[j] = 1;
  return res;
}
