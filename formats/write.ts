/**
 * @fileoverview Writer of model format v1. It encodes, then runs the strict reader over its own output, so a file it
 * returns is one every conforming reader accepts (same rules, same error codes, one implementation of them).
 */

import { Packr } from 'msgpackr';
import { FORMAT_NAME, FORMAT_VERSION } from './constants.js';
import { crc32 } from './crc32.js';
import { readModel } from './read.js';
import type { Layer, NmpModel } from './schema.js';

/** A layer as a writer supplies it: row offsets are derived. */
export type LayerInput = Omit<Layer, 'rowOffsets'>;
/** A model as a writer supplies it. */
export type ModelInput = Omit<NmpModel, 'version' | 'requires' | 'layers'> & { layers: LayerInput[]; requires?: string[] };

const packr = new Packr({ useRecords: false, variableMapSize: true } as ConstructorParameters<typeof Packr>[0]);

function leBytes(values: ArrayLike<number>, width: 4 | 8, kind: 'i32' | 'f32' | 'f64'): Uint8Array {
  const out = new Uint8Array(values.length * width);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (kind === 'i32') dv.setInt32(4 * i, values[i], true);
    else if (kind === 'f32') dv.setFloat32(4 * i, values[i], true);
    else dv.setFloat64(8 * i, values[i], true);
  }
  return out;
}

/** Plain Uint8Array (not a Buffer subclass or a view of a larger buffer), so msgpack writes exactly these bytes as bin. */
function bin(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

function bodyOf(model: ModelInput): Record<string, unknown> {
  const p = model.meta.provenance;
  return {
    meta: {
      task: model.meta.task,
      feature_names: model.meta.featureNames,
      output_names: model.meta.outputNames,
      ...(model.meta.targetColumn === undefined ? {} : { target_column: model.meta.targetColumn }),
      ...(model.meta.categories === undefined ? {} : { categories: model.meta.categories.map((c) => ({ column: c.column, encoding: c.encoding, values: c.values, first_input: c.firstInput })) }),
      provenance: { method: p.method, dataset: p.dataset, seed: p.seed, metrics: p.metrics, tool: p.tool, created_at: p.createdAt },
    },
    input: { bits: bin(model.input.bits), center: leBytes(model.input.center, 8, 'f64'), gain: leBytes(model.input.gain, 8, 'f64') },
    layers: model.layers.map((l) => ({
      in: l.inFeatures,
      out: l.outFeatures,
      w_bits: bin(l.weightBits),
      weights: bin(l.weights),
      bias: leBytes(l.bias, 4, 'i32'),
      w_scale: leBytes(l.weightScale, 4, 'f32'),
      act: l.act === null ? null : {
        bits: bin(l.act.bits),
        scale: leBytes(l.act.scale, 4, 'f32'),
        mult: leBytes(l.act.mult, 4, 'i32'),
        shift: bin(l.act.shift),
      },
    })),
    output: { scale: leBytes(model.output.scale, 8, 'f64'), offset: leBytes(model.output.offset, 8, 'f64') },
  };
}

/** Raw envelope around already-encoded body bytes (SPEC §2.3). Exposed for tests that build hostile files. */
export function encodeEnvelope(body: Uint8Array, opts: { format?: unknown; version?: unknown; requires?: unknown; crc?: number } = {}): Uint8Array {
  // msgpackr returns a view of its reusable buffer (a Buffer in Node): copy into a plain, owned Uint8Array.
  return new Uint8Array(packr.pack({
    format: opts.format ?? FORMAT_NAME,
    version: opts.version ?? FORMAT_VERSION,
    requires: opts.requires ?? [],
    crc32: opts.crc ?? crc32(body),
    body: bin(body),
  }));
}

/** Encodes an arbitrary body map into a well-formed envelope with a correct checksum, without validating it. */
export function encodeUnchecked(body: Record<string, unknown>, opts?: Parameters<typeof encodeEnvelope>[1]): Uint8Array {
  return encodeEnvelope(packr.pack(body), opts);
}

/** Body map of a model, before msgpack encoding (for tests that mutate one field). */
export function modelBody(model: ModelInput): Record<string, unknown> {
  return bodyOf(model);
}

/**
 * Encodes a model to format v1 bytes.
 * @throws ModelFormatError when the model breaks any reader rule (e.g. E_ACC_OVERFLOW with the neuron's path).
 */
export function encodeModel(model: ModelInput): Uint8Array {
  const bytes = encodeUnchecked(bodyOf(model), { requires: model.requires ?? [] });
  readModel(bytes);
  return bytes;
}
