/**
 * @fileoverview Strict reader of model format v1 (SPEC.md §7). A model file is untrusted: every length, count,
 * bit-width and value is checked before anything sized by it is allocated, and before any byte reaches WASM.
 */

import { Unpackr } from 'msgpackr';
import { readCategories } from './categories.js';
import {
  ACC_MAX, ACT_BITS_MAX, FLOAT32_MAX, ACT_BITS_MIN, FORMAT_NAME, FORMAT_VERSION, INPUT_BITS_MAX, INPUT_BITS_MIN,
  KNOWN_REQUIREMENTS, MAX_FEATURES, MAX_FILE_BYTES, MAX_LAYERS, MAX_METRICS, MAX_NAME_LENGTH, MAX_NEURONS,
  REQUANT_MULT_MAX, REQUANT_SHIFT_MAX, REQUANT_SHIFT_MIN, WEIGHT_BITS_MAX, WEIGHT_BITS_MIN,
} from './constants.js';
import { crc32 } from './crc32.js';
import { describeValue, ModelFormatError } from './errors.js';
import { rowBytes, rowPaddingIsZero, unpackRow } from './pack.js';
import type { ActivationQuantizer, InputQuantizer, Layer, ModelMeta, NmpModel, OutputDequantizer, Provenance, TaskKind } from './schema.js';

// Records and structured clones are msgpackr extensions, not msgpack: a v1 file never uses them.
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' } as ConstructorParameters<typeof Unpackr>[0]);

type MsgMap = Record<string, unknown>;

/** Deepest nesting of maps and arrays a v1 file needs is 4; anything far deeper is hostile (and would recurse). */
const MAX_DEPTH = 32;

/**
 * Walks one msgpack value without decoding it (SPEC §2.1): only standard types (no extension type, no reserved 0xc1),
 * every length inside the buffer, every map or array count no larger than the bytes left, bounded nesting, nothing
 * after the value. Runs before msgpackr, so its extensions never see the bytes and no count drives an allocation.
 */
function checkMsgpack(b: Uint8Array, path: string): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pending = [1]; // values still to read at each open depth
  let p = 0;
  const fail = (what: string, found: string, expected: string): never => {
    throw new ModelFormatError('E_MSGPACK', `${path} byte ${p}`, what, found, expected);
  };
  const need = (n: number) => { if (p + n > b.length) fail('truncated msgpack value', `${b.length - p} bytes left`, `${n} more`); };
  while (pending.length) {
    if (pending[pending.length - 1] === 0) { pending.pop(); continue; }
    pending[pending.length - 1]--;
    need(1);
    const h = b[p++];
    let len = 0, children = 0;
    if (h <= 0x7f || h >= 0xe0 || h === 0xc0 || h === 0xc2 || h === 0xc3) { /* single byte */ }
    else if (h <= 0x8f) children = 2 * (h & 0x0f);
    else if (h <= 0x9f) children = h & 0x0f;
    else if (h <= 0xbf) len = h & 0x1f;
    else switch (h) {
      case 0xc4: case 0xd9: need(1); len = b[p]; p += 1; break;
      case 0xc5: case 0xda: need(2); len = dv.getUint16(p); p += 2; break;
      case 0xc6: case 0xdb: need(4); len = dv.getUint32(p); p += 4; break;
      case 0xcc: case 0xd0: len = 1; break;
      case 0xcd: case 0xd1: len = 2; break;
      case 0xca: case 0xce: case 0xd2: len = 4; break;
      case 0xcb: case 0xcf: case 0xd3: len = 8; break;
      case 0xdc: need(2); children = dv.getUint16(p); p += 2; break;
      case 0xdd: need(4); children = dv.getUint32(p); p += 4; break;
      case 0xde: need(2); children = 2 * dv.getUint16(p); p += 2; break;
      case 0xdf: need(4); children = 2 * dv.getUint32(p); p += 4; break;
      default: p--; fail(h === 0xc1 ? 'reserved msgpack byte' : 'msgpack extension type', `0x${h.toString(16)}`, 'a standard msgpack type (SPEC §2.1)');
    }
    need(len);
    p += len;
    if (children) {
      if (children > b.length - p) fail('map or array count larger than the bytes left', String(children), `at most ${b.length - p}`);
      if (pending.length > MAX_DEPTH) fail('maps and arrays nested too deep', `depth ${pending.length}`, `at most ${MAX_DEPTH}`);
      pending.push(children);
    }
  }
  if (p !== b.length) fail('trailing bytes after the msgpack value', `${b.length - p} bytes`, 'none');
}

function decodeMsgpack(bytes: Uint8Array, path: string): unknown {
  checkMsgpack(bytes, path);
  try {
    return unpackr.unpack(bytes.subarray(0)); // a fresh view: msgpackr caches a DataView on what it decodes
  } catch (e) {
    throw new ModelFormatError('E_MSGPACK', path, 'not a complete msgpack value', (e as Error).message, 'one msgpack map with nothing after it');
  }
}

function isMap(v: unknown): v is MsgMap {
  if (typeof v !== 'object' || v === null) return false;
  // The prototype, not `v.constructor`: a map may legitimately hold a key named "constructor".
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function expectMap(v: unknown, path: string): MsgMap {
  if (!isMap(v)) throw new ModelFormatError('E_TYPE', path, 'wrong type', describeValue(v), 'map');
  return v;
}

const utf8 = new TextEncoder();

function expectString(v: unknown, path: string, maxBytes = MAX_NAME_LENGTH): string {
  if (typeof v !== 'string') throw new ModelFormatError('E_TYPE', path, 'wrong type', describeValue(v), 'string');
  // Cheap bound first: a JS string of n UTF-16 units encodes to at most 3n bytes of UTF-8.
  if (v.length * 3 > maxBytes) {
    const n = utf8.encode(v).length;
    if (n > maxBytes) throw new ModelFormatError('E_LIMIT', path, 'string too long', `${n} bytes of UTF-8`, `at most ${maxBytes}`);
  }
  return v;
}

function expectUint(v: unknown, path: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new ModelFormatError('E_TYPE', path, 'wrong type', describeValue(v), 'non-negative integer');
  }
  if (v > max) throw new ModelFormatError('E_LIMIT', path, 'count beyond limit', String(v), `at most ${max}`);
  return v;
}

function expectBin(v: unknown, path: string, byteLength: number, unit: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new ModelFormatError('E_TYPE', path, 'wrong type', describeValue(v), 'bin');
  if (v.length !== byteLength) {
    throw new ModelFormatError('E_LENGTH', path, 'bin length disagrees with the shapes', `${v.length} bytes`, `${byteLength} bytes (${unit})`);
  }
  return v;
}

function expectStringArray(v: unknown, path: string, count: number): string[] {
  if (!Array.isArray(v)) throw new ModelFormatError('E_TYPE', path, 'wrong type', describeValue(v), `array of ${count} strings`);
  if (v.length !== count) throw new ModelFormatError('E_SHAPE', path, 'wrong number of names', String(v.length), String(count));
  return v.map((s, i) => expectString(s, `${path}[${i}]`));
}

/** Little-endian views, copied so that the model owns aligned memory independent of the file buffer. */
function copyBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}
function dataView(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
function readI32(b: Uint8Array): Int32Array {
  const dv = dataView(b), out = new Int32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getInt32(4 * i, true);
  return out;
}
function readF32(b: Uint8Array): Float32Array {
  const dv = dataView(b), out = new Float32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(4 * i, true);
  return out;
}
function readF64(b: Uint8Array): Float64Array {
  const dv = dataView(b), out = new Float64Array(b.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat64(8 * i, true);
  return out;
}

function checkBits(bits: Uint8Array, path: string, min: number, max: number): void {
  for (let i = 0; i < bits.length; i++) {
    if (bits[i] < min || bits[i] > max) {
      throw new ModelFormatError('E_BITWIDTH', `${path}[${i}]`, 'bit-width out of range', String(bits[i]), `${min}..${max}`);
    }
  }
}

function checkFloats(values: Float32Array | Float64Array, path: string, positive: boolean): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || (positive && !(v > 0))) {
      throw new ModelFormatError('E_VALUE', `${path}[${i}]`, positive ? 'scale must be finite and positive' : 'value must be finite', String(v), positive ? 'finite number > 0' : 'finite number');
    }
  }
}

/** Envelope (SPEC §2.3): format name, version, requirements, checksum; returns the verified body bytes. */
function readEnvelope(bytes: Uint8Array): { version: number; requires: string[]; body: Uint8Array } {
  if (bytes.length === 0) throw new ModelFormatError('E_EMPTY', '$', 'empty file', '0 bytes', 'a msgpack map');
  if (bytes.length > MAX_FILE_BYTES) throw new ModelFormatError('E_LIMIT', '$', 'file too large', `${bytes.length} bytes`, `at most ${MAX_FILE_BYTES}`);
  const env = expectMap(decodeMsgpack(bytes, '$'), '$');
  const format = env.format;
  if (format !== FORMAT_NAME) throw new ModelFormatError('E_FORMAT_NAME', '$.format', 'not an nmp-edge model', describeValue(format), `string "${FORMAT_NAME}"`);
  const version = env.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new ModelFormatError('E_FORMAT_VERSION', '$.version', 'bad version', describeValue(version), 'positive integer');
  }
  if (version > FORMAT_VERSION) {
    throw new ModelFormatError('E_FORMAT_VERSION', '$.version', `file is format v${version}; this reader reads up to v${FORMAT_VERSION}`, String(version), `<= ${FORMAT_VERSION}`, 'upgrade nmp-edge');
  }
  const req = env.requires;
  if (!Array.isArray(req)) throw new ModelFormatError('E_TYPE', '$.requires', 'wrong type', describeValue(req), 'array of strings');
  const requires = req.map((r, i) => expectString(r, `$.requires[${i}]`));
  requires.forEach((r, i) => {
    if (!KNOWN_REQUIREMENTS.includes(r)) {
      throw new ModelFormatError('E_REQUIRES', `$.requires[${i}]`, 'unknown requirement', `"${r}"`, KNOWN_REQUIREMENTS.length ? KNOWN_REQUIREMENTS.join(', ') : 'none (v1 defines no requirement)', 'the file needs a newer reader');
    }
  });
  const body = env.body;
  if (!(body instanceof Uint8Array)) throw new ModelFormatError('E_TYPE', '$.body', 'wrong type', describeValue(body), 'bin');
  const stored = env.crc32;
  if (typeof stored !== 'number' || !Number.isInteger(stored) || stored < 0 || stored > 0xffffffff) {
    throw new ModelFormatError('E_TYPE', '$.crc32', 'wrong type', describeValue(stored), 'uint32');
  }
  const actual = crc32(body);
  if (actual !== stored) {
    throw new ModelFormatError('E_CHECKSUM', '$.crc32', 'body checksum mismatch (file corrupted)', `0x${actual.toString(16).padStart(8, '0')} computed`, `0x${stored.toString(16).padStart(8, '0')} stored`);
  }
  return { version, requires, body };
}

function readProvenance(v: unknown, path: string): Provenance {
  const m = expectMap(v, path);
  const seed = m.seed;
  if (seed !== null && (typeof seed !== 'number' || !Number.isInteger(seed))) {
    throw new ModelFormatError('E_TYPE', `${path}.seed`, 'wrong type', describeValue(seed), 'integer or nil');
  }
  const metricsMap = expectMap(m.metrics, `${path}.metrics`);
  const metrics: Record<string, number> = {};
  const keys = Object.keys(metricsMap);
  if (keys.length > MAX_METRICS) throw new ModelFormatError('E_LIMIT', `${path}.metrics`, 'too many metrics', String(keys.length), `at most ${MAX_METRICS}`);
  for (const k of keys) {
    const val = metricsMap[k];
    if (typeof val !== 'number' || !Number.isFinite(val)) throw new ModelFormatError('E_TYPE', `${path}.metrics.${k}`, 'wrong type', describeValue(val), 'finite number');
    metrics[expectString(k, `${path}.metrics key`)] = val;
  }
  return {
    method: expectString(m.method, `${path}.method`),
    dataset: expectString(m.dataset, `${path}.dataset`, 4096),
    seed: seed as number | null,
    metrics,
    tool: expectString(m.tool, `${path}.tool`),
    createdAt: expectString(m.created_at, `${path}.created_at`),
  };
}

function readLayer(v: unknown, path: string, fanIn: number, isLast: boolean, inMax: Float64Array): { layer: Layer; outMax: Float64Array } {
  const m = expectMap(v, path);
  const inFeatures = expectUint(m.in, `${path}.in`, MAX_NEURONS);
  const out = expectUint(m.out, `${path}.out`, MAX_NEURONS);
  if (inFeatures !== fanIn) throw new ModelFormatError('E_SHAPE', `${path}.in`, 'fan-in disagrees with the previous layer', String(inFeatures), String(fanIn));
  if (out === 0) throw new ModelFormatError('E_SHAPE', `${path}.out`, 'layer without neurons', '0', 'at least 1');
  const weightBits = copyBytes(expectBin(m.w_bits, `${path}.w_bits`, out, '1 byte per neuron'));
  checkBits(weightBits, `${path}.w_bits`, WEIGHT_BITS_MIN, WEIGHT_BITS_MAX);
  const rowOffsets = new Uint32Array(out + 1);
  for (let j = 0; j < out; j++) rowOffsets[j + 1] = rowOffsets[j] + rowBytes(inFeatures, weightBits[j]);
  const weights = copyBytes(expectBin(m.weights, `${path}.weights`, rowOffsets[out], 'sum over neurons of ceil(in * w_bits / 8)'));
  const bias = readI32(expectBin(m.bias, `${path}.bias`, 4 * out, 'int32 per neuron'));
  const weightScale = readF32(expectBin(m.w_scale, `${path}.w_scale`, 4 * out, 'float32 per neuron'));
  checkFloats(weightScale, `${path}.w_scale`, true);

  // SPEC §6.3: every partial sum of every neuron fits int32, in any order.
  const row = new Int32Array(inFeatures);
  for (let j = 0; j < out; j++) {
    const b = weightBits[j];
    if (!rowPaddingIsZero(weights, rowOffsets[j], inFeatures, b)) {
      throw new ModelFormatError('E_PADDING', `${path}.weights row ${j}`, 'non-zero padding bits after the last code', 'a set bit', 'zero bits up to the byte boundary');
    }
    let bound = Math.abs(bias[j]);
    if (b !== 0) {
      unpackRow(weights, rowOffsets[j], inFeatures, b, row);
      for (let k = 0; k < inFeatures; k++) bound += Math.abs(row[k]) * inMax[k];
    }
    if (bound > ACC_MAX) {
      throw new ModelFormatError('E_ACC_OVERFLOW', `${path} neuron ${j}`, 'worst-case accumulator exceeds int32', String(bound), `|bias| + sum |w| * max|input| <= ${ACC_MAX}`, 'lower this neuron\'s weight bits, its bias, or its inputs\' activation bits');
    }
  }

  let act: ActivationQuantizer | null = null;
  const outMax = new Float64Array(out);
  if (isLast) {
    if (m.act !== null && m.act !== undefined) throw new ModelFormatError('E_TYPE', `${path}.act`, 'the last layer outputs accumulators and has no activation quantiser', describeValue(m.act), 'nil');
  } else {
    const a = expectMap(m.act, `${path}.act`);
    const bits = copyBytes(expectBin(a.bits, `${path}.act.bits`, out, '1 byte per neuron'));
    checkBits(bits, `${path}.act.bits`, ACT_BITS_MIN, ACT_BITS_MAX);
    const scale = readF32(expectBin(a.scale, `${path}.act.scale`, 4 * out, 'float32 per neuron'));
    checkFloats(scale, `${path}.act.scale`, true);
    const mult = readI32(expectBin(a.mult, `${path}.act.mult`, 4 * out, 'int32 per neuron'));
    const shift = copyBytes(expectBin(a.shift, `${path}.act.shift`, out, '1 byte per neuron'));
    for (let j = 0; j < out; j++) {
      if (mult[j] < 1 || mult[j] > REQUANT_MULT_MAX) throw new ModelFormatError('E_VALUE', `${path}.act.mult[${j}]`, 'requantisation multiplier out of range', String(mult[j]), `1..${REQUANT_MULT_MAX}`);
      if (shift[j] < REQUANT_SHIFT_MIN || shift[j] > REQUANT_SHIFT_MAX) throw new ModelFormatError('E_VALUE', `${path}.act.shift[${j}]`, 'requantisation shift out of range', String(shift[j]), `${REQUANT_SHIFT_MIN}..${REQUANT_SHIFT_MAX}`);
      outMax[j] = 2 ** bits[j] - 1;
    }
    act = { bits, scale, mult, shift };
  }
  return { layer: { inFeatures, outFeatures: out, weightBits, weights, rowOffsets, bias, weightScale, act }, outMax };
}

/**
 * Decodes and validates a whole model file.
 * @throws ModelFormatError naming the path, what was found and what was expected.
 */
export function readModel(bytes: Uint8Array): NmpModel {
  const { version, requires, body: bodyBytes } = readEnvelope(bytes);
  const body = expectMap(decodeMsgpack(bodyBytes, 'body'), 'body');

  const metaMap = expectMap(body.meta, 'body.meta');
  const task = metaMap.task;
  if (task !== 'classification' && task !== 'regression') throw new ModelFormatError('E_VALUE', 'body.meta.task', 'unknown task kind', describeValue(task), '"classification" or "regression"');

  const inputMap = expectMap(body.input, 'body.input');
  const bitsBin = inputMap.bits;
  if (!(bitsBin instanceof Uint8Array)) throw new ModelFormatError('E_TYPE', 'body.input.bits', 'wrong type', describeValue(bitsBin), 'bin');
  const features = bitsBin.length;
  if (features === 0 || features > MAX_FEATURES) throw new ModelFormatError('E_LIMIT', 'body.input.bits', 'feature count out of range', String(features), `1..${MAX_FEATURES}`);
  const input: InputQuantizer = {
    bits: copyBytes(bitsBin),
    center: readF64(expectBin(inputMap.center, 'body.input.center', 8 * features, 'float64 per feature')),
    gain: readF64(expectBin(inputMap.gain, 'body.input.gain', 8 * features, 'float64 per feature')),
  };
  checkBits(input.bits, 'body.input.bits', INPUT_BITS_MIN, INPUT_BITS_MAX);
  checkFloats(input.center, 'body.input.center', false);
  checkFloats(input.gain, 'body.input.gain', true);

  const layersRaw = body.layers;
  if (!Array.isArray(layersRaw)) throw new ModelFormatError('E_TYPE', 'body.layers', 'wrong type', describeValue(layersRaw), 'array of layer maps');
  if (layersRaw.length < 1 || layersRaw.length > MAX_LAYERS) throw new ModelFormatError('E_LIMIT', 'body.layers', 'layer count out of range', String(layersRaw.length), `1..${MAX_LAYERS}`);
  const layers: Layer[] = [];
  let fanIn = features;
  let inMax: Float64Array = Float64Array.from(input.bits, (b) => 2 ** (b - 1) - 1);
  layersRaw.forEach((l, i) => {
    const { layer, outMax } = readLayer(l, `body.layers[${i}]`, fanIn, i === layersRaw.length - 1, inMax);
    layers.push(layer);
    fanIn = layer.outFeatures;
    inMax = outMax;
  });
  const outputs = fanIn;

  const meta: ModelMeta = {
    task: task as TaskKind,
    featureNames: expectStringArray(metaMap.feature_names, 'body.meta.feature_names', features),
    outputNames: expectStringArray(metaMap.output_names, 'body.meta.output_names', outputs),
    provenance: readProvenance(metaMap.provenance, 'body.meta.provenance'),
  };
  if (metaMap.target_column !== undefined) meta.targetColumn = expectString(metaMap.target_column, 'body.meta.target_column');
  if (metaMap.categories !== undefined) meta.categories = readCategories(metaMap.categories, 'body.meta.categories', meta.featureNames);

  const outMap = expectMap(body.output, 'body.output');
  const output: OutputDequantizer = {
    scale: readF64(expectBin(outMap.scale, 'body.output.scale', 8 * outputs, 'float64 per output of the last layer')),
    offset: readF64(expectBin(outMap.offset, 'body.output.offset', 8 * outputs, 'float64 per output of the last layer')),
  };
  checkFloats(output.scale, 'body.output.scale', true);
  checkFloats(output.offset, 'body.output.offset', false);
  for (let j = 0; j < outputs; j++) {
    if (output.scale[j] * ACC_MAX + Math.abs(output.offset[j]) > FLOAT32_MAX) {
      throw new ModelFormatError('E_VALUE', `body.output.scale[${j}]`, 'outputs could overflow float32', `scale ${output.scale[j]}, offset ${output.offset[j]}`, `scale * (2^31-1) + |offset| <= ${FLOAT32_MAX}`);
    }
  }

  return { version, requires, meta, input, layers, output };
}
