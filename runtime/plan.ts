/**
 * @fileoverview Arena plan of one model for one backend: where every buffer lives in WASM memory and its exact bytes,
 * built entirely in JS (an image) before any WASM memory is touched. Descriptor layout: assembly/common/forward.ts.
 */
import { unpackRow } from '../formats/pack.js';
import type { NmpModel } from '../formats/schema.js';
import { kernelBits, packScalarRows, packSimdRows, planesBytes, scalarRowsBytes, simdActLength, simdRowsBytes, type Backend } from './pack.js';

/** Exact bytes of a model's arena by purpose. `total` = the sum of all fields. */
export interface ArenaBytes {
  /** Weights in the kernel layout (incl. the layout's row/fan-in padding). */
  weights: number;
  /** Per-neuron parameters: bias (folded offsets), 8-byte requantisation records (mult, natural index, shift, bits), group tables. */
  params: number;
  /** Activation buffers: input codes, every layer's input, output accumulators. */
  activations: number;
  /** Scratch: the accumulator buffer shared by all layers, and the forward descriptor. */
  scratch: number;
  /** Bytes lost to 16-byte alignment of the buffers above. */
  alignment: number;
  total: number;
}

export interface ArenaPlan {
  backend: Backend;
  /** Arena image, copied into memory at `base` in one step. */
  image: Uint8Array;
  base: number;
  bytes: ArenaBytes;
  descPtr: number;
  /** int16 input codes the host writes per sample. */
  inPtr: number;
  /** int32 output accumulators, natural order. */
  outPtr: number;
  /** Kernel-layout weight bytes per layer. */
  layerWeights: number[];
}

const HDR_WORDS = 8, LAYER_WORDS = 16, GROUP_WORDS = 4;
/** Group kernel id of int8 rows read by gemv_w8a16_r1__scalar (assembly/common/forward.ts). */
const GROUP_I8 = 9;
/**
 * Scalar backend in V8: bit-serial unless weight width x activation planes exceeds this. Measured 256x256 (V8 11.3):
 * popcnt w8a8 2.8, w4a16 2.8, w8a16 1.5 GMAC/s; int8 rows 2.5 GMAC/s for any width. (The wasm3 loader uses 32.)
 */
const SCALAR_I8_ABOVE = 64;
const align16 = (n: number) => (n + 15) & ~15;

/** Bump allocator over the arena that records bytes per purpose. */
class Layout {
  size = 0;
  readonly bytes: ArenaBytes = { weights: 0, params: 0, activations: 0, scratch: 0, alignment: 0, total: 0 };
  constructor(readonly base: number) {}
  take(n: number, kind: Exclude<keyof ArenaBytes, 'alignment' | 'total'>): number {
    const at = align16(this.size);
    this.bytes.alignment += at - this.size;
    this.bytes[kind] += n;
    this.size = at + n;
    return at;
  }
}

interface LayerPlan {
  k: number; n: number; perm: Uint16Array; groups: { kb: number; rows: number }[];
  bias: Int32Array; xPlanes: number; yPlanes: number; i8: boolean;
  /** Column c of this layer's stored rows reads input cols[c] (null: natural order). */
  cols: Uint16Array | null;
}

function groupBytes(simd: boolean, rows: number, k: number, kb: number): number {
  return kb === GROUP_I8 ? rows * k : simd ? simdRowsBytes(rows, k, kb) : scalarRowsBytes(rows, k, kb);
}

/** Plans the arena of `model` for `backend`, placing it at `heapBase` rounded up to 16. Pure: no WASM involved. */
export function planArena(model: NmpModel, backend: Backend, heapBase: number): ArenaPlan {
  const L = model.layers.length;
  const simd = backend === 'simd';
  const inBits = Math.max(...model.input.bits);
  // Per-layer input encoding: `adj` is folded into the bias as adj * rowsum(w) (exact mod 2^32; README).
  const layers: LayerPlan[] = [];
  // SIMD: hidden activations stay in their layer's grouped order; the next layer's columns are permuted to match.
  let inOrder: Uint16Array | null = null;
  for (let l = 0; l < L; l++) {
    const layer = model.layers[l];
    const k = layer.inFeatures, n = layer.outFeatures;
    const xPlanes = l === 0 ? inBits : Math.max(...model.layers[l - 1].act!.bits);
    const adj = l === 0 ? (simd ? 0 : -(2 ** (inBits - 1))) : simd && xPlanes === 16 ? 32768 : 0;
    const adj16 = l > 0 && xPlanes === 16 ? 32768 : 0; // int8 groups read int16 codes: signed inputs, or hidden codes minus zs
    const kb = Array.from(layer.weightBits, (b) => {
      const w = kernelBits(backend, b, k);
      return !simd && w * xPlanes > SCALAR_I8_ABOVE ? GROUP_I8 : w;
    });
    // Rows grouped by kernel; inside a group by requantisation shift, so that SIMD requantises 4 neurons at a time.
    const sh = (j: number) => (simd && layer.act ? layer.act.shift[j] : 0);
    const perm = Uint16Array.from({ length: n }, (_, j) => j).sort((a, b) => kb[a] - kb[b] || sh(a) - sh(b) || a - b);
    const groups: LayerPlan['groups'] = [];
    const bias = new Int32Array(n + 3);
    const row = new Int32Array(k);
    for (let r = 0; r < n; r++) {
      const j = perm[r], b = layer.weightBits[j];
      let g = groups[groups.length - 1];
      if (!g || g.kb !== kb[j]) groups.push((g = { kb: kb[j], rows: 0 }));
      let sum = 0;
      if (b > 0) {
        unpackRow(layer.weights, layer.rowOffsets[j], k, b, row);
        for (let e = 0; e < k; e++) sum += row[e];
      }
      g.rows++;
      bias[r] = (layer.bias[j] + Math.imul(kb[j] === GROUP_I8 ? adj16 : adj, sum)) | 0;
    }
    const yPlanes = layer.act ? (simd ? (Math.max(...layer.act.bits) === 16 ? 32768 : 0) : Math.max(...layer.act.bits)) : 0;
    layers.push({ k, n, perm, groups, bias, xPlanes, yPlanes, i8: groups.some((g) => g.kb === GROUP_I8), cols: inOrder });
    inOrder = simd && layer.act ? perm : null;
  }

  const base = align16(heapBase);
  const lay = new Layout(base);
  const descPtr = lay.take(4 * (HDR_WORDS + LAYER_WORDS * L), 'scratch');
  const maxN = Math.max(...layers.map((p) => p.n));
  const accPtr = lay.take(4 * (maxN + 3), 'scratch');
  const k0 = model.input.bits.length;
  const inPtr = lay.take(simd ? 2 * simdActLength(k0) : 2 * k0, 'activations');
  const xPtrs = layers.map((p, l) => (simd ? (l === 0 ? inPtr : lay.take(2 * simdActLength(p.k), 'activations')) : lay.take(planesBytes(p.k, p.xPlanes), 'activations')));
  const outPtr = lay.take(4 * layers[L - 1].n, 'activations');
  // int16 copies of a layer's input for its int8 groups (scalar); layer 0 reads the input codes themselves.
  const x16Ptrs = layers.map((p, l) => (!p.i8 ? -1 : l === 0 ? inPtr : lay.take(2 * p.k, 'activations')));
  const layerPtrs = layers.map((p) => {
    return {
      groups: lay.take(4 * GROUP_WORDS * p.groups.length, 'params'),
      recs: lay.take(8 * p.n, 'params'),
      bias: lay.take(4 * (p.n + 3), 'params'),
      weights: p.groups.map((g) => (g.kb === 0 ? 0 : lay.take(groupBytes(simd, g.rows, p.k, g.kb), 'weights'))),
    };
  });
  lay.bytes.total = align16(lay.size);
  lay.bytes.alignment += lay.bytes.total - lay.size;

  const image = new Uint8Array(lay.bytes.total);
  const i32 = new Int32Array(image.buffer), u16 = new Uint16Array(image.buffer);
  const put32 = (off: number, values: ArrayLike<number>) => i32.set(values, off >> 2);
  put32(descPtr, [L, base + inPtr, k0, simd ? 0 : 2 ** (inBits - 1), base + xPtrs[0], simd ? 0 : inBits, base + outPtr, 0]);
  for (let l = 0; l < L; l++) {
    const p = layers[l], q = layerPtrs[l], layer = model.layers[l], act = layer.act;
    const isLast = l === L - 1;
    put32(descPtr + 4 * (HDR_WORDS + LAYER_WORDS * l), [
      p.k, p.n, base + xPtrs[l], p.xPlanes, base + accPtr, p.groups.length, base + q.groups, base + q.recs,
      simd && !isLast ? 1 : 0, 0, 0,
      isLast ? base + outPtr : base + xPtrs[l + 1], p.yPlanes, isLast ? 1 : 0,
      x16Ptrs[l] < 0 ? 0 : base + x16Ptrs[l], isLast || x16Ptrs[l + 1] < 0 ? 0 : base + x16Ptrs[l + 1],
    ]);
    put32(q.bias, p.bias);
    for (let r = 0; r < p.n; r++) {
      const j = p.perm[r], at = q.recs + 8 * r; // record: mult i32, natural index u16, shift u8, bits u8
      u16[(at + 4) >> 1] = j;
      if (act) {
        i32[at >> 2] = act.mult[j];
        image[at + 6] = act.shift[j];
        image[at + 7] = act.bits[j];
      }
    }
    let row = 0;
    p.groups.forEach((g, i) => {
      put32(q.groups + 16 * i, [g.kb, g.rows, g.kb ? base + q.weights[i] : 0, base + q.bias + 4 * row]);
      if (g.kb) {
        // One group's values at a time (int8 fits every width), so planning holds at most one group beside the image.
        const values = new Int8Array(g.rows * p.k), tmp = new Int32Array(p.k), cols = p.cols;
        for (let r = 0; r < g.rows; r++) {
          const j = p.perm[row + r];
          unpackRow(layer.weights, layer.rowOffsets[j], p.k, layer.weightBits[j], tmp);
          if (cols) for (let c = 0; c < p.k; c++) values[r * p.k + c] = tmp[cols[c]];
          else values.set(tmp, r * p.k);
        }
        if (g.kb === GROUP_I8) image.set(new Uint8Array(values.buffer), q.weights[i]);
        else (simd ? packSimdRows : packScalarRows)(values, g.rows, p.k, g.kb, image, q.weights[i]);
      }
      row += g.rows;
    });
  }
  const layerWeights = layers.map((p) => p.groups.reduce((s, g) => s + (g.kb === 0 ? 0 : groupBytes(simd, g.rows, p.k, g.kb)), 0));
  return { backend, image, base, bytes: lay.bytes, descPtr: base + descPtr, inPtr: base + inPtr, outPtr: base + outPtr, layerWeights };
}

/**
 * Moves a plan to another base (16-aligned): adds the distance to every pointer in the image's descriptor and group tables.
 * Lets the runtime plan once, then place the arena wherever its shared memory has room.
 */
export function rebasePlan(plan: ArenaPlan, base: number): ArenaPlan {
  if (base % 16 !== 0) throw new RangeError(`arena base ${base} is not 16-aligned`);
  const d = base - plan.base;
  const i32 = new Int32Array(plan.image.buffer, plan.image.byteOffset, plan.image.byteLength >> 2);
  const at = (ptr: number) => (ptr - plan.base) >> 2; // image index of an absolute pointer
  const move = (i: number) => {
    if (i32[i] !== 0) i32[i] += d;
  };
  const h = at(plan.descPtr), L = i32[h];
  for (const f of [1, 4, 6]) move(h + f);
  for (let l = 0; l < L; l++) {
    const r = h + HDR_WORDS + LAYER_WORDS * l;
    const g = at(i32[r + 6]), nGroups = i32[r + 5];
    for (let i = 0; i < nGroups; i++) {
      move(g + GROUP_WORDS * i + 2);
      move(g + GROUP_WORDS * i + 3);
    }
    for (const f of [2, 4, 6, 7, 11, 14, 15]) move(r + f);
  }
  return { ...plan, base, descPtr: plan.descPtr + d, inPtr: plan.inPtr + d, outPtr: plan.outPtr + d };
}
