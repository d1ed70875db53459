/**
 * @fileoverview One module instance per backend, shared by every model loaded without `isolate`: each model owns an arena
 * (first fit in freed blocks, else the end), so small models cost their arena instead of a 64 KiB page each. Growing the
 * memory detaches JS views; models re-create theirs when they see it (model.ts).
 */
import { RuntimeError } from './errors.js';
import { instantiate, type CompiledBackend, type RuntimeExports } from './wasm.js';

const align16 = (n: number) => (n + 15) & ~15;

export class ArenaPool {
  /** End of the highest arena handed out. */
  #top: number;
  /** End of the highest arena ever handed out: memory above it is still the zeros WASM memory grows with. */
  #clean: number;
  /** Freed blocks, sorted by address, adjacent ones merged. */
  readonly #free: { at: number; size: number }[] = [];
  /** Live arenas in this instance. */
  live = 0;

  constructor(readonly x: RuntimeExports, readonly limit: number) {
    this.#top = align16(x.heapBase());
    this.#clean = this.#top;
  }

  /** Zeroes the part of the block at `at` that an earlier arena may have written (the packers set bits into zeros). */
  clear(at: number, size: number): void {
    if (at < this.#clean) new Uint8Array(this.x.memory.buffer, at, Math.min(size, this.#clean - at)).fill(0);
    this.#clean = Math.max(this.#clean, at + size);
  }

  /** Reserves `size` bytes (16-aligned), growing memory when needed; E_MEMORY_LIMIT beyond `limit` or when the engine refuses. */
  alloc(size: number, weights: number): number {
    size = align16(size);
    const i = this.#free.findIndex((b) => b.size >= size);
    if (i >= 0) {
      const b = this.#free[i];
      if (b.size === size) this.#free.splice(i, 1);
      else this.#free[i] = { at: b.at + size, size: b.size - size };
      this.live++;
      return b.at;
    }
    const at = this.#top, need = at + size;
    // Memory grows in whole 64 KiB pages: the limit bounds the pages, not just the bytes in use.
    const pageBytes = Math.ceil(need / 65536) * 65536;
    if (pageBytes > this.limit) throw new RuntimeError('E_MEMORY_LIMIT', `model needs ${need} bytes of WASM memory (${pageBytes} in whole 64 KiB pages; weights ${weights}), limit is ${this.limit} bytes`);
    const have = this.x.memory.buffer.byteLength;
    if (need > have) {
      try {
        this.x.memory.grow(Math.ceil((need - have) / 65536));
      } catch (e) {
        throw new RuntimeError('E_MEMORY_LIMIT', `model needs ${need} bytes of WASM memory (weights ${weights}); the engine refused to grow memory: ${(e as Error).message}`);
      }
    }
    this.#top = need;
    this.live++;
    return at;
  }

  /** Returns an arena; the block is reused by later models (memory itself never shrinks). */
  release(at: number, size: number): void {
    size = align16(size);
    this.live--;
    const f = this.#free;
    let i = 0;
    while (i < f.length && f[i].at < at) i++;
    f.splice(i, 0, { at, size });
    // Merge with neighbours, and give the last block back to the bump pointer.
    if (i + 1 < f.length && f[i].at + f[i].size === f[i + 1].at) f.splice(i, 2, { at: f[i].at, size: f[i].size + f[i + 1].size });
    if (i > 0 && f[i - 1].at + f[i - 1].size === f[i].at) f.splice(i - 1, 2, { at: f[i - 1].at, size: f[i - 1].size + f[i].size });
    const last = f[f.length - 1];
    if (last && last.at + last.size === this.#top) {
      this.#top = last.at;
      f.pop();
    }
  }
}

const pools = new Map<CompiledBackend, Promise<ArenaPool>>();

/** The shared instance of a compiled backend (created on first use). */
export function sharedPool(c: CompiledBackend, limit: number): Promise<ArenaPool> {
  let p = pools.get(c);
  if (!p) {
    p = instantiate(c).then((x) => new ArenaPool(x, limit));
    pools.set(c, p);
    p.catch(() => pools.delete(c));
  }
  return p;
}

/** A private instance for one model (options.isolate or options.maxMemoryBytes). */
export async function isolatedPool(c: CompiledBackend, limit: number): Promise<ArenaPool> {
  return new ArenaPool(await instantiate(c), limit);
}
