/**
 * @fileoverview Bit-exactness checks shared by the Node tests and the Deno script (no node:test here): a loaded model vs
 * the conformance files and vs formats' reference on seeded random models. Each returns the first mismatch, or null.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { readModel } from '../../../formats/read.js';
import { forwardCodes, quantizeInput, dequantizeOutput, argmax } from '../../../formats/reference/forward.js';
import { randomInputs, randomModel, type RandomModelOptions } from '../../../formats/testdata/random.js';
import { encodeModel } from '../../../formats/write.js';
import type { NmpModel } from '../../../formats/schema.js';
import type { Model } from '../../../runtime/model.js';

export interface Expected { x: number[]; input_codes: number[]; acts: number[][]; acc: number[]; y: number[]; argmax: number }
export interface Vector { name: string; bytes: Uint8Array; cases: Expected[] }

export function conformanceVectors(testdataDir: string): Vector[] {
  return readdirSync(testdataDir).filter((f) => f.endsWith('.nmp')).sort().map((f) => {
    const name = f.slice(0, -4);
    const expected = JSON.parse(readFileSync(`${testdataDir}${name}.expected.json`, 'utf8')) as { cases: Expected[] };
    return { name, bytes: new Uint8Array(readFileSync(`${testdataDir}${f}`)), cases: expected.cases };
  });
}

/** First disagreement between `m` and the expected accumulators, outputs and label of every case, or null. */
export function checkVector(m: Model, v: Vector, label: string): string | null {
  const acc = new Int32Array(m.info.outputs), y = new Float32Array(m.info.outputs);
  for (const [n, c] of v.cases.entries()) {
    m.predictAccumulators(c.x, acc);
    m.predict(c.x, y);
    for (let j = 0; j < c.acc.length; j++) {
      if (acc[j] !== c.acc[j]) return `${label} case ${n}: accumulator ${j} expected ${c.acc[j]}, got ${acc[j]}`;
      if (!Object.is(y[j], Math.fround(c.y[j]))) return `${label} case ${n}: output ${j} expected ${c.y[j]}, got ${y[j]}`;
    }
    const want = m.info.outputNames[c.argmax];
    if (m.classify(c.x) !== want) return `${label} case ${n}: classify expected ${want}`;
  }
  return null;
}

/** Random model shapes: fan-ins and row counts off every block size, all (weight, activation) widths, deep and tiny. */
export const RANDOM_SHAPES: Omit<RandomModelOptions, 'seed'>[] = [
  { widths: [23, 37, 19, 5] },
  { widths: [130, 67, 9, 3] },
  { widths: [1, 1] },
  { widths: [3, 1, 2] },
  { widths: [300, 129, 65, 7] },
  { widths: [54, 256, 256, 7], weightBits: [1, 2, 4, 8], actBits: [4, 8, 16], inputBits: [8] },
  { widths: [64, 64, 64], weightBits: [8], actBits: [16], inputBits: [16] },
  { widths: [17, 33, 33, 33, 33, 33, 4], weightBits: [0, 1, 2, 3], actBits: [1, 2, 15, 16] },
];

export interface RandomCase { label: string; decoded: NmpModel; bytes: Uint8Array; inputs: Float64Array[] }

export function randomCases(seeds: number[]): RandomCase[] {
  const out: RandomCase[] = [];
  for (const seed of seeds) {
    for (const shape of RANDOM_SHAPES) {
      const mi = randomModel({ seed, ...shape });
      const bytes = encodeModel(mi);
      out.push({ label: `seed ${seed} widths ${shape.widths.join('-')}`, decoded: readModel(bytes), bytes, inputs: randomInputs(mi, 12, seed + 1) });
    }
  }
  return out;
}

/** First disagreement between `m` and formats' reference (accumulators, outputs, batch) on `rc`, or null. */
export function checkRandom(m: Model, rc: RandomCase, label: string): string | null {
  const O = m.info.outputs, F = m.info.features;
  const flat = new Float64Array(rc.inputs.length * F);
  rc.inputs.forEach((x, s) => flat.set(x, s * F));
  const batch = m.predictBatch(flat, rc.inputs.length);
  for (const [s, x] of rc.inputs.entries()) {
    const ref = forwardCodes(rc.decoded, quantizeInput(rc.decoded, x)).acc;
    const refY = dequantizeOutput(rc.decoded, ref);
    const acc = m.predictAccumulators(x), y = m.predict(x);
    for (let j = 0; j < O; j++) {
      if (acc[j] !== ref[j]) return `${label} sample ${s}: accumulator ${j} expected ${ref[j]}, got ${acc[j]}`;
      if (!Object.is(y[j], refY[j])) return `${label} sample ${s}: output ${j} expected ${refY[j]}, got ${y[j]}`;
      if (!Object.is(batch[s * O + j], refY[j])) return `${label} sample ${s}: predictBatch output ${j} expected ${refY[j]}, got ${batch[s * O + j]}`;
    }
    if (m.classify(x) !== m.info.outputNames[argmax(refY)]) return `${label} sample ${s}: classify disagrees`;
  }
  return null;
}
