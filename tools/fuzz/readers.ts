/**
 * @fileoverview Every reader of a model file behind one verdict: `ok` or `<code> at byte <offset>`. The TypeScript
 * reader, the runtime's loadModel (simd and scalar: it validates with the same reader before any WASM memory is written)
 * and nohost.wasm's own loader in V8. Used by the invalid-file vectors and the fuzzer.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as abi from '../../runtime/abi.js';
import { ModelFormatError } from '../../formats/errors.js';
import { readModel } from '../../formats/read.js';
import type { NmpModel } from '../../formats/schema.js';
import { loadModel, type Model } from '../../runtime/index.js';
/** dist/tools/fuzz/ -> dist/wasm/. */
const wasmDir = fileURLToPath(new URL('../../wasm/', import.meta.url));

/** nmp_load's result -> code name (runtime/abi.ts E_*). */
export const NOHOST_CODES: string[] = ['ok'];
for (const [name, v] of Object.entries(abi)) if (name.startsWith('E_')) NOHOST_CODES[v as number] = name;

export function verdictOf(e: unknown): string {
  if (e instanceof ModelFormatError) return `${e.code} at byte ${e.offset}`;
  throw e;
}

/** formats/read.ts: the verdict, and the model when accepted. */
export function tsRead(bytes: Uint8Array): { verdict: string; model: NmpModel | null } {
  try {
    return { verdict: 'ok', model: readModel(bytes) };
  } catch (e) {
    return { verdict: verdictOf(e), model: null };
  }
}

/** runtime loadModel on one backend: the verdict, and the model when accepted (the caller disposes it). */
export async function runtimeLoad(bytes: Uint8Array, backend: 'simd' | 'scalar'): Promise<{ verdict: string; model: Model | null }> {
  try {
    return { verdict: 'ok', model: await loadModel(bytes, { backend }) };
  } catch (e) {
    return { verdict: verdictOf(e), model: null };
  }
}

interface NoHostExports {
  memory: WebAssembly.Memory;
  nmp_alloc(n: number): number; nmp_load(p: number, n: number): number; nmp_error_offset(): number;
  nmp_features(): number; nmp_outputs(): number; nmp_input(): number; nmp_output(): number; nmp_accumulators(): number;
  nmp_predict(): number;
}

let nohostModule: WebAssembly.Module | null = null;

/** One nohost.wasm instance that loads file after file (as a C host would), in V8. */
export class NoHost {
  readonly x: NoHostExports;
  constructor() {
    nohostModule ??= new WebAssembly.Module(new Uint8Array(readFileSync(`${wasmDir}nohost.wasm`)));
    this.x = new WebAssembly.Instance(nohostModule, {}).exports as unknown as NoHostExports;
  }
  load(bytes: Uint8Array): string {
    const p = this.x.nmp_alloc(bytes.length);
    if (p === 0) return 'E_MEMORY at byte 0';
    new Uint8Array(this.x.memory.buffer).set(bytes, p);
    const r = this.x.nmp_load(p, bytes.length);
    const at = this.x.nmp_error_offset();
    if (at < 0) throw new Error(`nmp_error_offset is negative (${at})`);
    return r === 0 ? 'ok' : `${NOHOST_CODES[r] ?? `unknown ${r}`} at byte ${at}`;
  }
  /** Outputs (float32) and last-layer accumulators of one sample of the loaded model. */
  predict(input: ArrayLike<number>): { y: Float32Array; acc: Int32Array; best: number } {
    const x = this.x;
    new Float64Array(x.memory.buffer, x.nmp_input(), x.nmp_features()).set(Array.from(input));
    const best = x.nmp_predict();
    return { best, y: new Float32Array(x.memory.buffer, x.nmp_output(), x.nmp_outputs()).slice(), acc: new Int32Array(x.memory.buffer, x.nmp_accumulators(), x.nmp_outputs()).slice() };
  }
}
