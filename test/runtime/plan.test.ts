/**
 * @fileoverview runtime/plan.ts end to end in a raw instance: every kernel choice (lane groups only, tables wherever the
 * input allows, the measured choice) on models whose activations are 1..8 bits and inputs 2..8 bits, through `forward`
 * and `forward_batch` at every batch size, equals formats' forwardCodes bit for bit; nothing outside the arena changes
 * (support/exact.ts checkPlans; relaxed.wasm gets the same checks under Deno). Re-run one seed with SEED=<n>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { simdKernels, type KernelForce } from '../../runtime/plan.js';
import { checkPlans } from './support/exact.js';
import { KERNEL_LUT } from '../../runtime/abi.js';
import { wasmDir } from '../support/paths.js';

const SEEDS = process.env.SEED ? [Number(process.env.SEED)] : [21, 22];

for (const backend of ['simd', 'scalar'] as const) {
  const modes: (KernelForce | undefined)[] = backend === 'simd' ? [undefined, 'dot16', 'lut'] : [undefined];
  for (const force of modes) {
    test(`plan › ${backend}.wasm ${force ?? 'measured'} kernels: forward and forward_batch equal forwardCodes`, () => {
      const r = checkPlans(readFileSync(`${wasmDir}${backend}.wasm`), backend, force, SEEDS);
      if (r.error) assert.fail(r.error);
      if (force === 'lut') assert.ok(r.groups['lut'] > 20, `only ${r.groups['lut']} table groups: the shapes no longer exercise the table kernels`);
      if (force === 'dot16' || backend === 'scalar') assert.equal(r.groups['lut'] ?? 0, 0);
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
