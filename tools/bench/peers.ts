/**
 * @fileoverview Peer runtimes (onnxruntime-node CPU EP and onnxruntime-web's wasm EP in Node, one thread each) running
 * the benchmark MLPs as fp32, static QDQ int8 and dynamic int8 ONNX graphs; outputs are checked against the float
 * reference before anything is timed.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dynamicInt8MlpGraph, encodeOnnxModel, forwardFloat, fp32MlpGraph, graphOpTypes, qdqMlpGraph, type FloatMlp } from './onnx.js';
import { sampleLatencyAsync, measureRateAsync, type Latency, type LatencyOptions } from './harness.js';

export type PeerRuntimeName = 'onnxruntime-node' | 'onnxruntime-web';
export type PeerVariant = 'fp32' | 'int8-qdq' | 'int8-dyn';
export const PEER_VARIANTS: PeerVariant[] = ['fp32', 'int8-qdq', 'int8-dyn'];

/** The part of onnxruntime-common's API both packages share and we use (they export the same classes). */
interface OrtTensor {
  data: unknown;
  dims: readonly number[];
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtModule {
  InferenceSession: { create(bytes: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
  env: { versions: Record<string, string>; wasm?: { numThreads?: number; simd?: boolean } };
}

export interface PeerRuntime {
  name: PeerRuntimeName;
  version: string;
  ort: OrtModule;
  sessionOptions: Record<string, unknown>;
}

/**
 * The peers are not dependencies of the package (an install would fetch onnxruntime-node's CUDA libraries): `npm run
 * bench:peers` installs them, without their install scripts (the CPU binaries ship in the package).
 */
export const PEERS_INSTALL = 'npm run bench:peers';

/** Imports a peer package; a missing one names the command that installs it. */
async function importPeer(name: PeerRuntimeName): Promise<OrtModule> {
  try {
    // A specifier in a variable: the build must not need the peers' types either.
    const specifier: string = name;
    return (await import(specifier)) as OrtModule;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') throw new Error(`${name} is not installed - the benchmark's peers come from '${PEERS_INSTALL}'`);
    throw e;
  }
}

/** True when both peer packages can be imported (tests of section (d) skip otherwise). */
export async function peersInstalled(): Promise<boolean> {
  try {
    await importPeer('onnxruntime-node');
    await importPeer('onnxruntime-web');
    return true;
  } catch {
    return false;
  }
}

/** Loads both peers lazily (benchmark-only, never of the runtime). */
export async function loadPeers(): Promise<PeerRuntime[]> {
  const node = await importPeer('onnxruntime-node');
  const web = await importPeer('onnxruntime-web');
  // One thread for both: the VM has 2 cores shared with other jobs, and our runtime is single-threaded.
  web.env.wasm!.numThreads = 1;
  return [
    {
      name: 'onnxruntime-node',
      version: node.env.versions['node'] ?? '?',
      ort: node,
      sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'], graphOptimizationLevel: 'all' },
    },
    {
      name: 'onnxruntime-web',
      version: web.env.versions['web'] ?? '?',
      ort: web,
      sessionOptions: { executionProviders: ['wasm'], graphOptimizationLevel: 'all' },
    },
  ];
}

/** Maximum |peer - float reference| allowed, as a fraction of max |reference output|. */
export const PEER_TOLERANCE: Record<PeerVariant, number> = {
  fp32: 1e-5, // f32 vs f64 accumulation over <= 512 terms
  'int8-qdq': 0.1, // per-tensor int8 weights and u8 activations over 3-5 layers of random weights
  'int8-dyn': 0.1,
};

export interface PeerResult {
  runtime: PeerRuntimeName;
  version: string;
  variant: PeerVariant;
  shape: string;
  onnxBytes: number;
  loadMs: number;
  /** Ops of the graph after onnxruntime's optimisation, e.g. `QuantizeLinear, QGemm x3` (null: runtime cannot dump it). */
  optimizedOps: string | null;
  /** max |y - y_float| over the verification rows, and max |y_float| for scale. */
  maxAbsErr: number;
  maxAbsRef: number;
  verified: boolean;
  batch1: Latency;
  /** Samples per second at batch 256 (benchmark.js hz * 256) and its relative margin of error, percent. */
  batch256: { samplesPerSec: number; rme: number };
}

export function peerGraphBytes(variant: PeerVariant, mlp: FloatMlp, calib: Float32Array, calibRows: number): Uint8Array {
  if (variant === 'fp32') return encodeOnnxModel(fp32MlpGraph(mlp));
  if (variant === 'int8-dyn') return encodeOnnxModel(dynamicInt8MlpGraph(mlp));
  return encodeOnnxModel(qdqMlpGraph(mlp, forwardFloat(mlp, calib, calibRows).ranges));
}

export interface PeerRunOptions {
  latency: LatencyOptions;
  /** benchmark.js sampling time for the batch-256 rate, seconds. */
  rateTime: number;
  verifyRows: number;
  batch: number;
}

/** Op histogram of the optimised graph onnxruntime-node writes for `onnx` (the web build has no such option). */
async function optimizedOps(peer: PeerRuntime, onnx: Uint8Array): Promise<string | null> {
  if (peer.name !== 'onnxruntime-node') return null;
  const dir = mkdtempSync(join(tmpdir(), 'nmp-bench-ort-'));
  try {
    const path = join(dir, 'optimized.onnx');
    // logSeverityLevel 3: ORT warns that a level-'all' dump is host-specific, which is exactly what we want to see.
    const s = await peer.ort.InferenceSession.create(onnx, { ...peer.sessionOptions, optimizedModelFilePath: path, logSeverityLevel: 3 });
    await s.release();
    const counts = new Map<string, number>();
    for (const op of graphOpTypes(readFileSync(path))) counts.set(op, (counts.get(op) ?? 0) + 1);
    return [...counts].map(([op, n]) => (n > 1 ? `${op} x${n}` : op)).join(', ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Creates a session, verifies it on `verifyX` against the float reference (throws when it disagrees: a peer that
 * computes something else is not a baseline), then times batch-1 latency and batch-`o.batch` throughput.
 */
export async function benchPeer(
  peer: PeerRuntime,
  variant: PeerVariant,
  shape: string,
  mlp: FloatMlp,
  onnx: Uint8Array,
  verifyX: Float32Array,
  o: PeerRunOptions,
): Promise<PeerResult> {
  const nIn = mlp.sizes[0]!;
  const t0 = performance.now();
  const session = await peer.ort.InferenceSession.create(onnx, peer.sessionOptions);
  const loadMs = performance.now() - t0;
  try {
    const rows = verifyX.length / nIn;
    const out = await session.run({ x: new peer.ort.Tensor('float32', verifyX, [rows, nIn]) });
    const y = out['y']!.data as Float32Array;
    const ref = forwardFloat(mlp, verifyX, rows).y;
    if (y.length !== ref.length) throw new Error(`${peer.name} ${variant} ${shape}: output has ${y.length} values, expected ${ref.length}`);
    let maxAbsErr = 0;
    let maxAbsRef = 0;
    for (let i = 0; i < ref.length; i++) {
      maxAbsErr = Math.max(maxAbsErr, Math.abs(y[i]! - ref[i]!));
      maxAbsRef = Math.max(maxAbsRef, Math.abs(ref[i]!));
    }
    const verified = Number.isFinite(maxAbsErr) && maxAbsErr <= PEER_TOLERANCE[variant] * Math.max(1, maxAbsRef);
    if (!verified) {
      throw new Error(
        `${peer.name} ${variant} ${shape}: max |y - float reference| = ${maxAbsErr} over ${rows} rows, ` +
          `expected <= ${PEER_TOLERANCE[variant]} * max(1, ${maxAbsRef})`,
      );
    }
    const one = { x: new peer.ort.Tensor('float32', verifyX.slice(0, nIn), [1, nIn]) };
    const batch1 = await sampleLatencyAsync(() => session.run(one), o.latency);
    const bx = new Float32Array(o.batch * nIn);
    for (let i = 0; i < bx.length; i++) bx[i] = verifyX[i % verifyX.length]!;
    const many = { x: new peer.ort.Tensor('float32', bx, [o.batch, nIn]) };
    const rate = await measureRateAsync(`${peer.name} ${variant} ${shape} b${o.batch}`, () => session.run(many), o.rateTime);
    return {
      runtime: peer.name,
      version: peer.version,
      variant,
      shape,
      onnxBytes: onnx.length,
      loadMs,
      optimizedOps: await optimizedOps(peer, onnx),
      maxAbsErr,
      maxAbsRef,
      verified,
      batch1,
      batch256: { samplesPerSec: rate.hz * o.batch, rme: rate.rme },
    };
  } finally {
    await session.release();
  }
}
