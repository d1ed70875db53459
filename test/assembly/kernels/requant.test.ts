/**
 * @fileoverview The per-layer requantisation exports of both modules (requant_i16 scatter, requant_i16_seq grouped order,
 * requant_planes) equal formats' `requantize` on every neuron: SIMD blocks of 4 with one shift (1, 62 and between), mixed
 * blocks, tails, activation widths 1..16, zs 0 and 32768, accumulators at the int32 edges. Re-run with SEED=<n>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { requantize } from '../../../formats/reference/arith.js';
import { REC_BITS, REC_BYTES, REC_INDEX, REC_MULT, REC_SHIFT } from '../../../runtime/abi.js';
import { rng } from '../../../formats/testdata/random.js';
import { wasmDir } from '../../support/paths.js';

const SEED = process.env.SEED ? Number(process.env.SEED) : 5;
type Fn = (...a: number[]) => void;

for (const name of ['simd', 'scalar']) {
  test(`requant › ${name}.wasm requant_i16, requant_i16_seq, requant_planes equal the reference`, () => {
    const x = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(readFileSync(`${wasmDir}${name}.wasm`))), {}).exports as unknown as Record<string, Fn> & { memory: WebAssembly.Memory; heapBase(): number };
    x.memory.grow(4);
    const r = rng(SEED);
    const base = (x.heapBase() + 15) & ~15;
    for (const n of [1, 3, 4, 5, 8, 13, 64, 257]) {
      for (const shiftMode of ['uniform', 'runs', 'random'] as const) {
        const acc = new Int32Array(n), mult = new Int32Array(n), shift = new Uint8Array(n), bits = new Uint8Array(n), perm = new Uint16Array(n);
        const s0 = [1, 62, 31, 40][Math.floor(r() * 4)];
        for (let i = 0; i < n; i++) {
          const u = r();
          acc[i] = u < 0.1 ? 0x7fffffff : u < 0.2 ? -0x7fffffff : u < 0.25 ? -0x80000000 + 1 : Math.floor((r() - 0.5) * 2 ** (1 + r() * 31));
          mult[i] = r() < 0.1 ? 0x7fffffff : r() < 0.1 ? 1 : 1 + Math.floor(r() * 0x7ffffffe);
          shift[i] = shiftMode === 'uniform' ? s0 : shiftMode === 'runs' ? [s0, 1 + ((s0 + 7) % 62)][Math.floor(i / 5) % 2] : 1 + Math.floor(r() * 62);
          bits[i] = 1 + Math.floor(r() * 16);
          perm[i] = i;
        }
        perm.sort(() => r() - 0.5);
        // The planner stores codes minus 32768 exactly when some width is 16 (int16 holds 0..32767 otherwise).
        const zs = bits.includes(16) || r() < 0.5 ? 32768 : 0;
        const want = Array.from(acc, (a, i) => requantize(a, mult[i], shift[i], bits[i]));
        const recs = new DataView(new ArrayBuffer(REC_BYTES * n));
        for (let i = 0; i < n; i++) {
          recs.setInt32(REC_BYTES * i + REC_MULT, mult[i], true);
          recs.setUint16(REC_BYTES * i + REC_INDEX, perm[i], true);
          recs.setUint8(REC_BYTES * i + REC_SHIFT, shift[i]);
          recs.setUint8(REC_BYTES * i + REC_BITS, bits[i]);
        }
        const accP = base, recP = base + 4 * n + 16, yP = recP + REC_BYTES * n + 16;
        const mem = () => new Uint8Array(x.memory.buffer);
        mem().set(new Uint8Array(acc.buffer), accP);
        mem().set(new Uint8Array(recs.buffer), recP);
        const label = `seed ${SEED} ${name}.wasm n=${n} shifts ${shiftMode} zs=${zs}`;
        const y16 = () => new Int16Array(x.memory.buffer.slice(yP, yP + 2 * n));
        x.requant_i16(accP, recP, yP, n, zs);
        let y = y16();
        for (let i = 0; i < n; i++) if (y[perm[i]] !== want[i] - zs) assert.fail(`${label} requant_i16 neuron ${i}: expected ${want[i] - zs}, got ${y[perm[i]]}`);
        mem().fill(0x5a, yP, yP + 2 * n + 32);
        x.requant_i16_seq(accP, recP, yP, n, zs);
        y = y16();
        for (let i = 0; i < n; i++) if (y[i] !== want[i] - zs) assert.fail(`${label} requant_i16_seq neuron ${i}: expected ${want[i] - zs}, got ${y[i]}`);
        assert.ok(mem().subarray(yP + 2 * n, yP + 2 * n + 32).every((b) => b === 0x5a), `${label}: requant_i16_seq wrote past n`);
        const planes = 16, words = Math.ceil(n / 64);
        x.requant_planes(accP, recP, yP, n, planes);
        const pv = new DataView(x.memory.buffer, yP, words * planes * 8);
        for (let i = 0; i < n; i++) {
          let u = 0;
          for (let p = 0; p < planes; p++) u |= ((pv.getUint8((Math.floor(perm[i] / 64) * planes + p) * 8 + ((perm[i] & 63) >> 3)) >> (perm[i] & 7)) & 1) << p;
          if (u !== want[i]) assert.fail(`${label} requant_planes neuron ${i}: expected ${want[i]}, got ${u}`);
        }
        if (name !== 'scalar') continue;
        // The JS host's scalar path: requant_bytes (natural order, low / high bytes) then planes_from_bytes, which must
        // clear the stale bytes past n (the scratch is shared by all layers) and equal requant_planes word for word.
        const maxBits = Math.max(...bits), pl = maxBits, half = words * 64;
        const loP = yP + words * 16 * 8 + 64, hiP = maxBits > 8 ? loP + half : 0, zP = loP + 2 * half + 64;
        mem().fill(0xff, loP, loP + 2 * half);
        x.requant_bytes(accP, recP, loP, hiP, n);
        x.planes_from_bytes(loP, hiP, n, zP, pl);
        x.requant_planes(accP, recP, yP, n, pl);
        const a1 = mem().slice(yP, yP + words * pl * 8), a2 = mem().slice(zP, zP + words * pl * 8);
        const bad = a1.findIndex((v, i) => v !== a2[i]);
        if (bad >= 0) assert.fail(`${label} planes_from_bytes (${pl} planes): byte ${bad} is ${a2[bad]}, requant_planes wrote ${a1[bad]}`);
      }
    }
  });
}

test('requant › scalar.wasm bytes_from_i16 + planes_from_bytes equal planes_from_i16 (input codes with their offset)', () => {
  const x = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(readFileSync(`${wasmDir}scalar.wasm`))), {}).exports as unknown as Record<string, Fn> & { memory: WebAssembly.Memory; heapBase(): number };
  x.memory.grow(2);
  const r = rng(SEED + 1);
  const base = (x.heapBase() + 15) & ~15;
  for (const n of [1, 54, 63, 64, 65, 300]) {
    for (const b of [2, 3, 8, 9, 15, 16]) {
      const q = 2 ** (b - 1) - 1, words = Math.ceil(n / 64);
      const codes = Int16Array.from({ length: n }, () => Math.round((r() * 2 - 1) * q));
      const mem = () => new Uint8Array(x.memory.buffer);
      const src = base, lo = src + 2 * n + 16, hi = b > 8 ? lo + words * 64 : 0, y1 = lo + 2 * words * 64 + 16, y2 = y1 + words * b * 8 + 16;
      mem().set(new Uint8Array(codes.buffer), src);
      mem().fill(0xff, lo, lo + 2 * words * 64);
      x.bytes_from_i16(src, n, 2 ** (b - 1), lo, hi);
      x.planes_from_bytes(lo, hi, n, y1, b);
      x.planes_from_i16(src, n, 2 ** (b - 1), y2, b);
      const a1 = mem().slice(y1, y1 + words * b * 8), a2 = mem().slice(y2, y2 + words * b * 8);
      assert.deepEqual(a1, a2, `n=${n} bits=${b}`);
    }
  }
});
