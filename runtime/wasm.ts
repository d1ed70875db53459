/**
 * @fileoverview Finds, compiles and instantiates the runtime modules (dist/wasm/{relaxed,simd,scalar}.wasm); typed ABI.
 * No Node-only API: file: URLs are read through a dynamic `node:fs` import (Node, Deno), anything else through fetch.
 */
import { ABI_VERSION } from './abi.js';
import { RuntimeError } from './errors.js';
import type { Backend } from './pack.js';

/** Exports of both runtime modules that the host uses (assembly/index.ts). */
export interface RuntimeExports {
  memory: WebAssembly.Memory;
  abiVersion(): number;
  heapBase(): number;
  forward(desc: number): void;
  /** Samples 0..n-1 of the descriptor's per-sample buffers (n <= its HDR_BATCH). */
  forward_batch(desc: number, n: number): void;
  /** relaxed.wasm only: 1 when this engine's relaxed instructions give the results the kernels rely on. */
  relaxed_self_test?(): number;
}

/** Where a module comes from: bytes, a compiled module, or a URL. */
export type WasmSource = BufferSource | WebAssembly.Module | URL | string;

const defaultUrl = (b: Backend) => new URL(`../wasm/${b}.wasm`, import.meta.url);

async function readBytes(src: URL | string): Promise<Uint8Array<ArrayBuffer>> {
  const url = typeof src === 'string' ? new URL(src, import.meta.url) : src;
  if (url.protocol === 'file:') {
    const fs = await import('node:fs/promises'); // Node and Deno; browsers never see file: URLs here
    return new Uint8Array(await fs.readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new RuntimeError('E_BACKEND', `${url}: HTTP ${res.status}, expected the runtime .wasm`);
  return new Uint8Array(await res.arrayBuffer());
}

function copyView(v: ArrayBufferView): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(v.byteLength);
  out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return out;
}

export interface CompiledBackend {
  backend: Backend;
  module: WebAssembly.Module;
  /** Size of the .wasm file in bytes (0 when given a compiled module). */
  moduleBytes: number;
}

const cache = new Map<string, Promise<CompiledBackend | null>>();

/** Compiles a backend's module once per source (cached); null when this engine cannot validate it (no SIMD). */
export function compileBackend(backend: Backend, source?: WasmSource): Promise<CompiledBackend | null> {
  const key = source === undefined ? backend : null;
  if (key && cache.has(key)) return cache.get(key)!;
  const p = (async () => {
    if (source instanceof WebAssembly.Module) return { backend, module: source, moduleBytes: 0 };
    const bytes = source === undefined || source instanceof URL || typeof source === 'string'
      ? await readBytes(source ?? defaultUrl(backend))
      : ArrayBuffer.isView(source)
        ? copyView(source)
        : new Uint8Array(source.slice(0));
    // Feature detection: the SIMD build itself validates only where WebAssembly SIMD exists.
    if (!WebAssembly.validate(bytes)) return null;
    return { backend, module: await WebAssembly.compile(bytes), moduleBytes: bytes.length };
  })();
  if (key) {
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** A fresh instance (own linear memory) of a compiled backend; checks the ABI version. */
export async function instantiate(c: CompiledBackend): Promise<RuntimeExports> {
  const instance = await WebAssembly.instantiate(c.module, {});
  const x = instance.exports as unknown as RuntimeExports;
  const v = typeof x.abiVersion === 'function' ? x.abiVersion() : -1;
  if (v !== ABI_VERSION) throw new RuntimeError('E_ABI', `${c.backend}.wasm: ABI version ${v}, expected ${ABI_VERSION}; rebuild with npm run build`);
  return x;
}

const selfTests = new WeakMap<WebAssembly.Module, Promise<boolean>>();

/**
 * Whether a compiled relaxed.wasm computes what its kernels rely on in this engine (its relaxed_self_test export, run once
 * per module on a throwaway instance). Node 20 validates relaxed SIMD only behind a flag, and then returns wrong dot
 * products (notes: relaxed_dot(3, 5, c) = 120 for every c); such an engine falls back to simd.wasm.
 */
export function relaxedWorks(c: CompiledBackend): Promise<boolean> {
  let p = selfTests.get(c.module);
  if (!p) {
    p = instantiate(c).then((x) => x.relaxed_self_test?.() === 1, () => false);
    selfTests.set(c.module, p);
  }
  return p;
}
