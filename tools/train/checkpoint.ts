/**
 * @fileoverview Training checkpoints: the full state of a run after an epoch (parameters, optimiser moments, step, RNG,
 * budget prices, best snapshot, log), written atomically with msgpackr, so a resumed run gives the same bytes as an
 * uninterrupted one.
 */

import { readFile } from 'node:fs/promises';
import { Packr } from 'msgpackr';
import { writeFileAtomic } from '../../formats/node-io.js';
import type { EpochRecord } from './run.js';

const KIND = 'nmp-edge-train-checkpoint';
const packr = new Packr({ useRecords: false } as ConstructorParameters<typeof Packr>[0]);

/** Trainer state (Trainer.state()): typed arrays as bytes, scalars as numbers. */
export interface TrainerState {
  params: Uint8Array[];
  moments: Uint8Array[];
  step: number;
  rng: Uint8Array;
  lambda: number;
  lambdaAct: number;
  frozen: boolean;
}

/** What a checkpoint file holds besides the trainer state: the run loop's early-stopping state and its log. */
export interface Checkpoint {
  /** The resolved options of the run (a checkpoint of other options is refused). */
  options: Record<string, unknown>;
  /** The phase the state belongs to: float training first, then the method's own (quantisation-aware) training. */
  phase: 'float' | 'main';
  /** Main phase after a float phase: the float phase's best parameters (Trainer.snapshot()) and its log. */
  floatSnap?: Uint8Array[];
  floatEpochs?: EpochRecord[];
  floatBestEpoch?: number;
  epoch: number;
  state: TrainerState;
  best: number;
  bestSnap: Uint8Array[];
  bestEpoch: number;
  stale: number;
  epochs: EpochRecord[];
}

/** Writes a checkpoint atomically (temp file + rename). */
export async function writeCheckpoint(path: string, ck: Checkpoint): Promise<void> {
  await writeFileAtomic(path, packr.pack({ kind: KIND, ...ck }));
}

/** Reads the checkpoint at `path`, or null when there is none; refuses one written by a run with other options. */
export async function readCheckpoint(path: string, options: Record<string, unknown>): Promise<Checkpoint | null> {
  let buf: Uint8Array;
  try {
    buf = await readFile(path);
  } catch {
    return null;
  }
  const ck = packr.unpack(buf) as Checkpoint & { kind?: unknown };
  if (ck.kind !== KIND || JSON.stringify(ck.options) !== JSON.stringify(options)) {
    throw new Error(`${path}: checkpoint of a different run (options or kind differ) - expected one written with the same options`);
  }
  return ck;
}

/** Bytes of a typed array (a copy, so the checkpoint does not alias live parameters). */
export function bytesOf(a: Float32Array | Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

export function f32Of(b: Uint8Array): Float32Array {
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function u32Of(b: Uint8Array): Uint32Array {
  return new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
