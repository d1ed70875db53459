/**
 * @fileoverview `loadModel` and the loaded model. Lifecycle: (1) readModel validates the untrusted bytes (weights stay views
 * of them), (2) the arena is laid out, (3) it gets a block of the backend's shared instance memory (or of a private
 * instance), checked against the memory limit, and is written straight into it, (4) predict quantises in the host, runs
 * `forward` in WASM, dequantises in the host, (5) dispose() returns the block for reuse.
 */
import { encodeRawRow, rawColumnsOf } from '../formats/categories.js';
import { readModel } from '../formats/read.js';
import type { NmpModel } from '../formats/schema.js';
import { bitsHistogram } from '../formats/summary.js';
import { dequantizeValue } from '../formats/reference/arith.js';
import { argmax } from '../formats/reference/forward.js';
import { RuntimeError } from './errors.js';
import type { Backend } from './pack.js';
import { planArena, type ArenaBytes, type ArenaPlan } from './plan.js';
import { isolatedPool, sharedPool, type ArenaPool } from './pool.js';
import { compileBackend, relaxedWorks, type CompiledBackend, type RuntimeExports, type WasmSource } from './wasm.js';

export interface LoadOptions {
  /**
   * 'auto' (default): relaxed.wasm where the engine validates it and its self-test passes, else simd.wasm where
   * WebAssembly SIMD validates, else scalar.wasm. 'relaxed', 'simd', 'scalar': that module or E_BACKEND.
   */
  backend?: 'auto' | Backend;
  /**
   * Largest WASM linear memory this model may use, bytes (default and maximum 4 GiB, the wasm32 limit). Setting it gives the
   * model its own instance, so that the limit is exactly its own.
   */
  maxMemoryBytes?: number;
  /** Own module instance and memory instead of an arena in the backend's shared instance (default false). */
  isolate?: boolean;
  /** Module sources for hosts without file access to dist/wasm (bundlers, browsers): bytes, URL or compiled module. */
  wasm?: Partial<Record<Backend, WasmSource>>;
}

export interface LayerInfo {
  inFeatures: number;
  outFeatures: number;
  /** Neurons per weight width: index = bits (0 = pruned) .. 8. */
  weightBitsHistogram: number[];
  /** Neurons per activation width: index = bits .. 16; null for the last layer. */
  actBitsHistogram: number[] | null;
  /** Non-pruned weights. */
  weights: number;
  /** Canonical packed weight bytes in the file. */
  packedBytes: number;
  /** Bytes of the same weights in this backend's kernel layout. */
  kernelBytes: number;
  /** The kernels that run the layer's rows (groups in arena order), e.g. `lut a4 w1`, `dot16 w8` (runtime/plan.ts kernelName). */
  kernels: { kernel: string; rows: number }[];
}

export interface ModelInfo {
  backend: Backend;
  task: NmpModel['meta']['task'];
  features: number;
  outputs: number;
  outputNames: string[];
  layers: LayerInfo[];
  /** Weights (non-pruned) + biases. */
  parameters: number;
  /** Size of the model file. */
  fileBytes: number;
  /** Canonical packed weight bytes (sum over layers). */
  packedWeightBytes: number;
  /** Columns of a raw row for `encodeRow`, in input order: numeric feature names and categorical columns (SPEC §3.7). */
  rawColumns: string[];
}

export interface MemoryReport extends ArenaBytes {
  /** Size of the WASM linear memory this model lives in (whole 64 KiB pages; shared with `modelsInInstance - 1` others). */
  linearMemory: number;
  /** Live models in that memory (1 when isolated). */
  modelsInInstance: number;
  /** Size of the .wasm module (shared by all models of one backend; 0 if supplied compiled). */
  module: number;
}

const MAX_WASM32 = 65536 * 65536;

/** Loads a model file. Throws ModelFormatError for bad bytes (before any WASM memory is written), RuntimeError otherwise. */
export async function loadModel(bytes: Uint8Array, options: LoadOptions = {}): Promise<Model> {
  // Views, not copies, of the weights: they are read once, while the arena is built (peak memory: file + arena).
  const decoded = readModel(bytes, { copy: false });
  return loadDecoded(decoded, bytes.length, options);
}

/** Loads an already validated model (readModel's output). Internal: the public entry is loadModel. */
export async function loadDecoded(model: NmpModel, fileBytes: number, options: LoadOptions = {}): Promise<Model> {
  const want = options.backend ?? 'auto';
  if (want !== 'auto' && want !== 'relaxed' && want !== 'simd' && want !== 'scalar') {
    throw new RangeError(`options.backend is ${String(want)}, expected 'auto', 'relaxed', 'simd' or 'scalar'`);
  }
  const limit = options.maxMemoryBytes ?? MAX_WASM32;
  if (!(limit > 0)) throw new RangeError(`options.maxMemoryBytes is ${limit}, expected a positive number of bytes`);
  let compiled: CompiledBackend | null = null;
  // 'auto' probes relaxed.wasm only where the caller supplies no modules or supplies that one, and treats a module it
  // cannot fetch as absent.
  if (want === 'relaxed' || (want === 'auto' && (!options.wasm || options.wasm.relaxed !== undefined))) {
    const c = await compileBackend('relaxed', options.wasm?.relaxed).catch((e: unknown) => {
      if (want === 'relaxed') throw e;
      return null;
    });
    compiled = c && (await relaxedWorks(c)) ? c : null;
    if (!compiled && want === 'relaxed') {
      throw new RuntimeError('E_BACKEND', `backend 'relaxed' requested but this engine ${c ? 'fails the relaxed SIMD self-test' : 'does not support relaxed SIMD'}`);
    }
  }
  if (!compiled && (want === 'auto' || want === 'simd')) compiled = await compileBackend('simd', options.wasm?.simd);
  if (!compiled && want === 'simd') throw new RuntimeError('E_BACKEND', "backend 'simd' requested but this engine does not support WebAssembly SIMD");
  if (!compiled) compiled = await compileBackend('scalar', options.wasm?.scalar);
  if (!compiled) throw new RuntimeError('E_BACKEND', 'scalar.wasm does not validate in this engine');
  const backend = compiled.backend;
  // Modules supplied through options.wasm are not cached, so they get a private instance (no pool kept alive forever).
  const isolate = options.isolate === true || options.maxMemoryBytes !== undefined || options.wasm?.[backend] !== undefined;
  const pool = await (isolate ? isolatedPool(compiled, Math.min(limit, MAX_WASM32)) : sharedPool(compiled, MAX_WASM32));
  // Lay out, then write the arena straight into the block the pool gives it (validated model only; nothing else touches
  // WASM memory). A block may be reused, so it is cleared first: the packers set bits into zeros.
  let block: { at: number; size: number } | null = null;
  try {
    const plan = planArena(model, backend, pool.x.heapBase(), undefined, (bytes) => {
      block = { at: pool.alloc(bytes.total, bytes.weights), size: bytes.total };
      pool.clear(block.at, bytes.total);
      return { image: new Uint8Array(pool.x.memory.buffer, block.at, bytes.total), base: block.at };
    });
    return new Model(model, pool, plan, compiled.moduleBytes, fileBytes);
  } catch (e) {
    if (block) pool.release((block as { at: number; size: number }).at, (block as { at: number; size: number }).size);
    throw e;
  }
}

/** A model loaded into an arena of a WASM instance. Methods are synchronous; models never touch each other's arenas. */
export class Model {
  /** Static description of the model: shapes, bit-width histograms, parameter and byte counts. */
  readonly info: ModelInfo;
  #x: RuntimeExports | null;
  readonly #pool: ArenaPool;
  readonly #at: number;
  readonly #desc: number;
  readonly #inPtr: number;
  readonly #outPtr: number;
  /** Per-sample strides (elements) of the input codes and output accumulators, and samples per forward_batch call. */
  readonly #inStride: number;
  readonly #outStride: number;
  readonly #batch: number;
  /** Views over all `#batch` samples' input codes and output accumulators. */
  #in: Int16Array;
  #acc: Int32Array;
  readonly #bits: Uint8Array;
  readonly #qmax: Float64Array;
  readonly #center: Float64Array;
  readonly #gain: Float64Array;
  readonly #scale: Float64Array;
  readonly #offset: Float64Array;
  readonly #y: Float32Array;
  readonly #labels: string[];
  readonly #meta: Pick<NmpModel['meta'], 'featureNames' | 'categories'>;
  readonly #arena: ArenaBytes;
  readonly #moduleBytes: number;

  constructor(m: NmpModel, pool: ArenaPool, plan: ArenaPlan, moduleBytes: number, fileBytes: number) {
    const { descPtr: desc, inPtr, outPtr, bytes: arena, backend } = plan;
    this.#meta = { featureNames: m.meta.featureNames, categories: m.meta.categories };
    const F = m.input.bits.length, O = m.layers[m.layers.length - 1].outFeatures;
    const x = pool.x;
    this.#x = x;
    this.#pool = pool;
    this.#at = plan.base;
    this.#desc = desc;
    this.#inPtr = inPtr;
    this.#outPtr = outPtr;
    this.#inStride = plan.inStride >> 1;
    this.#outStride = plan.outStride >> 2;
    this.#batch = plan.batch;
    this.#in = new Int16Array(x.memory.buffer, inPtr, this.#inStride * (plan.batch - 1) + F);
    this.#acc = new Int32Array(x.memory.buffer, outPtr, this.#outStride * (plan.batch - 1) + O);
    this.#bits = m.input.bits;
    this.#qmax = Float64Array.from(m.input.bits, (b) => 2 ** (b - 1) - 1);
    this.#center = m.input.center;
    this.#gain = m.input.gain;
    this.#scale = m.output.scale;
    this.#offset = m.output.offset;
    this.#y = new Float32Array(O);
    this.#labels = m.meta.outputNames;
    this.#arena = arena;
    this.#moduleBytes = moduleBytes;
    let sx = 0, params = 0;
    const layers = m.layers.map((l, i): LayerInfo => {
      let weights = 0;
      for (const b of l.weightBits) if (b > 0) weights += l.inFeatures;
      params += weights + l.outFeatures;
      sx += l.weights.length;
      return {
        inFeatures: l.inFeatures, outFeatures: l.outFeatures, weightBitsHistogram: bitsHistogram(l.weightBits, 9),
        actBitsHistogram: l.act ? bitsHistogram(l.act.bits, 17) : null, weights, packedBytes: l.weights.length, kernelBytes: plan.layerWeights[i],
        kernels: plan.layerGroups[i],
      };
    });
    this.info = {
      backend, task: m.meta.task, features: F, outputs: O, outputNames: m.meta.outputNames.slice(), layers,
      parameters: params, fileBytes, packedWeightBytes: sx, rawColumns: rawColumnsOf(m.meta),
    };
  }

  #live(): RuntimeExports {
    const x = this.#x;
    if (x === null) throw new RuntimeError('E_DISPOSED', 'model was disposed; load it again to use it');
    // Another model's load may have grown the shared memory, which detaches views (their length drops to 0).
    if (this.#in.length === 0) {
      this.#in = new Int16Array(x.memory.buffer, this.#inPtr, this.#inStride * (this.#batch - 1) + this.#bits.length);
      this.#acc = new Int32Array(x.memory.buffer, this.#outPtr, this.#outStride * (this.#batch - 1) + this.#y.length);
    }
    return x;
  }

  /**
   * Quantises one sample (input[base..]) into slot `slot` of the module's input buffer; `base` and `what` also shape error
   * messages.
   */
  #quantize(input: ArrayLike<number>, base: number, what: string, slot = 0): void {
    const qmax = this.#qmax, center = this.#center, gain = this.#gain, codes = this.#in;
    const at = slot * this.#inStride;
    for (let i = 0; i < qmax.length; i++) {
      const v = input[base + i];
      if (!Number.isFinite(v)) {
        throw new RangeError(`${what}[${base + i}]${base ? ` (feature ${i})` : ''} is ${typeof v === 'number' ? v : typeof v}, expected a finite number`);
      }
      // SPEC §6.1, formats/reference quantizeInputValue inlined: calling it made predict 1.1x slower on the mlp-mixed
      // vector (paired, one process), as its finiteness check repeats the one above. model.test.ts holds predict to the
      // reference bit for bit, rounding ties and saturation included.
      const q = qmax[i];
      const t = Math.floor((v - center[i]) * gain[i] + 0.5); // two rounded f64 ops, no FMA
      codes[at + i] = t > q ? q : t < -q ? -q : t;
    }
  }

  #checkLength(input: ArrayLike<number>, n: number, what: string): void {
    if (input == null || typeof input.length !== 'number') throw new TypeError(`${what} must be a Float32Array or number[], got ${input === null ? 'null' : typeof input}`);
    const F = this.#bits.length;
    if (input.length !== n * F) {
      throw new RangeError(`${what} has length ${input.length}, expected ${n === 1 ? F : `${n} x ${F} = ${n * F}`} (${F} features${n === 1 ? '' : ' per sample'})`);
    }
  }

  /** Output accumulators (int32, before dequantisation) of one sample; into `out` when given. */
  predictAccumulators(input: ArrayLike<number>, out?: Int32Array): Int32Array {
    const x = this.#live();
    this.#checkLength(input, 1, 'input');
    this.#quantize(input, 0, 'input');
    x.forward(this.#desc);
    const o = out ?? new Int32Array(this.#y.length);
    o.set(this.#acc.subarray(0, this.#y.length));
    return o;
  }

  #run(input: ArrayLike<number>, base: number, what: string, out: Float32Array, at: number): void {
    this.#quantize(input, base, what);
    this.#x!.forward(this.#desc);
    this.#dequantize(0, out, at);
  }

  /** Dequantises sample slot `slot`'s output accumulators into out[at..] (SPEC §6.5). */
  #dequantize(slot: number, out: Float32Array, at: number): void {
    const acc = this.#acc, scale = this.#scale, offset = this.#offset, from = slot * this.#outStride;
    for (let j = 0; j < scale.length; j++) out[at + j] = dequantizeValue(acc[from + j], scale[j], offset[j]);
  }

  /** Outputs of one sample (`info.features` finite numbers). Writes into `out` when given (no allocation). */
  predict(input: ArrayLike<number>, out?: Float32Array): Float32Array {
    this.#live();
    this.#checkLength(input, 1, 'input');
    const o = out ?? new Float32Array(this.#y.length);
    if (o.length < this.#y.length) throw new RangeError(`out has length ${o.length}, expected at least ${this.#y.length}`);
    this.#run(input, 0, 'input', o, 0);
    return o;
  }

  /** Outputs of `n` samples stored back to back in `inputs` (n x features); returns n x outputs values. */
  predictBatch(inputs: ArrayLike<number>, n: number, out?: Float32Array): Float32Array {
    this.#live();
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n is ${n}, expected a non-negative integer sample count`);
    this.#checkLength(inputs, n, 'inputs');
    const O = this.#y.length, F = this.#bits.length;
    const o = out ?? new Float32Array(n * O);
    if (o.length < n * O) throw new RangeError(`out has length ${o.length}, expected at least ${n * O}`);
    // #batch samples per WASM call: forward_batch runs them layer by layer, GEMM kernels sharing each weight vector.
    const x = this.#x!, B = this.#batch;
    for (let s = 0; s < n; s += B) {
      const m = Math.min(B, n - s);
      for (let i = 0; i < m; i++) this.#quantize(inputs, (s + i) * F, 'inputs', i);
      x.forward_batch(this.#desc, m);
      for (let i = 0; i < m; i++) this.#dequantize(i, o, (s + i) * O);
    }
    return o;
  }

  /**
   * The model's inputs from a raw row keyed by column name (SPEC §3.7): numbers for numeric columns, category strings
   * for the text columns the file's `meta.categories` table encodes (one-hot or ordinal). Pass the result to `predict`.
   * Raw columns, in input order: `info.rawColumns`.
   * @throws RawRowError (a RangeError) naming the column for a missing cell, a non-number, or a category the model does
   *   not know (never an all-zero code: the model never saw that category).
   */
  encodeRow(row: Record<string, string | number>, out?: Float32Array): Float32Array {
    this.#live();
    return encodeRawRow(this.#meta, row, out);
  }

  /** Label of the largest output (lowest index on ties, SPEC §6.6), from the file's metadata. */
  classify(input: ArrayLike<number>): string {
    this.#live();
    this.#checkLength(input, 1, 'input');
    const y = this.#y;
    this.#run(input, 0, 'input', y, 0);
    return this.#labels[argmax(y)];
  }

  /** Exact bytes this model uses: arena by purpose, the instance's linear memory, the module size. */
  memory(): MemoryReport {
    const x = this.#live();
    return { ...this.#arena, linearMemory: x.memory.buffer.byteLength, modelsInInstance: this.#pool.live, module: this.#moduleBytes };
  }

  /** Returns the arena for reuse by later models; every later call throws RuntimeError E_DISPOSED. Idempotent. */
  dispose(): void {
    if (this.#x === null) return;
    this.#x = null;
    this.#pool.release(this.#at, this.#arena.total);
  }

  get disposed(): boolean {
    return this.#x === null;
  }
}
