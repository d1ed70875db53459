/**
 * @fileoverview Micro-batching: rows of concurrent requests for one model are coalesced into one `predictBatch` call.
 *
 * A batch closes at the end of the event-loop turn in which its first rows arrived (setImmediate), so a lone request
 * waits for nothing; everything parsed in the same turn (under load, many requests) goes together. With `windowMs > 0`
 * a batch that opens while the previous one closed less than `windowMs` ago (the service is busy) stays open up to
 * `windowMs` to gather more; an idle service still answers at once. A batch also closes as soon as it holds `maxRows`.
 */

import { setImmediate } from 'node:timers';

/** What a batcher runs: the runtime's Model, or anything with the same predictBatch. */
export interface BatchModel {
  predictBatch(inputs: ArrayLike<number>, n: number, out?: Float32Array): Float32Array;
  readonly info: { readonly features: number; readonly outputs: number };
}

export interface BatcherOptions {
  /** Longest wait for more rows once the service is busy, ms (0: close at the end of the turn). */
  windowMs: number;
  /** Rows at which a batch closes at once. */
  maxRows: number;
  /** Called with the rows of every batch run (for the batch-size histogram). */
  onBatch?: (rows: number) => void;
}

interface Pending {
  x: Float32Array;
  n: number;
  resolve: (y: Float32Array) => void;
  reject: (e: unknown) => void;
}

export class Batcher {
  #queue: Pending[] = [];
  #rows = 0;
  #scheduled = false;
  #lastRun = -Infinity;
  #drained: (() => void) | null = null;
  readonly #F: number;
  readonly #O: number;

  constructor(readonly model: BatchModel, readonly options: BatcherOptions) {
    this.#F = model.info.features;
    this.#O = model.info.outputs;
  }

  /** Rows waiting for the next batch. */
  get pendingRows(): number {
    return this.#rows;
  }

  /** Outputs (n x outputs) of `n` rows (n x features, already validated), computed in the next batch. */
  submit(x: Float32Array, n: number): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ x, n, resolve, reject });
      this.#rows += n;
      if (this.#rows >= this.options.maxRows) this.run();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        const busy = performance.now() - this.#lastRun < this.options.windowMs;
        if (busy) setTimeout(() => this.run(), this.options.windowMs);
        else setImmediate(() => this.run());
      }
    });
  }

  /** Runs every queued row now, as one predictBatch call. */
  run(): void {
    this.#scheduled = false;
    const q = this.#queue, n = this.#rows;
    if (q.length === 0) return;
    this.#queue = [];
    this.#rows = 0;
    this.#lastRun = performance.now();
    try {
      let xs: Float32Array;
      if (q.length === 1) xs = q[0].x;
      else {
        xs = new Float32Array(n * this.#F);
        let at = 0;
        for (const p of q) { xs.set(p.x, at); at += p.x.length; }
      }
      const y = this.model.predictBatch(xs, n);
      this.options.onBatch?.(n);
      let at = 0;
      for (const p of q) {
        p.resolve(y.subarray(at, at + p.n * this.#O));
        at += p.n * this.#O;
      }
    } catch (e) {
      for (const p of q) p.reject(e);
    }
    if (this.#drained && this.#queue.length === 0) {
      const d = this.#drained;
      this.#drained = null;
      d();
    }
  }

  /** Resolves once nothing is queued (at once when idle). */
  drained(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const prev = this.#drained;
      this.#drained = () => { prev?.(); resolve(); };
    });
  }
}
