/**
 * @fileoverview Every GEMV export of both modules (enumerated by the name grammar of assembly/kernels/README.md) equals the
 * canonical-layout reference bit for bit: fan-ins around every chunk size, rows not a multiple of the block, bases misaligned
 * by 1..15 bytes, extreme codes, K = 4096, and no write past the documented output range. Re-run one seed with SEED=<n>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { packRow, rowBytes, unpackRow, weightCodeRange } from '../../../formats/pack.js';
import { rng } from '../../../formats/testdata/random.js';
import {
  lutRowsBytes, lutTablesBytes, packLutRows, packPlanes, packScalarRows, packSimdRows, planesBytes, scalarRowsBytes, simdActLength, simdRowsBytes,
} from '../../../runtime/pack.js';
import { wasmDir } from '../../support/paths.js';

const KERNEL = /^gemv_w(\d+|N)a(\d+|N)_r(\d+)__(scalar|simd128)(?:_(\w+))?$/;
const SEEDS = process.env.SEED ? [Number(process.env.SEED)] : [1, 2, 3];
const SENTINEL = 0x5a;

type Fn = (...args: number[]) => void;
interface Mod { name: string; x: Record<string, Fn> & { memory: WebAssembly.Memory; heapBase(): number } }

function load(name: string): Mod {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(readFileSync(`${wasmDir}${name}.wasm`))), {});
  return { name, x: inst.exports as unknown as Mod['x'] };
}
const modules = [load('simd'), load('scalar')];

/** Places buffers from heapBase with a deliberate misalignment, growing memory; everything else is SENTINEL. */
class Placer {
  top: number;
  constructor(private readonly m: Mod, private readonly skew: number) {
    this.top = ((m.x.heapBase() + 15) & ~15) + 64; // 64 guard bytes before the first buffer
  }
  put(bytes: Uint8Array, slack = 64): number {
    const from = this.top, at = this.top + this.skew;
    this.top = (at + bytes.length + slack + 15) & ~15;
    const mem = this.m.x.memory;
    if (this.top > mem.buffer.byteLength) mem.grow(Math.ceil((this.top - mem.buffer.byteLength) / 65536));
    const u8 = new Uint8Array(mem.buffer);
    u8.fill(SENTINEL, from, this.top);
    u8.set(bytes, at);
    return at;
  }
  get u8(): Uint8Array { return new Uint8Array(this.m.x.memory.buffer); }
}

/** Weight values of width `b` (0.25 extreme), per row; `widths` lets wider layouts hold narrower codes (3 in 4, 5..7 in 8). */
function weights(r: () => number, rows: number, k: number, widths: number[], extreme: boolean): { values: Int32Array; bits: number[] } {
  const values = new Int32Array(rows * k);
  const bits: number[] = [];
  for (let j = 0; j < rows; j++) {
    const b = widths[Math.floor(r() * widths.length)];
    bits.push(b);
    const [lo, hi] = weightCodeRange(b);
    for (let e = 0; e < k; e++) {
      const u = r();
      let v = extreme || u < 0.25 ? (r() < 0.5 ? lo : hi) : lo + Math.floor(r() * (hi - lo + 1));
      if (b === 1 && v === 0) v = 1;
      values[j * k + e] = v;
    }
  }
  return { values, bits };
}

/** (bias + sum w x) mod 2^32 with w decoded from the canonical row, i.e. the file's meaning of the values. */
function reference(values: Int32Array, bits: number[], k: number, x: ArrayLike<number>, bias: Int32Array): Int32Array {
  const out = new Int32Array(bits.length);
  for (let j = 0; j < bits.length; j++) {
    const w = unpackRow(packRow(values.subarray(j * k, j * k + k), bits[j]), 0, k, bits[j]);
    let s = bias[j];
    for (let e = 0; e < k; e++) s += w[e] * x[e];
    out[j] = s | 0; // kernels wrap mod 2^32; inside the format's bound this is the exact value
  }
  return out;
}

function check(label: string, got: Int32Array, want: Int32Array): void {
  for (let j = 0; j < want.length; j++) {
    if (got[j] !== want[j]) assert.fail(`${label}: row ${j} expected ${want[j]}, got ${got[j]}`);
  }
}

function checkUntouched(label: string, u8: Uint8Array, from: number, to: number): void {
  for (let p = from; p < to; p++) if (u8[p] !== SENTINEL) assert.fail(`${label}: wrote byte ${p - from} past its output range`);
}

const K_CASES = [1, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 128, 129, 200, 256];
const ROW_CASES = [1, 2, 3, 4, 5, 7, 8, 13];

interface Shape { k: number; rows: number; skew: number; extreme: boolean }
function shapes(r: () => number): Shape[] {
  const s: Shape[] = [];
  for (const k of K_CASES) s.push({ k, rows: ROW_CASES[Math.floor(r() * ROW_CASES.length)], skew: Math.floor(r() * 16), extreme: false });
  for (const rows of ROW_CASES) s.push({ k: 1 + Math.floor(r() * 300), rows, skew: 1 + Math.floor(r() * 15), extreme: false });
  s.push({ k: 4096, rows: 5, skew: 3, extreme: true }, { k: 131, rows: 6, skew: 0, extreme: true });
  return s;
}

const kernels = modules.flatMap((m) => Object.keys(m.x).filter((n) => KERNEL.test(n)).map((name) => ({ m, name, g: KERNEL.exec(name)! })));

test('gemv › both modules export the documented kernel families', () => {
  const names = (mod: string) => kernels.filter((k) => k.m.name === mod).map((k) => k.name).sort();
  const popcnt = [1, 2, 4, 8].map((w) => `gemv_w${w}aN_r1__scalar_popcnt`);
  const dot16 = [1, 2, 4, 8].map((w) => `gemv_w${w}a16_r4__simd128_dot16`);
  const scalar = ['gemv_wNa16_r1__scalar', 'gemv_w8a16_r1__scalar'];
  const lut = ['gemv_wNa4_r16__simd128_lut', 'gemv_wNa8_r16__simd128_lut'];
  assert.deepEqual(names('simd'), [...dot16, ...popcnt, ...scalar, ...lut].sort());
  assert.deepEqual(names('scalar'), [...popcnt, 'gemv_w1aN_r4__scalar_popcnt', ...scalar].sort(), 'scalar.wasm (assembly/scalar.ts) carries no SIMD kernel, not even as a trap');
});

for (const { m, name, g } of kernels) {
  const [, wTok, , rTok, isa, trick] = g;
  const W = wTok === 'N' ? 0 : Number(wTok);
  const R = Number(rTok);
  test(`gemv › ${m.name}.wasm ${name}`, () => {
    for (const seed of SEEDS) {
      const r = rng(seed * 7919 + W + Number(g[2] === 'N' ? 0 : g[2]));
      for (const sh of shapes(r)) {
        const { k, rows, skew } = sh;
        const label = `seed ${seed} ${m.name}.wasm ${name} k=${k} rows=${rows} skew=${skew}${sh.extreme ? ' extreme' : ''}`;
        const p = new Placer(m, skew);
        const bias = Int32Array.from({ length: rows + 3 }, () => (r() < 0.1 ? (r() < 0.5 ? -0x7fffffff : 0x7fffffff) : Math.floor((r() - 0.5) * 2e6)));
        if (isa === 'simd128' && trick === 'lut') {
          // Table kernels: W = 1..8 bit planes (run time), activations of any width up to the kernel's A (4 or 8).
          const A = Number(g[2]);
          const Wp = sh.extreme ? 8 - (k % 8) : 1 + Math.floor(r() * 8);
          const a = sh.extreme ? A : 1 + Math.floor(r() * A);
          const { values, bits } = weights(r, rows, k, [Wp], sh.extreme);
          const x = new Int16Array(simdActLength(k)); // padding stays 0 (precondition)
          for (let e = 0; e < k; e++) x[e] = sh.extreme ? 2 ** a - 1 : Math.floor(r() * 2 ** a);
          const wp = p.put(packLutRows(values, rows, k, Wp));
          assert.equal(lutRowsBytes(rows, k, Wp), Math.ceil(rows / 16) * Wp * Math.ceil(k / 16) * 32);
          const xp = p.put(new Uint8Array(x.buffer));
          const tBytes = lutTablesBytes(k, A);
          const tp = p.put(new Uint8Array(tBytes));
          const bp = p.put(new Uint8Array(Int32Array.from({ length: Math.ceil(rows / 16) * 16 }, (_, i) => bias[i] ?? 0).buffer));
          const outBytes = 4 * Math.ceil(rows / 16) * 16;
          const op = p.put(new Uint8Array(outBytes));
          m.x[`lut_tables_a${A}`](xp, k, tp);
          checkUntouched(`${label} tables`, p.u8, tp + tBytes, tp + tBytes + 64);
          m.x[name](wp, tp, bp, op, rows, k, Wp);
          const got = new Int32Array(p.u8.slice(op, op + 4 * rows).buffer);
          check(`${label} W=${Wp} a=${a}`, got, reference(values, bits, k, x, bias));
          checkUntouched(label, p.u8, op + outBytes, op + outBytes + 64);
          checkUntouched(label, p.u8, op - 16, op);
        } else if (isa === 'simd128') {
          const widths = W === 4 ? [3, 4] : W === 8 ? [5, 6, 7, 8] : [W];
          const { values, bits } = weights(r, rows, k, widths, sh.extreme);
          const x = new Int16Array(simdActLength(k)); // padding stays 0 (precondition)
          for (let e = 0; e < k; e++) x[e] = sh.extreme ? (r() < 0.5 ? -32768 : 32767) : Math.floor((r() - 0.5) * 65536);
          const wp = p.put(packSimdRows(values, rows, k, W));
          assert.equal(simdRowsBytes(rows, k, W) % 64, 0);
          const xp = p.put(new Uint8Array(x.buffer));
          const bp = p.put(new Uint8Array(bias.buffer));
          const outBytes = 4 * Math.ceil(rows / 4) * 4;
          const op = p.put(new Uint8Array(outBytes));
          m.x[name](wp, xp, bp, op, rows, k);
          const got = new Int32Array(p.u8.slice(op, op + 4 * rows).buffer);
          check(label, got, reference(values, bits, k, x, bias));
          checkUntouched(label, p.u8, op + outBytes, op + outBytes + 64);
          checkUntouched(label, p.u8, op - 16, op);
        } else if (isa === 'scalar' && trick === undefined && W === 8) {
          // int8 rows x int16 activations (the wasm3 loader's kernel for wide weights or activations); rows of width 1..8.
          const { values, bits } = weights(r, rows, k, [1, 2, 3, 4, 5, 6, 7, 8], sh.extreme);
          const x = Int16Array.from({ length: k }, () => (sh.extreme ? (r() < 0.5 ? -32768 : 32767) : Math.floor((r() - 0.5) * 65536)));
          const wp = p.put(Uint8Array.from(values, (v) => v & 0xff), 0);
          const xp = p.put(new Uint8Array(x.buffer), 0);
          const bp = p.put(new Uint8Array(bias.buffer));
          const op = p.put(new Uint8Array(4 * rows));
          m.x[name](wp, xp, bp, op, rows, k);
          const got = new Int32Array(p.u8.slice(op, op + 4 * rows).buffer);
          check(label, got, reference(values, bits, k, x, bias));
          checkUntouched(label, p.u8, op + 4 * rows, op + 4 * rows + 64);
        } else if (isa === 'scalar' && trick === 'popcnt') {
          const a = 1 + Math.floor(r() * 16);
          const planes = sh.extreme ? 16 : a;
          const { values, bits } = weights(r, rows, k, W === 4 ? [3, 4] : W === 8 ? [5, 6, 7, 8] : [W], sh.extreme);
          const u = Int32Array.from({ length: k }, () => (sh.extreme ? 2 ** planes - 1 : Math.floor(r() * 2 ** planes)));
          const wp = p.put(packScalarRows(values, rows, k, W));
          assert.equal(scalarRowsBytes(rows, k, W), rows * Math.ceil(k / 64) * W * 8);
          const xp = p.put(packPlanes(u, planes));
          assert.equal(planesBytes(k, planes), Math.ceil(k / 64) * planes * 8);
          const bp = p.put(new Uint8Array(bias.buffer));
          const op = p.put(new Uint8Array(4 * rows));
          m.x[name](wp, xp, bp, op, rows, Math.ceil(k / 64), planes);
          const got = new Int32Array(p.u8.slice(op, op + 4 * rows).buffer);
          check(`${label} a=${planes}`, got, reference(values, bits, k, u, bias));
          checkUntouched(label, p.u8, op + 4 * rows, op + 4 * rows + 64);
        } else {
          // Reference kernel on canonical rows: every width 1..8, rows at rowBytes stride.
          const b = 1 + Math.floor(r() * 8);
          const { values, bits } = weights(r, rows, k, [b], sh.extreme);
          const rb = rowBytes(k, b);
          const canon = new Uint8Array(rows * rb);
          for (let j = 0; j < rows; j++) canon.set(packRow(values.subarray(j * k, j * k + k), b), j * rb);
          const x = Int16Array.from({ length: k }, () => (sh.extreme ? -32768 : Math.floor((r() - 0.5) * 65536)));
          const wp = p.put(canon, 0); // no slack: a read past the last row would hit the next buffer, not be hidden
          const xp = p.put(new Uint8Array(x.buffer));
          const bp = p.put(new Uint8Array(bias.buffer));
          const op = p.put(new Uint8Array(4 * rows));
          m.x[name](wp, rb, b, xp, bp, op, rows, k);
          const got = new Int32Array(p.u8.slice(op, op + 4 * rows).buffer);
          check(`${label} bits=${b}`, got, reference(values, bits, k, x, bias));
          checkUntouched(label, p.u8, op + 4 * rows, op + 4 * rows + 64);
        }
        void R;
      }
    }
  });
}

test('gemv › requant export equals the reference at the edges of mult, shift and accumulators', async () => {
  const { requantize } = await import('../../../formats/reference/arith.js');
  const r = rng(99);
  for (const m of modules) {
    const f = m.x.requant as unknown as (a: number, b: number, c: number, d: number) => number;
    const accs = [0, 1, -1, 0x7fffffff, -0x7fffffff, -0x80000000 + 1, 12345, -12345];
    const mults = [1, 2, 0x40000000, 0x7fffffff];
    for (let i = 0; i < 400; i++) {
      const acc = i < 64 ? accs[i % accs.length] : Math.floor((r() - 0.5) * 2 ** 32) | 0;
      const mult = i < 64 ? mults[(i >> 3) % 4] : 1 + Math.floor(r() * 0x7ffffffe);
      const shift = i % 7 === 0 ? 62 : i % 5 === 0 ? 1 : 1 + Math.floor(r() * 62);
      const bits = 1 + (i % 16);
      const want = requantize(acc, mult, shift, bits), got = f(acc, mult, shift, bits);
      if (got !== want) assert.fail(`${m.name}.wasm requant(${acc}, ${mult}, ${shift}, ${bits}): expected ${want}, got ${got}`);
    }
  }
});
