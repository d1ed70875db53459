/**
 * @fileoverview (b) and (c): one NMP model on one backend through the public runtime API (`loadModel`, `predict`,
 * `predictBatch`, `memory()`), checked bit for bit against formats' predictReference before it is timed.
 */

import { forwardCodes, predictReference, quantizeInput } from '../../formats/index.js';
import { loadModel, type Backend } from '../../runtime/index.js';
import { planArena } from '../../runtime/plan.js';
import { measureRate, sampleLatency } from './harness.js';
import { modelMacs, type BenchModel } from './models.js';
import type { ModelRow } from './report.js';

export const OUR_BACKENDS: Backend[] = ['simd', 'scalar'];

export interface OursOptions {
  warmup: number;
  warmupMs: number;
  samples: number;
  rateTime: number;
  batch: number;
}

/** Bitwise float32 equality (tolerance 0; distinguishes -0 and +0, which a `===` check would not). */
function sameBits(a: Float32Array, b: Float32Array): number {
  const ia = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ib = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (ia.length !== ib.length) return 0;
  for (let i = 0; i < ia.length; i++) if (ia[i] !== ib[i]) return i;
  return -1;
}

/**
 * p50 of the WASM `forward` export alone (no host quantise/dequantise, no JS API layer), on its own instance laid out by
 * the runtime's planArena, and the host cost: the median over 5 alternating rounds of predict p50 minus forward p50
 * (`predict` is the model's). Accumulators are checked first.
 */
function forwardOnlyP50(backend: Backend, bm: BenchModel, wasm: Record<string, Uint8Array>, x: Float32Array, o: OursOptions, predict: () => unknown): { forward: number; host: number } {
  const ex = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(wasm[`${backend}.wasm`]!))).exports as {
    memory: WebAssembly.Memory;
    heapBase(): number;
    forward(desc: number): void;
  };
  const plan = planArena(bm.model, backend, ex.heapBase());
  const need = plan.base + plan.image.length - ex.memory.buffer.byteLength;
  if (need > 0) ex.memory.grow(Math.ceil(need / 65536));
  new Uint8Array(ex.memory.buffer).set(plan.image, plan.base);
  const codes = quantizeInput(bm.model, x);
  new Int16Array(ex.memory.buffer, plan.inPtr, codes.length).set(codes);
  ex.forward(plan.descPtr);
  const want = forwardCodes(bm.model, codes).acc;
  const got = new Int32Array(ex.memory.buffer, plan.outPtr, want.length);
  const bad = want.findIndex((v, j) => v !== got[j]);
  if (bad >= 0) throw new Error(`${backend} ${bm.shapeName} ${bm.mix.name}: forward accumulator ${bad} = ${got[bad]}, expected ${want[bad]} (forwardCodes)`);
  const desc = plan.descPtr;
  const fwd: number[] = [], host: number[] = [];
  const per = { warmup: Math.ceil(o.warmup / 5), warmupMs: o.warmupMs / 5, samples: Math.ceil(o.samples / 5) };
  for (let r = 0; r < 5; r++) {
    const f = sampleLatency(() => ex.forward(desc), per).p50;
    const p = sampleLatency(predict, per).p50;
    fwd.push(f);
    host.push(p - f);
  }
  const median = (v: number[]) => v.sort((a, b) => a - b)[2]!;
  return { forward: median(fwd), host: median(host) };
}

export async function benchModel(
  backend: Backend,
  bm: BenchModel,
  wasm: Record<string, Uint8Array>,
  verifyX: Float32Array,
  o: OursOptions,
): Promise<ModelRow> {
  const label = `${backend} ${bm.shapeName} ${bm.mix.name}`;
  // The module bytes benchmarked in (a), so (a) and (b) time the same build.
  const model = await loadModel(bm.bytes, { backend, wasm: { simd: wasm['simd.wasm'], scalar: wasm['scalar.wasm'] } });
  try {
    if (model.info.backend !== backend) throw new Error(`${label}: loadModel chose backend ${model.info.backend}, expected ${backend}`);
    const F = model.info.features;
    const O = model.info.outputs;
    const rows = verifyX.length / F;
    const batchOut = model.predictBatch(verifyX, rows);
    for (let r = 0; r < rows; r++) {
      const x = verifyX.subarray(r * F, (r + 1) * F);
      const want = predictReference(bm.model, x);
      const got = model.predict(x);
      const bad = sameBits(got, want);
      const badBatch = sameBits(batchOut.subarray(r * O, (r + 1) * O), want);
      if (bad >= 0 || badBatch >= 0) {
        const [which, j, g] = bad >= 0 ? ['predict', bad, got[bad]] : ['predictBatch', badBatch, batchOut[r * O + badBatch]];
        throw new Error(`${label}: ${which} row ${r} output ${j} = ${g}, expected ${want[j]} (predictReference, tolerance 0)`);
      }
    }
    const x1 = verifyX.slice(0, F);
    const y1 = new Float32Array(O);
    const batch1 = sampleLatency(() => model.predict(x1, y1), { warmup: o.warmup, warmupMs: o.warmupMs, samples: o.samples });
    const xb = new Float32Array(o.batch * F);
    for (let i = 0; i < xb.length; i++) xb[i] = verifyX[i % verifyX.length]!;
    const yb = new Float32Array(o.batch * O);
    const rate = measureRate(`${label} b${o.batch}`, () => void model.predictBatch(xb, o.batch, yb), o.rateTime);
    const fo = forwardOnlyP50(backend, bm, wasm, x1, o, () => model.predict(x1, y1));
    return {
      backend,
      shape: bm.shapeName,
      mix: bm.mix.name,
      macs: modelMacs(bm.model),
      fileBytes: bm.bytes.length,
      packedWeightBytes: model.info.packedWeightBytes,
      memory: { ...model.memory() },
      batch1,
      forwardP50: fo.forward,
      hostP50: fo.host,
      batch256: { samplesPerSec: rate.hz * o.batch, rme: rate.rme },
      exact: true,
      verifyRows: rows,
      kernels: model.info.layers.map((l) => l.kernels.map((g) => `${g.kernel}:${g.rows}`).join(' ')).join(' | '),
    };
  } finally {
    model.dispose();
  }
}
