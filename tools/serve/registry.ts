/**
 * @fileoverview The served models: one current version per name, swapped atomically.
 *
 * Loading a version (from a file, a watched directory or an upload) is: (1) the strict reader validates the untrusted
 * bytes (formats/read.ts, every SPEC §7 rule), (2) the runtime loads them, (3) a self-check runs probe rows through the
 * runtime and through formats' integer reference and requires equal bits, (4) only then does the name point at the new
 * version. Requests hold the version they started with, so in-flight rows finish on it; the old version is disposed
 * once its batcher has drained. Any failure leaves the serving version untouched. Loads of one name run one at a time,
 * in the order they were asked for.
 */

import { readModel } from '../../formats/read.js';
import { predictReference } from '../../formats/reference/forward.js';
import type { NmpModel } from '../../formats/schema.js';
import { summarizeModel } from '../../formats/summary.js';
import { ModelFormatError } from '../../formats/errors.js';
import { loadModel, type MemoryReport, type ModelInfo } from '../../runtime/index.js';
import { Batcher, type BatchModel } from './batcher.js';
import { ServeError } from './errors.js';

/** What the service needs of a loaded model (the runtime's Model; the load benchmark also serves a constant one). */
export interface ServedModel extends BatchModel {
  readonly info: ModelInfo;
  memory(): MemoryReport;
  dispose(): void;
  readonly disposed: boolean;
}

/** One loaded version of a named model. */
export interface ModelEntry {
  name: string;
  /** 1 for the first version of this name in this process, +1 per swap. */
  version: number;
  /** `sha256:<hex>` of the file bytes. */
  hash: string;
  /** Where it came from: a path, or `upload`. */
  source: string;
  loadedAt: string;
  decoded: NmpModel;
  fileBytes: number;
  model: ServedModel;
  batcher: Batcher;
  /** Average weight bits over all weight slots and activation bits over hidden neurons (formats/summary). */
  bits: { weight: number; activation: number | null };
}

export interface RegistryOptions {
  /** Micro-batching (see batcher.ts). */
  batchWindowMs: number;
  maxBatchRows: number;
  backend?: 'auto' | 'simd' | 'scalar';
  onBatch?: (entry: ModelEntry, rows: number) => void;
  /** A version became current (`previous` null for a new name). */
  onSwap?: (entry: ModelEntry, previous: ModelEntry | null) => void;
  /** A load failed; the serving version (if any) stays. */
  onLoadFailure?: (name: string, source: string, error: ServeError) => void;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Throws E_MODEL_NAME unless `name` is a plain name: no separators, no `..`, at most 64 characters. */
export function checkModelName(name: string): string {
  if (!NAME.test(name) || name.includes('..')) {
    throw new ServeError('E_MODEL_NAME', `model name ${JSON.stringify(name.slice(0, 80))} is not allowed, expected 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit, without ".."`, 'model');
  }
  return name;
}

/** `sha256:<hex>` of `bytes` (WebCrypto: the same in Node and Deno). */
export async function contentHash(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of d) hex += b.toString(16).padStart(2, '0');
  return `sha256:${hex}`;
}

/** Probe rows for the self-check: the input centres, and each feature pushed half its range up or down in turn. */
function probeRows(m: NmpModel): Float32Array {
  const F = m.input.bits.length, x = new Float32Array(2 * F);
  for (let i = 0; i < F; i++) {
    const c = m.input.center[i], g = m.input.gain[i], half = (2 ** (m.input.bits[i] - 1) - 1) / 2;
    x[i] = c;
    x[F + i] = c + ((i % 3) - 1) * half / g;
  }
  return x;
}

/**
 * Validates `bytes` fully and loads them: reader, runtime, self-check against the reference.
 * @throws ServeError E_MODEL_INVALID naming the file's field (`body.layers[2].w_bits[17]`) or the failed probe.
 */
export async function validateAndLoad(bytes: Uint8Array, backend: RegistryOptions['backend'] = 'auto'): Promise<{ decoded: NmpModel; model: ServedModel }> {
  let decoded: NmpModel;
  try {
    decoded = readModel(bytes);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new ServeError('E_MODEL_INVALID', `not a valid nmp-edge model: ${e.message}`, e.path);
    throw e;
  }
  let model: ServedModel;
  try {
    model = await loadModel(bytes, { backend });
  } catch (e) {
    throw new ServeError('E_MODEL_INVALID', `the runtime refused the model: ${(e as Error).message}`, 'model');
  }
  const F = decoded.input.bits.length, O = model.info.outputs;
  const x = probeRows(decoded);
  const y = model.predictBatch(x, 2);
  for (let r = 0; r < 2; r++) {
    const ref = predictReference(decoded, x.subarray(r * F, r * F + F));
    for (let j = 0; j < O; j++) {
      if (!Object.is(ref[j], y[r * O + j])) {
        model.dispose();
        throw new ServeError('E_MODEL_INVALID', `self-check failed: probe ${r} output ${j} is ${y[r * O + j]} in the runtime but ${ref[j]} in the reference`, 'model');
      }
    }
  }
  return { decoded, model };
}

export class ModelRegistry {
  readonly #entries = new Map<string, ModelEntry>();
  readonly #versions = new Map<string, number>();
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(readonly options: RegistryOptions) {}

  get(name: string): ModelEntry | undefined {
    return this.#entries.get(name);
  }

  /** Current versions, by name. */
  list(): ModelEntry[] {
    return [...this.#entries.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Validates and loads `bytes` as the next version of `name`, then swaps it in. Bytes identical to the serving version
   * change nothing (`changed: false`).
   * @throws ServeError E_MODEL_NAME or E_MODEL_INVALID; the serving version is untouched.
   */
  load(name: string, bytes: Uint8Array, source: string): Promise<{ entry: ModelEntry; changed: boolean }> {
    const prev = this.#queues.get(name) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(() => this.#load(name, bytes, source));
    const tail = run.catch(() => undefined);
    this.#queues.set(name, tail);
    void tail.then(() => { if (this.#queues.get(name) === tail) this.#queues.delete(name); });
    return run;
  }

  async #load(name: string, bytes: Uint8Array, source: string): Promise<{ entry: ModelEntry; changed: boolean }> {
    try {
      checkModelName(name);
      const hash = await contentHash(bytes);
      const current = this.#entries.get(name);
      if (current && current.hash === hash) return { entry: current, changed: false };
      const { decoded, model } = await validateAndLoad(bytes, this.options.backend);
      return { entry: this.install(name, { decoded, model, hash, fileBytes: bytes.length, source }), changed: true };
    } catch (e) {
      const err = e instanceof ServeError ? e : new ServeError('E_MODEL_INVALID', (e as Error)?.message ?? String(e), 'model');
      this.options.onLoadFailure?.(name, source, err);
      throw err;
    }
  }

  /** Makes an already validated model the current version of `name` and retires the previous one. */
  install(name: string, m: { decoded: NmpModel; model: ServedModel; hash: string; fileBytes: number; source: string }): ModelEntry {
    const version = (this.#versions.get(name) ?? 0) + 1;
    const s = summarizeModel(m.decoded, m.fileBytes);
    const entry: ModelEntry = {
      name, version, hash: m.hash, source: m.source, loadedAt: new Date().toISOString(), decoded: m.decoded, fileBytes: m.fileBytes,
      model: m.model, bits: { weight: s.avgWeightBits, activation: s.avgActBits }, batcher: undefined as unknown as Batcher,
    };
    entry.batcher = new Batcher(m.model, {
      windowMs: this.options.batchWindowMs, maxRows: this.options.maxBatchRows,
      onBatch: this.options.onBatch ? (rows) => this.options.onBatch!(entry, rows) : undefined,
    });
    const previous = this.#entries.get(name) ?? null;
    this.#versions.set(name, version);
    this.#entries.set(name, entry);
    if (previous) retire(previous);
    this.options.onSwap?.(entry, previous);
    return entry;
  }

  /** Retires every model (after their queued rows have run). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#queues.values()]);
    const all = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(all.map(retire));
  }
}

/** Disposes a version once its queued rows have run; requests that hold it have already queued theirs. */
async function retire(entry: ModelEntry): Promise<void> {
  await entry.batcher.drained();
  entry.model.dispose();
}
