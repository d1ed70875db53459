/**
 * @fileoverview (a) GEMV and GEMM kernel throughput per weight width, activation width, layer shape and module, driven by
 * the modules' export list (names per assembly/kernels/README.md). Weights are packed here straight from the README's
 * layout text (the table layout through runtime/pack.ts), so every timed kernel is first checked bit for bit against
 * formats' dotRowReference: a packer or kernel that disagrees with the README fails.
 */

import { dotRowReference, encodeCode, packRow, rowBytes, weightCodeRange } from '../../formats/index.js';
import { lutTablesBytes, packLutRows } from '../../runtime/pack.js';
import { rng } from './models.js';
import type { KernelRow } from './report.js';

/** Export-name grammar of assembly/kernels/README.md: op, weight width, activation width, rows, samples, isa_trick. */
const KERNEL_NAME = /^(gemv|gemm)_w(\d+|N)a(\d+|N)_r(\d+)(?:s(\d+))?__(\w+)$/;

export interface WasmModuleInfo {
  name: string;
  bytes: Uint8Array;
}

/** Instantiates a runtime module with no imports (both builds are import-free by design). */
export function instantiate(bytes: Uint8Array): WebAssembly.Instance {
  // Copy: WebAssembly.Module wants an ArrayBuffer-backed view (a Node Buffer may be a slice of a shared pool).
  return new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)), {});
}

/** Bump allocator building a memory image that will be placed at `base` (16-byte aligned offsets, absolute addresses). */
class ImageBuilder {
  private size = 0;
  private parts: [number, Uint8Array][] = [];
  constructor(readonly base: number) {}
  /** Places `bytes` and returns their absolute address. */
  put(bytes: Uint8Array): number {
    const at = (this.size + 15) & ~15;
    this.parts.push([at, bytes]);
    this.size = at + bytes.length;
    return this.base + at;
  }
  image(): Uint8Array {
    const out = new Uint8Array(this.size);
    for (const [at, b] of this.parts) out.set(b, at);
    return out;
  }
}

/**
 * SIMD lane-group layout (README "SIMD"): 4-row blocks of 16-byte chunks, 16/W codes per i16 lane, first code on top;
 * W = 8: int8 rows, 16 columns of each row of the block in turn.
 */
export function packSimdLayout(codes: Int32Array[], k: number, W: number): Uint8Array {
  const C = 128 / W;
  const chunks = Math.ceil(k / C);
  const blocks = Math.ceil(codes.length / 4);
  const out = new Uint8Array(blocks * 4 * chunks * 16);
  const dv = new DataView(out.buffer);
  if (W === 8) {
    codes.forEach((row, r) => row.forEach((v, e) => dv.setInt8(((r >> 2) * chunks * 4 + (r & 3)) * 16 + (e >> 4) * 64 + (e & 15), v)));
    return out;
  }
  for (let r = 0; r < codes.length; r++) {
    const [b, i] = [r >> 2, r & 3];
    for (let c = 0; c < chunks; c++) {
      for (let l = 0; l < 8; l++) {
        let lane = 0;
        for (let q = 0; q < 16 / W; q++) {
          const e = c * C + q * 8 + l;
          if (e < k) lane |= encodeCode(codes[r]![e]!, W) << (16 - W * (q + 1));
        }
        dv.setUint16(((b * chunks + c) * 4 + i) * 16 + 2 * l, lane, true);
      }
    }
  }
  return out;
}

/** Bit-serial weight planes (README "Scalar"): per row and 64-element word, W u64 planes, plane i = bit i of the field. */
export function packPopcntWeights(codes: Int32Array[], k: number, W: number): Uint8Array {
  const kw = Math.ceil(k / 64);
  const out = new BigUint64Array(codes.length * kw * W);
  for (let r = 0; r < codes.length; r++) {
    for (let e = 0; e < k; e++) {
      const f = encodeCode(codes[r]![e]!, W);
      const word = e >> 6;
      for (let i = 0; i < W; i++) if ((f >> i) & 1) out[(r * kw + word) * W + i]! |= 1n << BigInt(e & 63);
    }
  }
  return new Uint8Array(out.buffer);
}

/** Activation bit planes (README "Scalar"): u64 at (word*a + p) holds bit p of u[word*64 ..]. */
export function packPopcntActs(u: Int32Array, a: number): Uint8Array {
  const kw = Math.ceil(u.length / 64);
  const out = new BigUint64Array(kw * a);
  for (let e = 0; e < u.length; e++) {
    for (let p = 0; p < a; p++) if ((u[e]! >> p) & 1) out[(e >> 6) * a + p]! |= 1n << BigInt(e & 63);
  }
  return new Uint8Array(out.buffer);
}

export interface KernelBenchOptions {
  shapes: [number, number][];
  /** Weight widths to run for kernels whose width is run-time (`wN`). */
  widths: number[];
  /**
   * Activation widths (codes 0 .. 2^a - 1, like a hidden layer's). Kernels whose cost does not depend on them (`a16`) run
   * at the largest only; `aN` kernels at each; `a4` / `a8` table kernels at each width they accept.
   */
  actBits: number[];
  rateTime: number;
  seed: number;
}

/**
 * Layout families this harness knows how to feed (assembly/kernels/README.md), from the op, the name's width token and
 * the part after `__`: `scalar` with width N is the canonical-layout reference, with width 8 the unpacked int8 kernel.
 */
type Family = 'simd128_dot16' | 'scalar_popcnt' | 'scalar_ref' | 'scalar_i8' | 'simd128_lut' | 'gemm_simd128_dot16' | 'gemm_scalar_popcnt' | 'relaxed_lut' | 'relaxed_dot8';

function familyOf(op: string, wTok: string, isa: string): Family | null {
  if (op === 'gemm') return isa === 'simd128_dot16' || isa === 'scalar_popcnt' ? `gemm_${isa}` : null;
  if (isa === 'simd128_dot16' || isa === 'scalar_popcnt' || isa === 'simd128_lut' || isa === 'relaxed_lut' || isa === 'relaxed_dot8') return isa;
  if (isa === 'scalar') return wTok === 'N' ? 'scalar_ref' : wTok === '8' ? 'scalar_i8' : null;
  return null;
}

/**
 * One kernel call, ready to run anywhere: a memory image for `base`, the i32 arguments and the exact expected outputs of
 * each of its `samples` samples (outputs of sample s at outPtr + s * outStride). `tables`: for table kernels, the call
 * that builds the tables first (export name and arguments), timed with the kernel as a layer pays it.
 */
export interface KernelCase {
  name: string;
  W: number;
  rows: number;
  k: number;
  base: number;
  image: Uint8Array;
  args: number[];
  outPtr: number;
  outStride: number;
  samples: number;
  expected: number[][];
  tables: { name: string; args: number[] } | null;
}

export interface KernelRun { name: string; family: Family; W: number; A: number }

/** The (export, width, activation width) runs of a module's export list this harness makes, plus what it skips and why. */
export function kernelPlan(names: string[], widths: number[], actBits: number[]): { runs: KernelRun[]; skipped: string[] } {
  const runs: KernelRun[] = [];
  const skipped: string[] = [];
  for (const name of names.filter((n) => KERNEL_NAME.test(n)).sort()) {
    const [, op, wTok, aTok, , , isa] = KERNEL_NAME.exec(name)!;
    const family = familyOf(op!, wTok!, isa!);
    if (!family) {
      skipped.push(`${name} (layout not known to the benchmark: '${op} ${isa}' at width ${wTok})`);
      continue;
    }
    // `a16` costs the same at any width: the largest requested; `aN`: each; `a4`/`a8`: each it accepts.
    const As = aTok === 'N' ? actBits : aTok === '16' ? [Math.max(...actBits)] : actBits.filter((a) => a <= Number(aTok) && a > Number(aTok) / 2);
    // wN kernels run at every requested width.
    for (const W of wTok === 'N' ? widths : widths.filter((w) => w === Number(wTok))) for (const A of As) runs.push({ name, family, W, A });
  }
  return { runs, skipped };
}

/** Random codes, activations and bias for one case, packed in the family's layout per assembly/kernels/README.md. */
export function prepareCase(name: string, family: Family, W: number, nRows: number, k: number, base: number, actBits: number, seed: number): KernelCase {
  const r = rng(seed + W * 1000 + k);
  const [lo, hi] = weightCodeRange(W);
  const codes = Array.from({ length: nRows }, () =>
    Int32Array.from({ length: k }, () => (W === 1 ? (r() < 0.5 ? -1 : 1) : lo + Math.floor(r() * (hi - lo + 1)))),
  );
  const samples = family.startsWith('gemm_') ? 2 : 1;
  const acts = Array.from({ length: samples }, () => Int32Array.from({ length: k }, () => Math.floor(r() * 2 ** actBits)));
  const bias = Int32Array.from({ length: nRows }, () => Math.floor(r() * 2001) - 1000);
  const rb = rowBytes(k, W);
  const canonical = new Uint8Array(nRows * rb);
  codes.forEach((c, i) => canonical.set(packRow(c, W), i * rb));
  const expected = acts.map((a) => codes.map((_, i) => dotRowReference(canonical, i * rb, W, a, bias[i]!)));
  const img = new ImageBuilder((base + 15) & ~15);
  const rows16 = Math.ceil(nRows / 16) * 16; // SIMD kernels read and write whole 4- or 16-row blocks of bias/out
  const pBias = img.put(new Uint8Array(Int32Array.from({ length: rows16 }, (_, i) => bias[i] ?? 0).buffer));
  const outStride = rows16 * 4;
  const pOut = img.put(new Uint8Array(outStride * samples));
  const simdActs = (a: Int32Array) => {
    const x16 = new Int16Array(Math.ceil(k / 128) * 128);
    x16.set(a);
    return new Uint8Array(x16.buffer);
  };
  let args: number[];
  let tables: KernelCase['tables'] = null;
  if (family === 'simd128_dot16' || family === 'relaxed_dot8') {
    // relaxed_dot8 reads the W = 8 int8 rows; its activations stay below 2^A (the case's actBits).
    const pW = img.put(packSimdLayout(codes, k, W));
    args = [pW, img.put(simdActs(acts[0]!)), pBias, pOut, nRows, k];
  } else if (family === 'gemm_simd128_dot16') {
    const pW = img.put(packSimdLayout(codes, k, W));
    const x0 = simdActs(acts[0]!), both = new Uint8Array(2 * x0.length);
    both.set(x0);
    both.set(simdActs(acts[1]!), x0.length);
    args = [pW, img.put(both), x0.length, pBias, pOut, outStride, nRows, k];
  } else if (family === 'gemm_scalar_popcnt') {
    const pW = img.put(packPopcntWeights(codes, k, W));
    const x0 = packPopcntActs(acts[0]!, actBits), both = new Uint8Array(2 * x0.length);
    both.set(x0);
    both.set(packPopcntActs(acts[1]!, actBits), x0.length);
    args = [pW, img.put(both), x0.length, pBias, pOut, outStride, nRows, Math.ceil(k / 64), actBits];
  } else if (family === 'simd128_lut' || family === 'relaxed_lut') {
    const A = Number(/a(\d+)_/.exec(name)![1]);
    const values = new Int32Array(nRows * k);
    codes.forEach((c, i) => values.set(c, i * k));
    const pW = img.put(packLutRows(values, nRows, k, W));
    const pX = img.put(simdActs(acts[0]!));
    const pT = img.put(new Uint8Array(lutTablesBytes(k, A)));
    tables = { name: `lut_tables_a${A}`, args: [pX, k, pT] };
    args = [pW, pT, pBias, pOut, nRows, k, W];
  } else if (family === 'scalar_popcnt') {
    const pW = img.put(packPopcntWeights(codes, k, W));
    const pX = img.put(packPopcntActs(acts[0]!, actBits));
    args = [pW, pX, pBias, pOut, nRows, Math.ceil(k / 64), actBits];
  } else if (family === 'scalar_i8') {
    const pW = img.put(new Uint8Array(Int8Array.from(codes.flatMap((c) => Array.from(c))).buffer));
    const pX = img.put(new Uint8Array(Int16Array.from(acts[0]!).buffer));
    args = [pW, pX, pBias, pOut, nRows, k];
  } else {
    const pW = img.put(canonical);
    const pX = img.put(new Uint8Array(Int16Array.from(acts[0]!).buffer));
    args = [pW, rb, W, pX, pBias, pOut, nRows, k];
  }
  return { name, W, rows: nRows, k, base: img.base, image: img.image(), args, outPtr: pOut, outStride, samples, expected, tables };
}

/** Throws unless `got(s)` equals the case's reference outputs of sample s, for every sample. */
export function checkCase(where: string, c: KernelCase, got: (sample: number) => ArrayLike<number>): void {
  for (let s = 0; s < c.samples; s++) {
    const g = got(s), want = c.expected[s]!;
    const bad = want.findIndex((v, i) => v !== g[i]);
    if (bad >= 0) {
      throw new Error(
        `${where}:${c.name} W=${c.W} ${c.rows}x${c.k} sample ${s}: row ${bad} = ${g[bad]}, expected ${want[bad]} ` +
          `(formats dotRowReference; layout per assembly/kernels/README.md)`,
      );
    }
  }
}

export interface KernelBenchResult {
  rows: KernelRow[];
  skipped: string[];
}

/**
 * Benchmarks every kernel export of every module on every shape in V8, each checked first. Rates come from alternating
 * rounds: every case is timed for a short slice in turn, `rounds` times, and the median per-case rate is reported (`rme`
 * is half the min..max spread in %), so a load spike on the shared VM hits all kernels alike instead of one of them.
 */
export function benchKernels(modules: WasmModuleInfo[], o: KernelBenchOptions): KernelBenchResult {
  const rows: KernelRow[] = [];
  const skipped: string[] = [];
  const cases: { row: KernelRow; call: () => void; rates: number[]; macs: number }[] = [];
  for (const mod of modules) {
    const ex = instantiate(mod.bytes).exports as Record<string, unknown>;
    const memory = ex['memory'] as WebAssembly.Memory;
    let base = (ex['heapBase'] as () => number)();
    const plan = kernelPlan(Object.keys(ex), o.widths, o.actBits);
    skipped.push(...plan.skipped.map((x) => `${mod.name}:${x}`));
    for (const { name, family, W, A } of plan.runs) {
      const fn = ex[name] as (...a: number[]) => void;
      for (const [nRows, k] of o.shapes) {
        // Cases side by side in memory: all stay valid for the alternating rounds.
        const c = prepareCase(name, family, W, nRows, k, base, A, o.seed);
        base = c.base + c.image.length;
        const need = base - memory.buffer.byteLength;
        if (need > 0) memory.grow(Math.ceil(need / 65536));
        new Uint8Array(memory.buffer).set(c.image, c.base);
        // Bound once: no per-call spread. Table kernels are timed with their tables' construction, as a layer pays it.
        const kernel = fn.bind(null, ...c.args) as () => void;
        const build = c.tables ? ((ex[c.tables.name] as (...a: number[]) => void).bind(null, ...c.tables.args) as () => void) : null;
        const call = build ? () => { build(); kernel(); } : kernel;
        try {
          call();
        } catch (e) {
          throw new Error(`${mod.name}:${name} W=${W} ${nRows}x${k} args [${c.args.join(', ')}]: ${(e as Error).message} (layout per assembly/kernels/README.md?)`);
        }
        checkCase(mod.name, c, (s) => new Int32Array(memory.buffer, c.outPtr + s * c.outStride, nRows));
        cases.push({
          row: { backend: mod.name, kernel: name, weightBits: W, actBits: A, rows: nRows, cols: k, gmacPerSec: 0, rme: NaN, exact: true },
          call, rates: [], macs: nRows * k * c.samples,
        });
      }
    }
  }
  const rounds = o.rateTime < 0.1 ? 1 : 7, slice = (o.rateTime * 1000) / rounds;
  for (const c of cases) for (let i = 0; i < 10; i++) c.call();
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < slice) {
        c.call();
        n++;
      }
      c.rates.push((n * c.macs) / ((performance.now() - t0) * 1e6));
    }
  }
  for (const c of cases) {
    const v = [...c.rates].sort((a, b) => a - b), med = v[Math.floor((v.length - 1) / 2)]!;
    rows.push({ ...c.row, gmacPerSec: med, rme: v.length > 1 ? ((v[v.length - 1]! - v[0]!) / 2 / med) * 100 : NaN });
  }
  return { rows, skipped };
}
