/**
 * @fileoverview Decoded model v1: the in-memory shape of a `.nmp` file after the strict reader
 * (formats/read.ts) has validated it. Field meanings are normative in formats/SPEC.md §4–§6.
 */

/** What the model predicts; decides how outputs are read (SPEC §3.2). */
export type TaskKind = 'classification' | 'regression';

/** Where a model came from (SPEC §3.3). Metrics are those of the exported integer model. */
export interface Provenance {
  /** Training method, e.g. `nmp`, `fp32`, `uniform:2`, `layer`. */
  method: string;
  /** Data set name or path the model was trained on. */
  dataset: string;
  /** Seed of the training run, or null when not recorded. */
  seed: number | null;
  /** Metric name to value, computed on the exported integer model (e.g. `test_accuracy`). */
  metrics: Record<string, number>;
  /** Tool that wrote the file, e.g. `nmp-edge 0.1.0`. */
  tool: string;
  /** ISO 8601 time of export. */
  createdAt: string;
}

/** Model-level metadata (SPEC §3.2). */
export interface ModelMeta {
  task: TaskKind;
  /** One name per input feature, in input order. */
  featureNames: string[];
  /** Classification: one label per output, in output order. Regression: one target name per output. */
  outputNames: string[];
  /** Classification: the data column holding the class label, so tools can evaluate on new CSV files. Optional. */
  targetColumn?: string;
  /** Text columns the model encodes itself from raw rows (SPEC §3.7). Optional. */
  categories?: CategoricalColumn[];
  provenance: Provenance;
}

/** A raw text column and the inputs it feeds (SPEC §3.7). */
export interface CategoricalColumn {
  /** Name of the raw column. */
  column: string;
  /** 'one_hot': one input per category (1 for the row's category, else 0); 'ordinal': one input, the category's index. */
  encoding: 'one_hot' | 'ordinal';
  /** Categories in code order. */
  values: string[];
  /** Index of the first input the column feeds. */
  firstInput: number;
}

/**
 * Input quantiser, one entry per feature (SPEC §6.1): standardisation folded in.
 * code = clamp(floor((x - center) * gain + 0.5), -qmax, qmax), qmax = 2^(bits-1) - 1.
 */
export interface InputQuantizer {
  /** Signed code width per feature, 2..16. */
  bits: Uint8Array;
  center: Float64Array;
  gain: Float64Array;
}

/** Requantisation of a hidden layer to its neurons' own activation widths (SPEC §6.4). */
export interface ActivationQuantizer {
  /** Unsigned activation code width per neuron, 1..16. */
  bits: Uint8Array;
  /** Real value of code 1 per neuron (informative: clip alpha = scale * (2^bits - 1)). */
  scale: Float32Array;
  /** Requantisation multiplier m per neuron, 1..2^31-1. */
  mult: Int32Array;
  /** Requantisation right shift n per neuron, 1..62. */
  shift: Uint8Array;
}

/** One dense layer (SPEC §4). Neuron j's incoming weights are row j. */
export interface Layer {
  /** Fan-in: number of inputs of each neuron. */
  inFeatures: number;
  /** Number of neurons. */
  outFeatures: number;
  /** Weight code width per neuron, 0..8; 0 = pruned (no weights stored). */
  weightBits: Uint8Array;
  /** Canonical bit-packed rows (SPEC §5), rows byte-aligned and concatenated. */
  weights: Uint8Array;
  /** Byte offset of row j in `weights`; length outFeatures + 1 (derived, not stored). */
  rowOffsets: Uint32Array;
  /** Bias per neuron in accumulator units. */
  bias: Int32Array;
  /** Real value of one accumulator unit per neuron (informative for hidden layers). */
  weightScale: Float32Array;
  /** Present on every layer but the last (which outputs accumulators). */
  act: ActivationQuantizer | null;
}

/** Output dequantisation of the last layer's accumulators (SPEC §6.5). */
export interface OutputDequantizer {
  /** y_j = f32(acc_j * scale_j + offset_j), computed in f64 without fused multiply-add. */
  scale: Float64Array;
  offset: Float64Array;
}

/** A whole model file, validated. */
export interface NmpModel {
  version: number;
  requires: string[];
  meta: ModelMeta;
  input: InputQuantizer;
  layers: Layer[];
  output: OutputDequantizer;
}
