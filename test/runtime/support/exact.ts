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
import type { Backend } from '../../../runtime/pack.js';
import { planArena, type KernelForce } from '../../../runtime/plan.js';

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
  { widths: [54, 256, 256, 7], weightBitsMenu: [1, 2, 4, 8], actBitsMenu: [4, 8, 16], inputBitsMenu: [8] },
  { widths: [64, 64, 64], weightBitsMenu: [8], actBitsMenu: [16], inputBitsMenu: [16] },
  { widths: [17, 33, 33, 33, 33, 33, 4], weightBitsMenu: [0, 1, 2, 3], actBitsMenu: [1, 2, 15, 16] },
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

/** Shapes whose layer inputs fit tables and int8 dots (activations <= 8 bits, inputs <= 8 bits), off every block size. */
export const PLAN_SHAPES: Omit<RandomModelOptions, 'seed'>[] = [
  { widths: [54, 256, 256, 7], weightBitsMenu: [1, 2], actBitsMenu: [2, 3, 4], inputBitsMenu: [4, 5, 6] },
  { widths: [23, 37, 19, 5], weightBitsMenu: [0, 1, 2, 3, 4, 5, 6, 7, 8], actBitsMenu: [1, 2, 3, 4, 5, 6, 7, 8], inputBitsMenu: [2, 3, 4, 5, 6, 7, 8] },
  { widths: [130, 67, 9, 3], weightBitsMenu: [1, 3, 8], actBitsMenu: [4], inputBitsMenu: [2, 3] },
  { widths: [33, 47, 31, 17, 3], weightBitsMenu: [1, 2, 3, 4], actBitsMenu: [1, 2], inputBitsMenu: [2] },
  { widths: [1, 1], weightBitsMenu: [1], inputBitsMenu: [2] },
  { widths: [300, 129, 65, 7], weightBitsMenu: [0, 1, 2, 8], actBitsMenu: [7, 8, 16], inputBitsMenu: [8] },
  { widths: [17, 16, 15, 16, 17], weightBitsMenu: [2, 6], actBitsMenu: [5, 6, 7], inputBitsMenu: [16] },
];

interface PlanExports { memory: WebAssembly.Memory; heapBase(): number; forward(d: number): void; forward_batch(d: number, n: number): void }

/**
 * runtime/plan.ts's arena for `backend` with the kernel choice `force` (undefined: measured), in a raw instance of
 * `wasm`: forward and forward_batch at every batch size must equal forwardCodes on every PLAN_SHAPES model, and nothing
 * outside the arena may change. Returns the first mismatch (or null) and the number of row groups per kernel family.
 */
export function checkPlans(wasm: Uint8Array, backend: Backend, force: KernelForce | undefined, seeds: number[]): { error: string | null; groups: Record<string, number> } {
  const SENTINEL = 0xa5;
  const x = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(wasm)), {}).exports as unknown as PlanExports;
  const groups: Record<string, number> = {};
  for (const seed of seeds) {
    for (const shape of PLAN_SHAPES) {
      const mi = randomModel({ seed, ...shape });
      const model = readModel(encodeModel(mi));
      const label = `seed ${seed} ${backend} ${force ?? 'measured'} ${shape.widths.join('-')}`;
      const heap = (x.heapBase() + 15) & ~15;
      const plan = planArena(model, backend, heap + 64, force);
      for (const g of plan.layerGroups.flat()) groups[g.kernel.split(' ')[0]] = (groups[g.kernel.split(' ')[0]] ?? 0) + 1;
      const end = plan.base + plan.image.length;
      const need = end + 64 - x.memory.buffer.byteLength;
      if (need > 0) x.memory.grow(Math.ceil(need / 65536));
      const u8 = new Uint8Array(x.memory.buffer);
      u8.fill(SENTINEL, heap, end + 64);
      u8.set(plan.image, plan.base);
      const inputs = randomInputs(mi, 2 * plan.batch + 1, seed + 7);
      const codes = inputs.map((v) => quantizeInput(model, v));
      const want = codes.map((c) => forwardCodes(model, c).acc);
      const O = want[0].length;
      for (let n = 1; n <= plan.batch; n++) {
        for (let s = 0; s < n; s++) new Int16Array(x.memory.buffer, plan.inPtr + s * plan.inStride, codes[s].length).set(codes[s]);
        if (n === 1) x.forward(plan.descPtr);
        else x.forward_batch(plan.descPtr, n);
        for (let s = 0; s < n; s++) {
          const got = new Int32Array(x.memory.buffer, plan.outPtr + s * plan.outStride, O);
          const bad = want[s].findIndex((v, j) => v !== got[j]);
          if (bad >= 0) return { error: `${label} batch ${n} sample ${s}: accumulator ${bad} expected ${want[s][bad]}, got ${got[bad]} (groups ${JSON.stringify(plan.layerGroups)})`, groups };
        }
      }
      const after = new Uint8Array(x.memory.buffer);
      for (let p = heap; p < plan.base; p++) if (after[p] !== SENTINEL) return { error: `${label}: wrote byte ${p - plan.base} before the arena`, groups };
      for (let p = end; p < end + 64; p++) if (after[p] !== SENTINEL) return { error: `${label}: wrote byte ${p - end} past the arena`, groups };
    }
  }
  return { error: null, groups };
}
