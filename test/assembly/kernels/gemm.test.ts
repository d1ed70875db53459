/**
 * @fileoverview Every GEMM export (`gemm_w<W>a<A>_r<R>s<S>__<isa>_<trick>`, assembly/kernels/README.md) equals the
 * canonical-layout reference for each of its S samples bit for bit, on the same layouts as its GEMV sibling: fan-ins around
 * every chunk size, rows not a multiple of the block, misaligned bases and strides, extreme codes, K = 4096, and no write
 * outside each sample's documented output range. Re-run one seed with SEED=<n>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { packRow, unpackRow, weightCodeRange } from '../../../formats/pack.js';
import { rng } from '../../../formats/testdata/random.js';
import { packPlanes, packScalarRows, packSimdRows, planesBytes, simdActLength } from '../../../runtime/pack.js';
import { wasmDir } from '../../support/paths.js';

const GEMM = /^gemm_w(\d+|N)a(\d+|N)_r(\d+)s(\d+)__(scalar|simd128)(?:_(\w+))?$/;
const SEEDS = process.env.SEED ? [Number(process.env.SEED)] : [1, 2, 3];
const SENTINEL = 0x5a;

type Fn = (...args: number[]) => void;
interface Mod { name: string; x: Record<string, Fn> & { memory: WebAssembly.Memory; heapBase(): number } }
const modules: Mod[] = ['simd', 'scalar'].map((name) => ({
  name,
  x: new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(readFileSync(`${wasmDir}${name}.wasm`))), {}).exports as unknown as Mod['x'],
}));

function reference(values: Int32Array, bits: number[], k: number, x: ArrayLike<number>, bias: Int32Array): Int32Array {
  const out = new Int32Array(bits.length);
  for (let j = 0; j < bits.length; j++) {
    const w = unpackRow(packRow(values.subarray(j * k, j * k + k), bits[j]), 0, k, bits[j]);
    let s = bias[j];
    for (let e = 0; e < k; e++) s += w[e] * x[e];
    out[j] = s | 0;
  }
  return out;
}

const kernels = modules.flatMap((m) => Object.keys(m.x).filter((n) => GEMM.test(n)).map((name) => ({ m, name, g: GEMM.exec(name)! })));

test('gemm › simd.wasm: a two-sample dot16 GEMM per lane-group width; scalar.wasm: two-sample bit-serial for 1 and 2 bits', () => {
  const names = (mod: string) => kernels.filter((k) => k.m.name === mod).map((k) => k.name).sort();
  assert.deepEqual(names('simd'), [1, 2, 4, 8].map((w) => `gemm_w${w}a16_r4s2__simd128_dot16`));
  assert.deepEqual(names('scalar'), [1, 2].map((w) => `gemm_w${w}aN_r2s2__scalar_popcnt`));
  // Each GEMM has a GEMV of the same layout beside it (same weight and activation tokens, same isa and trick).
  for (const { m, g } of kernels) {
    assert.ok(Object.keys(m.x).some((n) => n.startsWith(`gemv_w${g[1]}a${g[2]}_r`) && n.endsWith(`__${g[5]}_${g[6]}`)), `${g[0]} has no GEMV sibling`);
  }
});

for (const { m, name, g } of kernels) {
  const [, wTok, , , sTok, isa, trick] = g;
  const W = Number(wTok), S = Number(sTok);
  test(`gemm › ${m.name}.wasm ${name}`, () => {
    const popcnt = isa === 'scalar' && trick === 'popcnt';
    assert.ok(popcnt || (isa === 'simd128' && trick === 'dot16'), `${name}: no test for this family`);
    for (const seed of SEEDS) {
      const r = rng(seed * 104729 + W + (popcnt ? 77 : 0));
      const ks = [1, 7, 8, 9, 16, 17, 63, 64, 65, 127, 128, 129, 256, 300, 4096];
      for (const k of ks) {
        const rows = [1, 2, 3, 4, 5, 8, 13][Math.floor(r() * 7)];
        const extreme = k === 4096 || r() < 0.15;
        const skew = Math.floor(r() * 16);
        const label = `seed ${seed} ${m.name}.wasm ${name} k=${k} rows=${rows} skew=${skew}${extreme ? ' extreme' : ''}`;
        const widths = W === 4 ? [3, 4] : W === 8 ? [5, 6, 7, 8] : [W];
        const values = new Int32Array(rows * k), bits: number[] = [];
        for (let j = 0; j < rows; j++) {
          const b = widths[Math.floor(r() * widths.length)];
          bits.push(b);
          const [lo, hi] = weightCodeRange(b);
          for (let e = 0; e < k; e++) {
            let v = extreme || r() < 0.25 ? (r() < 0.5 ? lo : hi) : lo + Math.floor(r() * (hi - lo + 1));
            if (b === 1 && v === 0) v = 1;
            values[j * k + e] = v;
          }
        }
        if (popcnt) {
          // Bit planes of unsigned activations, 1..16 planes; samples xStride apart (not a multiple of 16 bytes).
          const planes = extreme ? 16 : 1 + Math.floor(r() * 16);
          const us = Array.from({ length: S }, () => Int32Array.from({ length: k }, () => (extreme ? 2 ** planes - 1 : Math.floor(r() * 2 ** planes))));
          const xStride = planesBytes(k, planes) + 8, oStride = 4 * rows + 12;
          const bias = Int32Array.from({ length: rows }, () => Math.floor((r() - 0.5) * 2e6));
          const mem = m.x.memory;
          const base = ((m.x.heapBase() + 15) & ~15) + 64 + skew;
          const wBytes = packScalarRows(values, rows, k, W);
          const wp = base, xp = wp + wBytes.length + 64, bp = xp + S * xStride + 64, op = bp + 4 * rows + 64;
          const end = op + S * oStride + 64;
          if (end > mem.buffer.byteLength) mem.grow(Math.ceil((end - mem.buffer.byteLength) / 65536));
          const u8 = new Uint8Array(mem.buffer);
          u8.fill(SENTINEL, base - 64, end);
          u8.set(wBytes, wp);
          us.forEach((u, s) => u8.set(packPlanes(u, planes), xp + s * xStride));
          u8.set(new Uint8Array(bias.buffer), bp);
          m.x[name](wp, xp, xStride, bp, op, oStride, rows, Math.ceil(k / 64), planes);
          for (let s = 0; s < S; s++) {
            const got = new Int32Array(u8.slice(op + s * oStride, op + s * oStride + 4 * rows).buffer);
            const want = reference(values, bits, k, us[s], bias);
            for (let j = 0; j < rows; j++) if (got[j] !== want[j]) assert.fail(`${label} a=${planes} sample ${s}: row ${j} expected ${want[j]}, got ${got[j]}`);
            for (let p = op + s * oStride + 4 * rows; p < op + (s + 1) * oStride; p++) {
              if (u8[p] !== SENTINEL) assert.fail(`${label} sample ${s}: wrote byte ${p - op - s * oStride} past its output range`);
            }
          }
          continue;
        }
        const kPad = simdActLength(k);
        // Samples at a stride that is not a multiple of 16 bytes: x rows of kPad + 3 int16, outputs of rows4 + 5 int32.
        const xStride = 2 * (kPad + 3), rows4 = Math.ceil(rows / 4) * 4, oStride = 4 * (rows4 + 5);
        const xs = Array.from({ length: S }, () => {
          const x = new Int16Array(kPad + 3);
          for (let e = 0; e < k; e++) x[e] = extreme ? (r() < 0.5 ? -32768 : 32767) : Math.floor((r() - 0.5) * 65536);
          return x;
        });
        const bias = Int32Array.from({ length: rows4 }, () => (r() < 0.1 ? 0x7fffffff : Math.floor((r() - 0.5) * 2e6)));
        const mem = m.x.memory;
        const base = ((m.x.heapBase() + 15) & ~15) + 64 + skew;
        const wBytes = packSimdRows(values, rows, k, W);
        const wp = base, xp = (wp + wBytes.length + 64 + 15 & ~15) + skew, bp = xp + S * xStride + 64, op = bp + 4 * rows4 + 64 + skew;
        const end = op + S * oStride + 64;
        if (end > mem.buffer.byteLength) mem.grow(Math.ceil((end - mem.buffer.byteLength) / 65536));
        const u8 = new Uint8Array(mem.buffer);
        u8.fill(SENTINEL, base - 64, end);
        u8.set(wBytes, wp);
        xs.forEach((x, s) => u8.set(new Uint8Array(x.buffer), xp + s * xStride));
        u8.set(new Uint8Array(bias.buffer), bp);
        m.x[name](wp, xp, xStride, bp, op, oStride, rows, k);
        for (let s = 0; s < S; s++) {
          const got = new Int32Array(u8.slice(op + s * oStride, op + s * oStride + 4 * rows).buffer);
          const want = reference(values, bits, k, xs[s], bias);
          for (let j = 0; j < rows; j++) if (got[j] !== want[j]) assert.fail(`${label} sample ${s}: row ${j} expected ${want[j]}, got ${got[j]}`);
          for (let p = op + s * oStride + 4 * rows4; p < op + (s + 1) * oStride; p++) {
            if (u8[p] !== SENTINEL) assert.fail(`${label} sample ${s}: wrote byte ${p - op - s * oStride} past its output range`);
          }
        }
        for (let p = op - 64; p < op; p++) if (u8[p] !== SENTINEL) assert.fail(`${label}: wrote before the outputs`);
      }
    }
  });
}
