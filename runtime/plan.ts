/**
 * @fileoverview Arena plan of one model for one backend: where every buffer lives in WASM memory and its exact bytes.
 * The layout is computed first; the arena is then written either into a JS image or, for loading, straight into its
 * block of WASM memory (no intermediate copy: a 66 MB model needs no second 66 MB). Descriptor and record layout:
 * runtime/abi.ts, documented in assembly/common/abi.ts.
 */
import { unpackRow } from '../formats/pack.js';
import type { NmpModel } from '../formats/schema.js';
import * as abi from './abi.js';
import {
  GROUP_BIAS_PTR, GROUP_KERNEL, GROUP_ROWS, GROUP_W_PTR, GROUP_WORDS, HDR_ACC_STRIDE, HDR_BATCH, HDR_IN_COUNT, HDR_IN_OFFSET,
  HDR_BYTES_PTR, HDR_IN_PTR, HDR_IN_STRIDE, HDR_LAYERS, HDR_OUT_PTR, HDR_WORDS, HDR_X0_PLANES, HDR_X0_PTR, KERNEL_DOT8, KERNEL_I8, KERNEL_I8_ABOVE_JS,
  KERNEL_LUT, KERNEL_PRUNED, LAYER_ACC_PTR, LAYER_GROUPS, LAYER_GROUPS_PTR, LAYER_IS_LAST, LAYER_K, LAYER_N, LAYER_RECS_PTR,
  LAYER_T_KIND, LAYER_T_PTR, LAYER_WORDS, LAYER_X_I16_PTR, LAYER_X_PLANES, LAYER_X_PTR, LAYER_X_STRIDE, LAYER_Y_GROUPED,
  LAYER_Y_I16_PTR, LAYER_Y_PLANES, LAYER_Y_PTR, LAYER_Y_STRIDE, LAYER_Y_ZS, REC_BITS, REC_BYTES, REC_INDEX, REC_MULT, REC_SHIFT,
} from './abi.js';
import {
  kernelBits, LUT_COLS, LUT_ROWS, lutRowsBytes, lutTablesBytes, packLutRows, packScalarRows, packSimdRows, planesBytes,
  RELAXED_COST, scalarRowsBytes, SIMD_COST, simdActLength, simdChunk, simdRowsBytes, type Backend, type KernelCosts,
} from './pack.js';

/** Samples one forward_batch call runs (every per-sample buffer holds this many): predictBatch's chunk. */
export const BATCH = 4;

/** Exact bytes of a model's arena by purpose. `total` = the sum of all fields. */
export interface ArenaBytes {
  /** Weights in the kernel layout (incl. the layout's row/fan-in padding). */
  weights: number;
  /** Per-neuron parameters: bias (folded offsets), 8-byte requantisation records (mult, natural index, shift, bits), group tables. */
  params: number;
  /** Activation buffers of one sample: input codes, every layer's input, lookup tables, output accumulators. */
  activations: number;
  /** Scratch: one sample's accumulator buffer shared by all layers, and the forward descriptor. */
  scratch: number;
  /** Samples 2..BATCH of the per-sample buffers (activations and accumulators), for predictBatch. */
  batch: number;
  /** Bytes lost to 16-byte alignment of the buffers above. */
  alignment: number;
  total: number;
}

export interface ArenaPlan {
  backend: Backend;
  /** Arena image: a JS buffer, or the arena's own block of WASM memory when planned `into` it. */
  image: Uint8Array;
  base: number;
  bytes: ArenaBytes;
  descPtr: number;
  /** int16 input codes the host writes per sample (sample s at inPtr + s * inStride). */
  inPtr: number;
  inStride: number;
  /** int32 output accumulators, natural order (sample s at outPtr + s * outStride). */
  outPtr: number;
  outStride: number;
  /** Samples per forward_batch call. */
  batch: number;
  /** Kernel-layout weight bytes per layer. */
  layerWeights: number[];
  /** Row groups per layer in arena order: kernel (kernelName) and rows. */
  layerGroups: { kernel: string; rows: number }[][];
}

const align16 = (n: number) => (n + 15) & ~15;

/** Bump allocator over the arena that records bytes per purpose. */
class Layout {
  size = 0;
  readonly bytes: ArenaBytes = { weights: 0, params: 0, activations: 0, scratch: 0, batch: 0, alignment: 0, total: 0 };
  constructor(readonly base: number) {}
  take(n: number, kind: Exclude<keyof ArenaBytes, 'alignment' | 'total' | 'batch'>): number {
    const at = align16(this.size);
    this.bytes.alignment += at - this.size;
    this.bytes[kind] += n;
    this.size = at + n;
    return at;
  }
  /** `batch` samples of `n` bytes each at a 16-byte stride: the first counts as `kind`, the others as `batch`. */
  takeSamples(n: number, batch: number, kind: 'activations' | 'scratch'): { at: number; stride: number } {
    const stride = align16(n);
    const at = this.take(n, kind);
    this.bytes.alignment += stride - n;
    this.bytes.batch += stride * (batch - 1);
    this.size = at + stride * batch;
    return { at, stride };
  }
}

interface LayerPlan {
  k: number; n: number; perm: Uint16Array; groups: { kernel: number; rows: number }[];
  bias: Int32Array; xPlanes: number; yPlanes: number; yZs: number; i8: boolean;
  /** Input offsets folded into the bias as offset * rowsum: `xZs` for int8 groups, `adj` for the others. */
  adj: number; xZs: number;
  /** Table kind of the layer's input (4, 8) when it has KERNEL_LUT groups, else 0. */
  tKind: number;
  /** Column c of this layer's stored rows reads input cols[c] (null: natural order). */
  cols: Uint16Array | null;
}

/** Readable name of a group's kernel: `dot16 w4`, `lut a8 w1` (SIMD), `popcnt w2`, `int8` (scalar), `pruned`. */
export function kernelName(backend: Backend, kernel: number, tKind: number): string {
  if (kernel === KERNEL_PRUNED) return 'pruned';
  if (kernel === KERNEL_I8) return 'int8';
  if (kernel > KERNEL_LUT) return `lut a${tKind} w${kernel - KERNEL_LUT}`;
  if (kernel === KERNEL_DOT8) return 'dot8';
  return `${backend === 'scalar' ? 'popcnt' : 'dot16'} w${kernel}`;
}

/** Weight bytes of a group of kernel `kernel`. */
function groupBytes(simd: boolean, rows: number, k: number, kernel: number): number {
  if (kernel === KERNEL_I8) return rows * k;
  if (kernel > KERNEL_LUT) return lutRowsBytes(rows, k, kernel - KERNEL_LUT);
  if (kernel === KERNEL_DOT8) return simdRowsBytes(rows, k, 8);
  return simd ? simdRowsBytes(rows, k, kernel) : scalarRowsBytes(rows, k, kernel);
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/**
 * SIMD kernel per row width of one layer (index 0..8), whichever the measured costs make cheapest for this layer's rows,
 * fan-in and input width `aIn` (unsigned codes; tables and relaxed dots need at most 8 bits): the lane-group layout
 * (id = its width), the table layout (KERNEL_LUT + width; a layer builds its tables only if they save more than they cost),
 * or with relaxed costs int8 rows by relaxed dot products (KERNEL_DOT8, rows of 4 bits or more).
 */
export function simdKernels(weightBits: ArrayLike<number>, k: number, aIn: number, force?: KernelForce, cost: KernelCosts = SIMD_COST): { kernels: number[]; tKind: number } {
  const counts = new Array<number>(9).fill(0);
  for (let j = 0; j < weightBits.length; j++) counts[weightBits[j]]++;
  const kernels = counts.map((_, b) => kernelBits('simd', b, k));
  const tKind = aIn <= 4 ? 4 : aIn <= 8 ? 8 : 0;
  if (!tKind || force === 'dot16') return { kernels, tKind: 0 };
  if (force === 'lut') return { kernels: kernels.map((w, b) => (b ? KERNEL_LUT + b : w)), tKind };
  const dot8 = aIn <= 7 ? cost.dot8a7 : cost.dot8a8;
  if (force === 'dot8' && dot8 !== null) return { kernels: kernels.map((w, b) => (b ? KERNEL_DOT8 : w)), tKind: 0 };
  const perPlane = tKind === 4 ? cost.lut4 : cost.lut8;
  // Best kernel per width without tables, then with tables where they beat it; tables only if they pay for themselves.
  const plain = kernels.slice(), best = kernels.slice();
  let saved = 0;
  for (let b = 1; b <= 8; b++) {
    if (!counts[b]) continue;
    const w = kernels[b];
    let c = roundUp(counts[b], 4) * roundUp(k, simdChunk(w)) * cost.dot16[w];
    // Relaxed int8 dots take rows of 4 bits or more: at most twice the bytes of the row's own width.
    if (dot8 !== null && b >= 4) {
      const c8 = roundUp(counts[b], 4) * roundUp(k, 16) * dot8;
      if (c8 < c) {
        plain[b] = best[b] = KERNEL_DOT8;
        c = c8;
      }
    }
    const cLut = roundUp(counts[b], LUT_ROWS) * roundUp(k, LUT_COLS) * b * perPlane;
    if (cLut < c) {
      best[b] = KERNEL_LUT + b;
      saved += c - cLut;
    }
  }
  const tables = k * (tKind === 4 ? cost.tables4 : cost.tables8);
  return saved > tables ? { kernels: best, tKind } : { kernels: plain, tKind: 0 };
}

/** Tests only: every SIMD layer on the lane-group kernels, on table kernels or (relaxed) int8 dots wherever its input allows. */
export type KernelForce = 'dot16' | 'lut' | 'dot8';

/**
 * Copies one row of weight values (`src[o..o+k)`, columns gathered through `cols` when the previous layer's neurons were
 * reordered) to `dst[d..]` as int8, contiguous or (`blocked`) as SIMD int8 rows: 16 values per 16 bytes of a 64-byte
 * 4-row chunk (packSimdRows w = 8). Returns the row's sum. Written for Int8Array (file rows) and Int32Array (unpacked)
 * sources alike; each call site stays monomorphic.
 */
function placeRow(src: Int8Array | Int32Array, o: number, k: number, cols: Uint16Array | null, dst: Uint8Array, d: number, blocked: boolean): number {
  let sum = 0;
  if (!blocked && !cols && src instanceof Int8Array) {
    // Contiguous int8 rows in file order: one byte copy, then the sum.
    dst.set(new Uint8Array(src.buffer, src.byteOffset + o, k), d);
    for (let e = 0; e < k; e++) sum += src[o + e];
    return sum;
  }
  for (let c = 0; c < k; c += 16) {
    const at = blocked ? d + c * 4 : d + c, n = Math.min(16, k - c);
    if (cols) {
      for (let t = 0; t < n; t++) {
        const v = src[o + cols[c + t]];
        dst[at + t] = v;
        sum += v;
      }
    } else {
      for (let t = 0; t < n; t++) {
        const v = src[o + c + t];
        dst[at + t] = v;
        sum += v;
      }
    }
  }
  return sum;
}

/** The same into an int8 values buffer, row-major (the packers' input). */
function gatherRow(src: Int8Array | Int32Array, o: number, k: number, cols: Uint16Array | null, dst: Int8Array, d: number): number {
  let sum = 0;
  if (cols) {
    for (let e = 0; e < k; e++) {
      const v = src[o + cols[e]];
      dst[d + e] = v;
      sum += v;
    }
  } else {
    for (let e = 0; e < k; e++) {
      const v = src[o + e];
      dst[d + e] = v;
      sum += v;
    }
  }
  return sum;
}

/** Where planArena writes the arena once its size is known: a zeroed view of `bytes.total` bytes and its address. */
export type ArenaTarget = (bytes: ArenaBytes) => { image: Uint8Array; base: number };

/** Rows packed per step: a multiple of every layout's row block (4 SIMD, 16 tables), so steps concatenate exactly. */
const PACK_ROWS = 64;

/**
 * Plans the arena of `model` for `backend`, placing it at `heapBase` rounded up to 16, into a new JS image (pure: no WASM
 * involved), or, with `into`, wherever and into whatever memory `into` gives once the sizes are known. `force`
 * overrides the measured kernel choice (tests).
 */
export function planArena(model: NmpModel, backend: Backend, heapBase: number, force?: KernelForce, into?: ArenaTarget): ArenaPlan {
  const L = model.layers.length;
  const simd = backend !== 'scalar';
  const inBits = Math.max(...model.input.bits);
  const layers: LayerPlan[] = [];
  // SIMD layer 0 reads tables only from unsigned codes: the input offset below (HDR_IN_OFFSET).
  let inOffset = simd ? 0 : 2 ** (inBits - 1);
  // SIMD: hidden activations stay in their layer's grouped order; the next layer's columns are permuted to match.
  let inOrder: Uint16Array | null = null;
  for (let l = 0; l < L; l++) {
    const layer = model.layers[l];
    const k = layer.inFeatures, n = layer.outFeatures;
    const xPlanes = l === 0 ? inBits : Math.max(...model.layers[l - 1].act!.bits);
    let kernelOf: number[], tKind = 0;
    if (simd) {
      // Tables index unsigned codes: hidden codes are; inputs become so with an offset of 2^(b-1) (b bits, at most 8).
      const choice = simdKernels(layer.weightBits, k, xPlanes, force, backend === 'relaxed' ? RELAXED_COST : SIMD_COST);
      tKind = choice.tKind;
      kernelOf = Array.from(layer.weightBits, (b) => choice.kernels[b]);
      if (l === 0 && (tKind || kernelOf.includes(KERNEL_DOT8))) inOffset = 2 ** (inBits - 1);
    } else {
      kernelOf = Array.from(layer.weightBits, (b) => {
        const w = kernelBits(backend, b, k);
        return w * xPlanes > KERNEL_I8_ABOVE_JS ? KERNEL_I8 : w;
      });
    }
    // Per-layer input encoding: `adj` is folded into the bias as adj * rowsum(w) (exact mod 2^32; README).
    // int16 inputs (SIMD, and scalar KERNEL_I8 groups) are the signed input codes (plus the SIMD offset), or hidden codes
    // minus LAYER_Y_ZS; scalar bit planes hold layer 0's codes offset to unsigned (HDR_IN_OFFSET), hidden codes as they are.
    const xZs = l > 0 ? layers[l - 1].yZs : 0;
    const adj = l === 0 ? -inOffset : simd ? xZs : 0;
    // Rows grouped by kernel, table kernels first (forward runs them first; common/abi.ts); inside a group by
    // requantisation shift, so that SIMD requantises 4 neurons at a time.
    const sh = (j: number) => (simd && layer.act ? layer.act.shift[j] : 0);
    const order = (kern: number) => (kern > KERNEL_LUT ? kern - 64 : kern);
    const perm = Uint16Array.from({ length: n }, (_, j) => j).sort((a, b) => order(kernelOf[a]) - order(kernelOf[b]) || sh(a) - sh(b) || a - b);
    const groups: LayerPlan['groups'] = [];
    // The folded offsets (adj * rowsum) are added while the rows are packed, so every row is read once.
    const bias = new Int32Array(n + LUT_ROWS);
    for (let r = 0; r < n; r++) {
      const j = perm[r];
      let g = groups[groups.length - 1];
      if (!g || g.kernel !== kernelOf[j]) groups.push((g = { kernel: kernelOf[j], rows: 0 }));
      g.rows++;
      bias[r] = layer.bias[j];
    }
    const yPlanes = layer.act ? Math.max(...layer.act.bits) : 0;
    const yZs = yPlanes === 16 ? 32768 : 0;
    layers.push({ k, n, perm, groups, bias, adj, xZs, xPlanes, yPlanes, yZs, i8: groups.some((g) => g.kernel === KERNEL_I8), tKind, cols: inOrder });
    inOrder = simd && layer.act ? perm : null;
  }

  const B = BATCH;
  let base = align16(heapBase);
  const lay = new Layout(base);
  const descPtr = lay.take(4 * (HDR_WORDS + LAYER_WORDS * L), 'scratch');
  const maxN = Math.max(...layers.map((p) => p.n));
  // Kernels store whole row blocks (4 rows dot16, 16 rows tables) past a group's end: n + 16 entries.
  const acc = lay.takeSamples(4 * (maxN + LUT_ROWS), B, 'scratch');
  const k0 = model.input.bits.length;
  // Scalar: codes as bytes (low, high) in natural order before they become bit planes (assembly kernels/requant.ts).
  const bytesPtr = simd ? -1 : lay.take(2 * Math.ceil(Math.max(k0, maxN) / 64) * 64, 'scratch');
  const O = layers[L - 1].n;
  const input = lay.takeSamples(simd ? 2 * simdActLength(k0) : 2 * k0, B, 'activations');
  // SIMD layer 0 reads the input codes themselves unless they need the offset; scalar layers read bit planes.
  const xs = layers.map((p, l) => (simd ? (l === 0 && !inOffset ? input : lay.takeSamples(2 * simdActLength(p.k), B, 'activations')) : lay.takeSamples(planesBytes(p.k, p.xPlanes), B, 'activations')));
  const tables = layers.map((p) => (p.tKind ? lay.take(lutTablesBytes(p.k, p.tKind), 'activations') : -1));
  const out = lay.takeSamples(4 * O, B, 'activations');
  // int16 copies of a layer's input for its int8 groups (scalar); layer 0 reads the input codes themselves.
  const x16s = layers.map((p, l) => (!p.i8 ? null : l === 0 ? input : lay.takeSamples(2 * p.k, B, 'activations')));
  const layerPtrs = layers.map((p) => {
    return {
      groups: lay.take(4 * GROUP_WORDS * p.groups.length, 'params'),
      recs: lay.take(REC_BYTES * p.n, 'params'),
      bias: lay.take(4 * (p.n + LUT_ROWS), 'params'),
      weights: p.groups.map((g) => (g.kernel === KERNEL_PRUNED ? 0 : lay.take(groupBytes(simd, g.rows, p.k, g.kernel), 'weights'))),
    };
  });
  lay.bytes.total = align16(lay.size);
  lay.bytes.alignment += lay.bytes.total - lay.size;

  // Offsets inside the arena do not depend on its (16-aligned) base, so the target may move it.
  let image: Uint8Array;
  if (into) ({ image, base } = into(lay.bytes));
  else image = new Uint8Array(lay.bytes.total);
  if (base % 16 !== 0 || image.byteOffset % 4 !== 0 || image.length !== lay.bytes.total) throw new RangeError(`arena target at ${base} of ${image.length} bytes, expected 16-aligned and ${lay.bytes.total} bytes`);
  const i32 = new Int32Array(image.buffer, image.byteOffset, image.length >> 2), u16 = new Uint16Array(image.buffer, image.byteOffset, image.length >> 1);
  const h = descPtr >> 2; // image index of the header
  i32[h + HDR_LAYERS] = L;
  i32[h + HDR_IN_PTR] = base + input.at;
  i32[h + HDR_IN_COUNT] = k0;
  i32[h + HDR_IN_OFFSET] = inOffset;
  if (xs[0] !== input) i32[h + HDR_X0_PTR] = base + xs[0].at;
  if (!simd) i32[h + HDR_X0_PLANES] = inBits;
  i32[h + HDR_OUT_PTR] = base + out.at;
  i32[h + HDR_BATCH] = B;
  i32[h + HDR_IN_STRIDE] = input.stride;
  i32[h + HDR_ACC_STRIDE] = acc.stride;
  if (bytesPtr >= 0) i32[h + HDR_BYTES_PTR] = base + bytesPtr;
  for (let l = 0; l < L; l++) {
    const p = layers[l], q = layerPtrs[l], layer = model.layers[l], act = layer.act;
    const isLast = l === L - 1;
    const d = h + HDR_WORDS + LAYER_WORDS * l;
    const y = isLast ? out : xs[l + 1], x16 = x16s[l], y16 = isLast ? null : x16s[l + 1];
    i32[d + LAYER_K] = p.k;
    i32[d + LAYER_N] = p.n;
    i32[d + LAYER_X_PTR] = base + xs[l].at;
    i32[d + LAYER_X_STRIDE] = xs[l].stride;
    i32[d + LAYER_X_PLANES] = p.xPlanes;
    i32[d + LAYER_ACC_PTR] = base + acc.at;
    i32[d + LAYER_GROUPS] = p.groups.length;
    i32[d + LAYER_GROUPS_PTR] = base + q.groups;
    i32[d + LAYER_RECS_PTR] = base + q.recs;
    i32[d + LAYER_Y_GROUPED] = simd && !isLast ? 1 : 0;
    i32[d + LAYER_Y_ZS] = p.yZs;
    i32[d + LAYER_Y_PTR] = base + y.at;
    i32[d + LAYER_Y_STRIDE] = y.stride;
    i32[d + LAYER_Y_PLANES] = p.yPlanes;
    i32[d + LAYER_IS_LAST] = isLast ? 1 : 0;
    i32[d + LAYER_X_I16_PTR] = x16 ? base + x16.at : 0;
    i32[d + LAYER_Y_I16_PTR] = y16 ? base + y16.at : 0;
    if (p.tKind) {
      i32[d + LAYER_T_PTR] = base + tables[l];
      i32[d + LAYER_T_KIND] = p.tKind;
    }
    for (let r = 0; r < p.n; r++) {
      const j = p.perm[r], at = q.recs + REC_BYTES * r;
      u16[(at + REC_INDEX) >> 1] = j;
      if (act) {
        i32[(at + REC_MULT) >> 2] = act.mult[j];
        image[at + REC_SHIFT] = act.shift[j];
        image[at + REC_BITS] = act.bits[j];
      }
    }
    let row = 0;
    p.groups.forEach((g, i) => {
      const e = (q.groups >> 2) + GROUP_WORDS * i;
      i32[e + GROUP_KERNEL] = g.kernel;
      i32[e + GROUP_ROWS] = g.rows;
      i32[e + GROUP_W_PTR] = g.kernel === KERNEL_PRUNED ? 0 : base + q.weights[i];
      i32[e + GROUP_BIAS_PTR] = base + q.bias + 4 * row;
      const fold = g.kernel === KERNEL_I8 ? p.xZs : p.adj;
      const int8Rows = g.kernel === KERNEL_I8 || g.kernel === KERNEL_DOT8 || (simd && g.kernel === 8);
      if (int8Rows) {
        // int8 layouts (scalar rows x k; SIMD 4-row blocks of 16-byte chunks, packSimdRows w = 8) are written straight
        // from the file's rows, gathering columns where the previous layer's neurons were reordered: no values buffer.
        const w8 = new Int8Array(layer.weights.buffer, layer.weights.byteOffset, layer.weights.length);
        const tmp = new Int32Array(p.k), k = p.k, chunks = Math.ceil(k / 16), cols = p.cols, dst = q.weights[i];
        for (let r = 0; r < g.rows; r++) {
          const j = p.perm[row + r], b = layer.weightBits[j];
          const at = g.kernel === KERNEL_I8 ? dst + r * k : dst + ((r >> 2) * chunks * 4 + (r & 3)) * 16;
          const blocked = g.kernel !== KERNEL_I8;
          const sum = b === 8 ? placeRow(w8, layer.rowOffsets[j], k, cols, image, at, blocked)
            : placeRow(unpackRow(layer.weights, layer.rowOffsets[j], k, b, tmp), 0, k, cols, image, at, blocked);
          p.bias[row + r] = (p.bias[row + r] + Math.imul(fold, sum)) | 0;
        }
      } else if (g.kernel !== KERNEL_PRUNED) {
        // PACK_ROWS rows' values at a time (int8 fits every width), so planning holds 64 rows beside the arena, not a group.
        const step = Math.min(g.rows, PACK_ROWS);
        const values = new Int8Array(step * p.k), tmp = new Int32Array(p.k), cols = p.cols;
        const w8 = new Int8Array(layer.weights.buffer, layer.weights.byteOffset, layer.weights.length);
        for (let r0 = 0; r0 < g.rows; r0 += step) {
          const rows = Math.min(step, g.rows - r0);
          for (let r = 0; r < rows; r++) {
            const j = p.perm[row + r0 + r], b = layer.weightBits[j];
            const sum = b === 8 ? gatherRow(w8, layer.rowOffsets[j], p.k, cols, values, r * p.k)
              : gatherRow(unpackRow(layer.weights, layer.rowOffsets[j], p.k, b, tmp), 0, p.k, cols, values, r * p.k);
            p.bias[row + r0 + r] = (p.bias[row + r0 + r] + Math.imul(fold, sum)) | 0;
          }
          const v = rows === step ? values : values.subarray(0, rows * p.k);
          const at = q.weights[i] + groupBytes(simd, r0, p.k, g.kernel);
          if (g.kernel === KERNEL_I8) image.set(new Uint8Array(v.buffer, 0, v.length), at);
          else if (g.kernel === KERNEL_DOT8) packSimdRows(v, rows, p.k, 8, image, at);
          else if (g.kernel > KERNEL_LUT) packLutRows(v, rows, p.k, g.kernel - KERNEL_LUT, image, at);
          else (simd ? packSimdRows : packScalarRows)(v, rows, p.k, g.kernel, image, at);
        }
      }
      row += g.rows;
    });
    i32.set(p.bias, q.bias >> 2);
  }
  const layerWeights = layers.map((p) => p.groups.reduce((s, g) => s + (g.kernel === KERNEL_PRUNED ? 0 : groupBytes(simd, g.rows, p.k, g.kernel)), 0));
  return {
    backend, image, base, bytes: lay.bytes, descPtr: base + descPtr, inPtr: base + input.at, inStride: input.stride,
    outPtr: base + out.at, outStride: out.stride, batch: B, layerWeights, layerGroups: layers.map((p) => p.groups.map((g) => ({ kernel: kernelName(backend, g.kernel, p.tKind), rows: g.rows }))),
  };
}

/** Word indices of the fields that hold addresses in records whose names start with `prefix`: every *_PTR of the ABI. */
function pointerFields(prefix: 'HDR_' | 'LAYER_' | 'GROUP_'): number[] {
  return Object.entries(abi).filter(([name]) => name.startsWith(prefix) && name.endsWith('_PTR')).map(([, v]) => v);
}
const HDR_PTRS = pointerFields('HDR_'), LAYER_PTRS = pointerFields('LAYER_'), GROUP_PTRS = pointerFields('GROUP_');

/**
 * Moves a plan to another base (16-aligned): adds the distance to every pointer field (abi *_PTR) of the image's
 * descriptor and group records; 0 (none) stays 0. Lets the runtime plan once, then place the arena wherever its shared
 * memory has room.
 */
export function rebasePlan(plan: ArenaPlan, base: number): ArenaPlan {
  if (base % 16 !== 0) throw new RangeError(`arena base ${base} is not 16-aligned`);
  const d = base - plan.base;
  const i32 = new Int32Array(plan.image.buffer, plan.image.byteOffset, plan.image.byteLength >> 2);
  const at = (ptr: number) => (ptr - plan.base) >> 2; // image index of an absolute pointer
  const move = (record: number, fields: number[]) => {
    for (const f of fields) if (i32[record + f] !== 0) i32[record + f] += d;
  };
  const h = at(plan.descPtr), L = i32[h + HDR_LAYERS];
  move(h, HDR_PTRS);
  for (let l = 0; l < L; l++) {
    const r = h + HDR_WORDS + LAYER_WORDS * l;
    const g = at(i32[r + LAYER_GROUPS_PTR]), nGroups = i32[r + LAYER_GROUPS];
    for (let i = 0; i < nGroups; i++) move(g + GROUP_WORDS * i, GROUP_PTRS);
    move(r, LAYER_PTRS);
  }
  return { ...plan, base, descPtr: plan.descPtr + d, inPtr: plan.inPtr + d, outPtr: plan.outPtr + d };
}
