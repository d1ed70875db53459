/**
 * @fileoverview Paired measurements behind the contract-step copies (issue #15): each place that keeps a local copy of a
 * formats/ step for speed, or calls the one home instead, timed against the alternative in alternating rounds of one
 * process, so both sides see the same load. Prints the median per-round ratio (alternative / ours) with its min..max.
 *
 *   node dist/tools/bench/steps.js [--rounds 15]
 */

import { fileURLToPath } from 'node:url';
import { packRow, rowBytes, unpackRow, weightCodeRange } from '../../formats/pack.js';
import { dequantizeValue, requantize } from '../../formats/reference/arith.js';
import { argmax } from '../../formats/reference/forward.js';
import { requantExact } from '../train/intforward.js';
import { Rng } from '../train/rng.js';

export interface PairedStep {
  name: string;
  /** Median, min and max over rounds of time(b) / time(a). */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  /** Median time of one call of each side, microseconds. */
  aUs: number;
  bUs: number;
}

const median = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1]!;

/** `rounds` rounds of `reps` calls of `a` then `b` (order flipped every round); `sink` keeps results alive. */
export function paired(name: string, a: () => number, b: () => number, rounds: number, reps: number): PairedStep {
  let sink = 0;
  for (let i = 0; i < reps; i++) sink += a() + b(); // warm-up: both optimised before timing
  const ta: number[] = [], tb: number[] = [];
  const time = (f: () => number) => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) sink += f();
    return (performance.now() - t0) / reps;
  };
  for (let r = 0; r < rounds; r++) {
    if (r & 1) { tb.push(time(b)); ta.push(time(a)); } else { ta.push(time(a)); tb.push(time(b)); }
  }
  if (sink === 0.5) console.log('');
  const ratios = ta.map((t, i) => tb[i]! / t);
  return { name, ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios), aUs: median(ta) * 1000, bUs: median(tb) * 1000 };
}

/** The trainer's private packer (tools/train/trainer.ts packCodes), the alternative packRow is measured against. */
function packCodesTrainer(q: Int32Array, n: number, b: number): Uint8Array {
  const out = new Uint8Array(rowBytes(n, b));
  const mask = (1 << b) - 1;
  let t = 0;
  for (let k = 0; k < n; k++, t += b) {
    const field = b === 1 ? (q[k]! > 0 ? 1 : 0) : q[k]! & mask;
    out[t >> 3]! |= (field << (t & 7)) & 0xff;
    const spill = (t & 7) + b - 8;
    if (spill > 0) out[(t >> 3) + 1]! |= field >> (b - spill);
  }
  return out;
}

/** formats/pack.ts packRow before issue #15: one bit at a time. */
function packRowBitwise(codes: Int32Array, bits: number): Uint8Array {
  const out = new Uint8Array(rowBytes(codes.length, bits));
  for (let k = 0; k < codes.length; k++) {
    const field = bits === 1 ? (codes[k]! > 0 ? 1 : 0) : codes[k]! & ((1 << bits) - 1);
    for (let i = 0; i < bits; i++) if ((field >> i) & 1) out[(k * bits + i) >> 3]! |= 1 << ((k * bits + i) & 7);
  }
  return out;
}

/** formats/pack.ts unpackRow before issue #15: one bit at a time. */
function unpackRowBitwise(packed: Uint8Array, count: number, bits: number, out: Int32Array): Int32Array {
  for (let k = 0; k < count; k++) {
    let field = 0;
    for (let i = 0; i < bits; i++) field |= ((packed[(k * bits + i) >> 3]! >> ((k * bits + i) & 7)) & 1) << i;
    out[k] = bits === 1 ? (field === 1 ? 1 : -1) : (field ^ (1 << (bits - 1))) - (1 << (bits - 1));
  }
  return out;
}

/** IntegerForward's requantColumn. */
function columnExact(out: Int32Array, j: number, N: number, count: number, mult: number, shift: number, bits: number): number {
  const qmax = 2 ** bits - 1;
  for (let i = 0, at = j; i < count; i++, at += N) out[at] = requantExact(out[at]!, mult, shift, qmax);
  return qmax;
}

/** The same column through formats/reference's BigInt requantize. */
function columnReference(out: Int32Array, j: number, N: number, count: number, mult: number, shift: number, bits: number): number {
  for (let i = 0, at = j; i < count; i++, at += N) out[at] = requantize(out[at]!, mult, shift, bits);
  return bits;
}

/** requantExact before issue #15: powers of two from `2 **` and divisions. */
function requantPowDiv(acc: number, mult: number, shift: number, qmax: number): number {
  const mh = Math.floor(mult / 65536), ml = mult - mh * 65536, A = acc * mh, B = acc * ml;
  let r: number;
  if (shift >= 16) {
    const t = shift >= 17 ? Math.floor(B / 65536) + 2 ** (shift - 17) : Math.floor((B + 32768) / 65536);
    r = Math.floor((A + t) / 2 ** (shift - 16));
  } else r = A * 2 ** (16 - shift) + Math.floor((B + 2 ** (shift - 1)) / 2 ** shift);
  return r < 0 ? 0 : r > qmax ? qmax : r;
}

function columnPowDiv(out: Int32Array, j: number, N: number, count: number, mult: number, shift: number, bits: number): number {
  const qmax = 2 ** bits - 1;
  for (let i = 0, at = j; i < count; i++, at += N) out[at] = requantPowDiv(out[at]!, mult, shift, qmax);
  return qmax;
}

// Each side below is its own loop with a direct call, as in the code it stands for: a shared higher-order loop would make
// the call site polymorphic and time the dispatch instead of the step.
export function runSteps(rounds: number): PairedStep[] {
  const r = new Rng(15);
  const rows: PairedStep[] = [];
  // Weight rows as the trainer exports them: 512 rows of 256 codes per width.
  for (const bits of [1, 2, 4, 8]) {
    const [lo, hi] = weightCodeRange(bits);
    const q = Array.from({ length: 512 }, () => Int32Array.from({ length: 256 }, () => (bits === 1 ? (r.next() < 0.5 ? -1 : 1) : lo + r.int(hi - lo + 1))));
    const ours = () => { let s = 0; for (const row of q) s += packRow(row, bits)[0]!; return s; };
    const trainer = () => { let s = 0; for (const row of q) s += packCodesTrainer(row, 256, bits)[0]!; return s; };
    const before = () => { let s = 0; for (const row of q) s += packRowBitwise(row, bits)[0]!; return s; };
    rows.push(paired(`pack 512x256 w${bits}: trainer packCodes / packRow`, ours, trainer, rounds, 8));
    rows.push(paired(`pack 512x256 w${bits}: bitwise packRow (before) / packRow`, ours, before, rounds, 4));
    const packed = q.map((row) => packRow(row, bits));
    const out = new Int32Array(256);
    const unpack = () => { let s = 0; for (const p of packed) s += unpackRow(p, 0, 256, bits, out)[0]!; return s; };
    const unpackBefore = () => { let s = 0; for (const p of packed) s += unpackRowBitwise(p, 256, bits, out)[0]!; return s; };
    rows.push(paired(`unpack 512x256 w${bits}: bitwise unpackRow (before) / unpackRow`, unpack, unpackBefore, rounds, 4));
  }
  // Requantisation as IntegerForward.runBatch runs it: one column (neuron) of 512 accumulators at a time, 256 neurons.
  {
    const N = 256, M = 512;
    const acc = Int32Array.from({ length: M * N }, () => r.int(2 ** 24) - 2 ** 23);
    const mult = Int32Array.from({ length: N }, () => 2 ** 30 + r.int(2 ** 30));
    const shift = Uint8Array.from({ length: N }, () => 30 + r.int(12));
    const bits = Uint8Array.from({ length: N }, () => [4, 8, 16][r.int(3)]!);
    const out = new Int32Array(M * N);
    const all = (column: typeof columnExact) => () => {
      out.set(acc);
      for (let j = 0; j < N; j++) column(out, j, N, M, mult[j]!, shift[j]!, bits[j]!);
      return out[7]!;
    };
    rows.push(paired('requant 512x256: BigInt requantize / requantExact', all(columnExact), all(columnReference), rounds, 2));
    rows.push(paired('requant 512x256: requantExact with 2**n and / (before) / now', all(columnExact), all(columnPowDiv), rounds, 2));
  }
  // Output dequantisation per sample as runtime/model.ts #run does it (26 outputs), inline vs the reference's function;
  // and the arg-max of classificationReport over a batch of rows.
  {
    const O = 26, S = 4096;
    const acc = Int32Array.from({ length: S * O }, () => r.int(2 ** 20) - 2 ** 19);
    const scale = Float64Array.from({ length: O }, () => 2 ** -12 * (1 + r.next()));
    const offset = Float64Array.from({ length: O }, () => r.next() - 0.5);
    const out = new Float32Array(O);
    const inline = () => {
      for (let s = 0; s < S; s++) for (let j = 0; j < O; j++) out[j] = Math.fround(acc[s * O + j]! * scale[j]! + offset[j]!);
      return out[3]!;
    };
    const call = () => {
      for (let s = 0; s < S; s++) for (let j = 0; j < O; j++) out[j] = dequantizeValue(acc[s * O + j]!, scale[j]!, offset[j]!);
      return out[3]!;
    };
    rows.push(paired('dequantize 4096 samples x 26: dequantizeValue / inline', inline, call, rounds, 20));
    const y = Float32Array.from({ length: S * O }, () => r.next());
    const inlineMax = () => {
      let t = 0;
      for (let s = 0; s < S; s++) { let best = 0; for (let j = 1; j < O; j++) if (y[s * O + j]! > y[s * O + best]!) best = j; t += best; }
      return t;
    };
    const callMax = () => { let t = 0; for (let s = 0; s < S; s++) t += argmax(y, s * O, O); return t; };
    rows.push(paired('argmax 4096 rows x 26: argmax(y, offset, n) / inline', inlineMax, callMax, rounds, 20));
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--rounds');
  const rounds = i > 0 ? Number(process.argv[i + 1]) : 15;
  console.log(`node ${process.version}, ${rounds} alternating rounds per pair; ratio = second / first (> 1: the first is faster)`);
  for (const s of runSteps(rounds)) {
    console.log(`${s.name.padEnd(58)} ${s.ratio.toFixed(2)} (${s.ratioMin.toFixed(2)}..${s.ratioMax.toFixed(2)})  ${s.aUs.toFixed(1)} / ${s.bUs.toFixed(1)} us`);
  }
}
