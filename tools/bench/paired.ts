/**
 * @fileoverview Paired latency ratios for the headline target: ours and one peer timed in alternating short rounds, so
 * both see the same load on the shared VM; the median of the per-round ratios is far steadier than a ratio of two
 * p50s taken a minute apart.
 */

import { loadModel } from '../../runtime/index.js';
import { sampleLatency, sampleLatencyAsync } from './harness.js';
import type { BenchModel } from './models.js';
import type { PeerRuntime, PeerVariant } from './peers.js';

export interface PairedRow {
  shape: string;
  mix: string;
  backend: 'simd';
  /** `onnxruntime-node <variant>`, or `ours <mix>` for a pair of our own models (the bit-width ratio targets). */
  peer: string;
  rounds: number;
  /** Median, min and max over rounds of (our p50 / peer p50) within the round. */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  /** Medians over rounds of each side's p50, microseconds. */
  oursP50: number;
  peerP50: number;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export interface PairedOptions {
  rounds: number;
  samples: number;
  warmupMs: number;
}

/**
 * For every model in `models` and peer variant in `onnx`: `rounds` alternating rounds of `samples` timed calls each.
 * Outputs were verified by the main sections already; this only times.
 */
export async function pairedRatios(
  peer: PeerRuntime,
  onnx: { variant: PeerVariant; bytes: Uint8Array }[],
  models: BenchModel[],
  wasm: Record<string, Uint8Array>,
  x1: Float32Array,
  o: PairedOptions,
): Promise<PairedRow[]> {
  const out: PairedRow[] = [];
  const nIn = x1.length;
  const sessions = await Promise.all(onnx.map((v) => peer.ort.InferenceSession.create(v.bytes, peer.sessionOptions)));
  try {
    const feeds = { x: new peer.ort.Tensor('float32', x1, [1, nIn]) };
    for (const bm of models) {
      const model = await loadModel(bm.bytes, { backend: 'simd', wasm: { simd: wasm['simd.wasm'], scalar: wasm['scalar.wasm'] } });
      try {
        const y = new Float32Array(model.info.outputs);
        const ours = () => model.predict(x1, y);
        for (let v = 0; v < onnx.length; v++) {
          const session = sessions[v]!;
          const theirs = () => session.run(feeds);
          const r: number[] = [];
          const a: number[] = [];
          const b: number[] = [];
          for (let i = 0; i < o.rounds; i++) {
            // Warm both sides in every round: the other side's round may have evicted caches or let V8 idle.
            const p = sampleLatency(ours, { warmup: 50, warmupMs: o.warmupMs, samples: o.samples }).p50;
            const q = (await sampleLatencyAsync(theirs, { warmup: 50, warmupMs: o.warmupMs, samples: o.samples })).p50;
            a.push(p);
            b.push(q);
            r.push(p / q);
          }
          out.push({
            shape: bm.shapeName,
            mix: bm.mix.name,
            backend: 'simd',
            peer: `${peer.name} ${onnx[v]!.variant}`,
            rounds: o.rounds,
            ratio: median(r),
            ratioMin: Math.min(...r),
            ratioMax: Math.max(...r),
            oursP50: median(a),
            peerP50: median(b),
          });
        }
      } finally {
        model.dispose();
      }
    }
  } finally {
    for (const s of sessions) await s.release();
  }
  return out;
}

/**
 * Our SIMD batch-1 p50 of `a` over that of `b` (same shape), in `rounds` alternating rounds: the w1 / w8 and w2 / w8
 * ratio targets, steadier than two p50s from the models section measured a minute apart.
 */
export async function pairedOurs(a: BenchModel, b: BenchModel, wasm: Record<string, Uint8Array>, x1: Float32Array, o: PairedOptions): Promise<PairedRow> {
  const load = (bm: BenchModel) => loadModel(bm.bytes, { backend: 'simd', wasm: { simd: wasm['simd.wasm'], scalar: wasm['scalar.wasm'] } });
  const [ma, mb] = [await load(a), await load(b)];
  try {
    const ya = new Float32Array(ma.info.outputs), yb = new Float32Array(mb.info.outputs);
    const r: number[] = [], pa: number[] = [], pb: number[] = [];
    for (let i = 0; i < o.rounds; i++) {
      const p = sampleLatency(() => ma.predict(x1, ya), { warmup: 50, warmupMs: o.warmupMs, samples: o.samples }).p50;
      const q = sampleLatency(() => mb.predict(x1, yb), { warmup: 50, warmupMs: o.warmupMs, samples: o.samples }).p50;
      pa.push(p);
      pb.push(q);
      r.push(p / q);
    }
    return {
      shape: a.shapeName, mix: a.mix.name, backend: 'simd', peer: `ours ${b.mix.name}`, rounds: o.rounds,
      ratio: median(r), ratioMin: Math.min(...r), ratioMax: Math.max(...r), oursP50: median(pa), peerP50: median(pb),
    };
  } finally {
    ma.dispose();
    mb.dispose();
  }
}
