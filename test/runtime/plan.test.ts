/**
 * @fileoverview runtime/plan.ts end to end in a raw instance: every kernel choice (lane groups only, tables wherever the
 * input allows, the measured choice) on models whose activations are 1..8 bits and inputs 2..8 bits, through `forward`
 * and `forward_batch` at every batch size, equals formats' forwardCodes bit for bit; nothing outside the arena changes.
 * Re-run one seed with SEED=<n>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forwardCodes, quantizeInput } from '../../formats/reference/forward.js';
import { readModel } from '../../formats/read.js';
import { randomInputs, randomModel, type RandomModelOptions } from '../../formats/testdata/random.js';
import { encodeModel } from '../../formats/write.js';
import { planArena, simdKernels, type KernelForce } from '../../runtime/plan.js';
import { KERNEL_LUT } from '../../runtime/abi.js';
import { wasmDir } from '../support/paths.js';

const SEEDS = process.env.SEED ? [Number(process.env.SEED)] : [21, 22];
const SENTINEL = 0xa5;

/** Shapes whose layer inputs fit tables (activations <= 8 bits, inputs <= 8 bits), off every block size. */
const SHAPES: Omit<RandomModelOptions, 'seed'>[] = [
  { widths: [54, 256, 256, 7], weightBits: [1, 2], actBits: [2, 3, 4], inputBits: [4, 5, 6] },
  { widths: [23, 37, 19, 5], weightBits: [0, 1, 2, 3, 4, 5, 6, 7, 8], actBits: [1, 2, 3, 4, 5, 6, 7, 8], inputBits: [2, 3, 4, 5, 6, 7, 8] },
  { widths: [130, 67, 9, 3], weightBits: [1, 3, 8], actBits: [4], inputBits: [2, 3] },
  { widths: [33, 47, 31, 17, 3], weightBits: [1, 2, 3, 4], actBits: [1, 2], inputBits: [2] },
  { widths: [1, 1], weightBits: [1], inputBits: [2] },
  { widths: [300, 129, 65, 7], weightBits: [0, 1, 2], actBits: [8, 16], inputBits: [8] },
  { widths: [17, 16, 15, 16, 17], weightBits: [2], actBits: [5, 6], inputBits: [16] },
];

interface Exports { memory: WebAssembly.Memory; heapBase(): number; forward(d: number): void; forward_batch(d: number, n: number): void }

for (const backend of ['simd', 'scalar'] as const) {
  const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(`${wasmDir}${backend}.wasm`)), {}).exports as unknown as Exports;
  const modes: (KernelForce | undefined)[] = backend === 'simd' ? [undefined, 'dot16', 'lut'] : [undefined];
  for (const force of modes) {
    test(`plan › ${backend}.wasm ${force ?? 'measured'} kernels: forward and forward_batch equal forwardCodes`, () => {
      let lutLayers = 0;
      for (const seed of SEEDS) {
        for (const shape of SHAPES) {
          const mi = randomModel({ seed, ...shape });
          const model = readModel(encodeModel(mi));
          const label = `seed ${seed} ${backend} ${force ?? 'measured'} ${shape.widths.join('-')}`;
          const heap = (x.heapBase() + 15) & ~15;
          const plan = planArena(model, backend, heap + 64, force);
          lutLayers += plan.layerGroups.flat().filter((g) => g.kernel.startsWith('lut')).length;
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
              if (bad >= 0) assert.fail(`${label} batch ${n} sample ${s}: accumulator ${bad} expected ${want[s][bad]}, got ${got[bad]} (groups ${JSON.stringify(plan.layerGroups)})`);
            }
          }
          const after = new Uint8Array(x.memory.buffer);
          for (let p = heap; p < plan.base; p++) if (after[p] !== SENTINEL) assert.fail(`${label}: wrote byte ${p - plan.base} before the arena`);
          for (let p = end; p < end + 64; p++) if (after[p] !== SENTINEL) assert.fail(`${label}: wrote byte ${p - end} past the arena`);
        }
      }
      if (force === 'lut') assert.ok(lutLayers > 20, `only ${lutLayers} table groups: the shapes no longer exercise the table kernels`);
      if (force === 'dot16' || backend === 'scalar') assert.equal(lutLayers, 0);
    });
  }
}

test('plan › simdKernels: tables only where they save more than they cost, and only for inputs of 8 bits or fewer', () => {
  const bits = (n: number, b: number) => new Uint8Array(n).fill(b);
  assert.equal(simdKernels(bits(512, 1), 512, 16).tKind, 0, '16-bit inputs never read tables');
  const w1 = simdKernels(bits(512, 1), 512, 4);
  assert.equal(w1.tKind, 4);
  assert.equal(w1.kernels[1], KERNEL_LUT + 1);
  assert.equal(simdKernels(bits(512, 8), 512, 8).tKind, 0, '8-bit rows on 8-bit inputs stay on dot16 (8 lookups per 4 weights)');
  assert.equal(simdKernels(bits(3, 1), 512, 8).tKind, 0, 'three rows do not pay for the tables');
});
