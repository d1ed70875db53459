/**
 * @fileoverview The conformance set (SPEC.md §8): which models, which inputs, and how expected outputs are derived
 * from the reference. `generate.ts` writes them to formats/testdata/; a test regenerates them in memory and
 * requires byte equality, so the reference cannot drift silently.
 */

import { encodeRawRow } from '../categories.js';
import { ACC_MAX } from '../constants.js';
import { packRow } from '../pack.js';
import { readModel } from '../read.js';
import { argmax, forwardCodes, quantizeInput, dequantizeOutput } from '../reference/forward.js';
import { encodeModel, type ModelInput } from '../write.js';
import { randomInputs, randomModel } from './random.js';

export interface ConformanceCase {
  /** Real inputs (JSON numbers are exact doubles). */
  x: number[];
  /** Signed input codes (SPEC §6.1). */
  input_codes: number[];
  /** Activation codes of every hidden layer (SPEC §6.4). */
  acts: number[][];
  /** Last-layer accumulators (SPEC §6.3). */
  acc: number[];
  /** Dequantised float32 outputs (SPEC §6.5). */
  y: number[];
  /** Index of the largest output (SPEC §6.6). */
  argmax: number;
}

export interface ConformanceVector {
  name: string;
  description: string;
  model: Uint8Array;
  cases: ConformanceCase[];
}

const cycle = (menu: number[]) => (_l: number, j: number) => menu[j % menu.length];
const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

/** The hand-sized model of SPEC §5.3's worked example: 3 inputs -> 2 hidden -> 1 output. */
export function workedExampleModel(): ModelInput {
  return {
    meta: {
      task: 'regression',
      featureNames: ['a', 'b', 'c'],
      outputNames: ['y'],
      provenance: { method: 'hand', dataset: 'SPEC.md worked example', seed: null, metrics: {}, tool: 'nmp-edge', createdAt: '2026-01-01T00:00:00.000Z' },
    },
    input: { bits: Uint8Array.of(8, 8, 4), center: Float64Array.of(0, 10, -1), gain: Float64Array.of(10, 2, 1) },
    layers: [
      {
        inFeatures: 3, outFeatures: 2, weightBits: Uint8Array.of(2, 1),
        weights: Uint8Array.of(...packRow([1, -2, 0], 2), ...packRow([1, -1, 1], 1)),
        bias: Int32Array.of(5, -3), weightScale: Float32Array.of(0.25, 0.5),
        act: { bits: Uint8Array.of(4, 8), scale: Float32Array.of(1, 2 / 3), mult: Int32Array.of(1 << 30, 3 << 29), shift: Uint8Array.of(32, 31) },
      },
      {
        inFeatures: 2, outFeatures: 1, weightBits: Uint8Array.of(4),
        weights: packRow([3, -8], 4), bias: Int32Array.of(100), weightScale: Float32Array.of(0.125), act: null,
      },
    ],
    output: { scale: Float64Array.of(0.125), offset: Float64Array.of(-2) },
  };
}

/** Extreme values everywhere: min/max weight codes, bias at the int32 bound, mult 1 and 2^31-1, shift 1 and 62. */
function extremesModel(): ModelInput {
  const m = randomModel({
    seed: 404, widths: [9, 18, 8], extremeWeightRate: 1,
    weightBitsMenu: (l, j) => (l === 1 && j === 4 ? 0 : 1 + (j % 8)),
    actBitsMenu: cycle([1, 2, 7, 8, 15, 16]), inputBitsMenu: (i) => [2, 8, 16][i % 3],
  });
  const act = m.layers[0].act!;
  act.mult[0] = 1; act.shift[0] = 1;
  act.mult[1] = 0x7fffffff; act.shift[1] = 62;
  act.mult[2] = 0x7fffffff; act.shift[2] = 1; // any positive accumulator saturates to qmax
  act.mult[3] = 1; act.shift[3] = 62; // every accumulator rounds to 0
  m.layers[1].bias[4] = ACC_MAX; // pruned neuron: its bias alone meets the bound exactly
  return m;
}

function makeVector(name: string, description: string, model: ModelInput, inputs: ArrayLike<number>[]): ConformanceVector {
  const bytes = encodeModel(model);
  const decoded = readModel(bytes);
  const cases = inputs.map((xs) => {
    const x = Array.from(xs);
    const codes = quantizeInput(decoded, x);
    const { acts, acc } = forwardCodes(decoded, codes);
    const y = Array.from(dequantizeOutput(decoded, acc));
    return { x, input_codes: Array.from(codes), acts: acts.map((a) => Array.from(a)), acc: Array.from(acc), y, argmax: argmax(y) };
  });
  return { name, description, model: bytes, cases };
}

/** Every conformance vector, deterministically. */
export function conformanceVectors(): ConformanceVector[] {
  const vectors: ConformanceVector[] = [];
  const worked = workedExampleModel();
  vectors.push(makeVector('worked-example', 'SPEC §5.3 worked example: 3 -> 2 -> 1, hand-checkable', worked, [[0.04, 11, 2], [-1, 0, 7.5], [0.25, 10.25, -1], [100, -100, 100]]));

  // Every (weight bits 0..8) x (activation bits 1..16) pair: the last layer's 27 neurons cycle 0..8 and each reads all
  // 37 hidden neurons, which cycle through activation widths 1..16; layer 0 pairs weight bits with input widths 2..16.
  const pairs = randomModel({ seed: 1, widths: [23, 37, 27], weightBitsMenu: cycle(range(0, 8)), actBitsMenu: cycle(range(1, 16)), inputBitsMenu: (i) => 2 + (i % 15) });
  vectors.push(makeVector('pairs', 'every (weight bits 0..8, activation bits 1..16) pair and every input width 2..16; fan-ins 23 and 37 (not multiples of 16)', pairs, randomInputs(pairs, 16, 11)));

  const mixed = randomModel({ seed: 2, widths: [54, 64, 33, 17, 7], weightBitsMenu: [0, 1, 1, 1, 2, 2, 4, 8], actBitsMenu: [4, 8, 16] });
  vectors.push(makeVector('mlp-mixed', 'realistic NMP mix: weights {0,1,2,4,8}, activations {4,8,16}, 4 layers, fan-ins 54/64/33/17', mixed, randomInputs(mixed, 16, 12)));

  const pruned = randomModel({ seed: 3, widths: [16, 24, 12, 3], weightBitsMenu: (l, j) => (l === 1 ? (j === 5 ? 2 : 0) : [0, 0, 1, 4][j % 4]), actBitsMenu: [1, 4, 16] });
  vectors.push(makeVector('pruned', '0-bit neurons: a layer with a single live neuron, pruned neurons whose activation is a constant of their bias', pruned, randomInputs(pruned, 8, 13)));

  const fanMax = randomModel({ seed: 4, widths: [4096, 12, 5], weightBitsMenu: cycle([1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 8]), actBitsMenu: [16], inputBitsMenu: [8, 16] });
  vectors.push(makeVector('fanin-max', 'the largest fan-in the spec allows (4096), 16-bit inputs, rows shrunk to keep the int32 bound', fanMax, randomInputs(fanMax, 2, 14)));

  const extremes = extremesModel();
  vectors.push(makeVector('extremes', 'extreme codes: all weights at min/max, saturating inputs, mult 1 and 2^31-1, shift 1 and 62, bias at 2^31-1', extremes, randomInputs(extremes, 16, 15)));

  const regression = randomModel({ seed: 5, widths: [7, 19, 4], task: 'regression', weightBitsMenu: [1, 2, 4, 8], actBitsMenu: [4, 8] });
  vectors.push(makeVector('regression', 'multi-output regression with output offsets', regression, randomInputs(regression, 8, 16)));

  // meta.categories (SPEC §3.7): inputs are encoded from raw rows by the file's own table, so the cases exercise it.
  const cars = randomModel({ seed: 6, widths: [6, 9, 3], weightBitsMenu: [1, 2, 4, 8], actBitsMenu: [4, 8] });
  cars.meta.featureNames = ['weight', 'fuel=diesel', 'fuel=electric', 'fuel=petrol', 'doors', 'age'];
  cars.meta.categories = [
    { column: 'fuel', encoding: 'one_hot', values: ['diesel', 'electric', 'petrol'], firstInput: 1 },
    { column: 'doors', encoding: 'ordinal', values: ['2', '3', '4', '5'], firstInput: 4 },
  ];
  const rows = [
    { weight: 1.2, fuel: 'petrol', doors: '5', age: 3 }, { weight: -0.4, fuel: 'diesel', doors: '2', age: 12.5 },
    { weight: 0.9, fuel: 'electric', doors: '4', age: 0 }, { weight: 2.5, fuel: 'diesel', doors: '3', age: -1 },
  ];
  vectors.push(makeVector('categorical', 'meta.categories: a one-hot and an ordinal column; x encoded from raw rows by encodeRawRow', cars, rows.map((row) => encodeRawRow(cars.meta, row))));
  return vectors;
}

/** JSON text of a vector's expectations, stable for byte comparison. */
export function expectationsJson(v: ConformanceVector): string {
  // One case per line: readable in a diff, and the 4096-input vector stays small.
  const head = JSON.stringify({ name: v.name, description: v.description, model: `${v.name}.nmp` }).slice(0, -1);
  return `${head},"cases":[\n${v.cases.map((c) => JSON.stringify(c)).join(',\n')}\n]}\n`;
}
