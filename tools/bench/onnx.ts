/**
 * @fileoverview Minimal ONNX protobuf writer (and op-type reader) and the MLP graphs the peer runtimes run: fp32 Gemm,
 * static QDQ int8, dynamic int8. No protobuf dependency; field numbers are those of onnx/onnx.proto (IR 8).
 */

// ---- protobuf wire format -------------------------------------------------------------------------------------

/** Append-only protobuf encoder: varints, length-delimited fields and fixed32 floats are all ONNX needs. */
class ProtoWriter {
  private chunks: number[] = [];

  private varint(v: number | bigint): void {
    // int64 fields encode negatives as 10-byte two's complement; BigInt keeps that exact.
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.chunks.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.chunks.push(Number(x));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): this {
    this.tag(field, 0);
    this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.chunks.push(...b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(b.length);
    // push(...b) would overflow the call stack on large weight tensors
    for (let i = 0; i < b.length; i++) this.chunks.push(b[i]!);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  /** Packed repeated varints (proto3 default for repeated scalars). */
  packedInts(field: number, vs: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of vs) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

// ---- ONNX messages -----------------------------------------------------------------------------------------------

/** onnx.TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
export type DataTypeId = (typeof DataType)[keyof typeof DataType];

export type TensorData = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;

/** An initializer: raw little-endian bytes of a typed array (this host is little-endian, as all ORT targets are). */
export interface OnnxTensor {
  name: string;
  dataType: DataTypeId;
  dims: number[];
  data: TensorData;
}

/** Attribute value: tagged so an integer-valued float still encodes as FLOAT. */
export type OnnxAttr = { i: number } | { f: number } | { ints: number[] } | { s: string };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, OnnxAttr>;
}

/** A graph input or output; a string dim is symbolic (e.g. the batch size). */
export interface OnnxValueInfo {
  name: string;
  dataType: DataTypeId;
  dims: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

function tensorProto(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter().packedInts(1, t.dims).int(2, t.dataType).string(8, t.name);
  return w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function attributeProto(name: string, a: OnnxAttr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  // AttributeProto.type (field 20): FLOAT=1, INT=2, STRING=3, INTS=7
  if ('f' in a) return w.float(2, a.f).int(20, 1);
  if ('i' in a) return w.int(3, a.i).int(20, 2);
  if ('s' in a) return w.string(4, a.s).int(20, 3);
  return w.packedInts(8, a.ints).int(20, 7);
}

function nodeProto(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name !== undefined) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, v] of Object.entries(n.attrs ?? {})) w.message(5, attributeProto(k, v));
  if (n.domain !== undefined) w.string(7, n.domain);
  return w;
}

function valueInfoProto(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    // TensorShapeProto.Dimension: dim_value=1, dim_param=2
    shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  }
  const tensorType = new ProtoWriter().int(1, v.dataType).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

/** Serialises a ModelProto (IR version 8, default-domain opset `opset`) holding `graph`. */
export function encodeOnnxModel(graph: OnnxGraph, opset = 17): Uint8Array {
  const g = new ProtoWriter();
  for (const n of graph.nodes) g.message(1, nodeProto(n));
  g.string(2, graph.name);
  for (const t of graph.initializers) g.message(5, tensorProto(t));
  for (const i of graph.inputs) g.message(11, valueInfoProto(i));
  for (const o of graph.outputs) g.message(12, valueInfoProto(o));
  const m = new ProtoWriter().int(1, 8).string(2, 'nmp-edge-bench').string(3, '0.1.0');
  m.message(7, g);
  m.message(8, new ProtoWriter().string(1, '').int(2, opset));
  return m.finish();
}

// ---- MLP graphs ---------------------------------------------------------------------------------------------------

/** A float MLP: Dense + ReLU on every layer but the last; W[l] is row-major [out][in] (row j = neuron j). */
export interface FloatMlp {
  sizes: number[];
  weights: Float32Array[];
  biases: Float32Array[];
}

/** Symbolic batch dimension name of every graph built here. */
const BATCH = 'N';

function ioInfo(mlp: FloatMlp): Pick<OnnxGraph, 'inputs' | 'outputs'> {
  const sizes = mlp.sizes;
  return {
    inputs: [{ name: 'x', dataType: DataType.FLOAT, dims: [BATCH, sizes[0]!] }],
    outputs: [{ name: 'y', dataType: DataType.FLOAT, dims: [BATCH, sizes[sizes.length - 1]!] }],
  };
}

/** fp32 graph: Gemm(transB=1) + Relu per layer; ORT fuses each pair into FusedGemm. */
export function fp32MlpGraph(mlp: FloatMlp): OnnxGraph {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const L = mlp.weights.length;
  let h = 'x';
  for (let l = 0; l < L; l++) {
    const [nIn, nOut] = [mlp.sizes[l]!, mlp.sizes[l + 1]!];
    initializers.push({ name: `W${l}`, dataType: DataType.FLOAT, dims: [nOut, nIn], data: mlp.weights[l]! });
    initializers.push({ name: `b${l}`, dataType: DataType.FLOAT, dims: [nOut], data: mlp.biases[l]! });
    const last = l === L - 1;
    const z = last ? 'y' : `z${l}`;
    nodes.push({ opType: 'Gemm', inputs: [h, `W${l}`, `b${l}`], outputs: [z], attrs: { transB: { i: 1 } } });
    if (!last) {
      nodes.push({ opType: 'Relu', inputs: [z], outputs: [`h${l}`] });
      h = `h${l}`;
    }
  }
  return { name: 'mlp_fp32', nodes, initializers, ...ioInfo(mlp) };
}

/**
 * Per-tensor symmetric int8 weights of one layer at 7 bits (+-63, onnxruntime's `reduce_range`), and the scale that
 * dequantises them. Full-range s8 weights are wrong on CPUs without VNNI: ORT's u8 x s8 kernels there sum pairs of
 * products in int16 (`vpmaddubsw`), which saturates at 2 x 255 x 127; on an AVX2-only host the QDQ peer of
 * 54-256-256-7 missed the float reference by 0.62 (17 % of the largest output). 2 x 255 x 63 fits in int16 everywhere.
 */
const WEIGHT_QMAX = 63;
function quantizeWeightsS8(w: Float32Array): { q: Int8Array; scale: number } {
  let m = 0;
  for (const v of w) m = Math.max(m, Math.abs(v));
  const scale = m > 0 ? m / WEIGHT_QMAX : 1;
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-WEIGHT_QMAX, Math.min(WEIGHT_QMAX, Math.round(w[i]! / scale)));
  return { q, scale };
}

/**
 * Affine u8 parameters covering [lo, hi] (widened to contain 0, as ONNX requires zero to be exact);
 * `lo`/`hi` come from a calibration pass of the float reference.
 */
export function u8Params(lo: number, hi: number): { scale: number; zeroPoint: number } {
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale, zeroPoint: Math.max(0, Math.min(255, Math.round(-lo / scale))) };
}

function scalarF32(name: string, v: number): OnnxTensor {
  return { name, dataType: DataType.FLOAT, dims: [], data: Float32Array.of(v) };
}

function scalarU8(name: string, v: number): OnnxTensor {
  return { name, dataType: DataType.UINT8, dims: [], data: Uint8Array.of(v) };
}

/**
 * Static QDQ int8 graph (u8 activations, s8 per-tensor weights, int32 bias): ORT's QDQ transformer fuses
 * DQ -> Gemm -> Q into QGemm on hidden layers. `ranges[l]` is the calibrated [min, max] of layer l's input.
 * The last Gemm takes a quantised input but returns float, like a real QDQ export.
 */
export function qdqMlpGraph(mlp: FloatMlp, ranges: [number, number][]): OnnxGraph {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const L = mlp.weights.length;
  const act = ranges.map(([lo, hi]) => u8Params(lo, hi));
  initializers.push(scalarF32('xs0', act[0]!.scale), scalarU8('xz0', act[0]!.zeroPoint));
  nodes.push({ opType: 'QuantizeLinear', inputs: ['x', 'xs0', 'xz0'], outputs: ['xq0'] });
  for (let l = 0; l < L; l++) {
    const [nIn, nOut] = [mlp.sizes[l]!, mlp.sizes[l + 1]!];
    const { q, scale: ws } = quantizeWeightsS8(mlp.weights[l]!);
    const sIn = act[l]!.scale;
    const biasScale = sIn * ws;
    const bq = Int32Array.from(mlp.biases[l]!, (b) => Math.round(b / biasScale));
    initializers.push(
      { name: `Wq${l}`, dataType: DataType.INT8, dims: [nOut, nIn], data: q },
      scalarF32(`ws${l}`, ws),
      { name: `wz${l}`, dataType: DataType.INT8, dims: [], data: Int8Array.of(0) },
      { name: `bq${l}`, dataType: DataType.INT32, dims: [nOut], data: bq },
      scalarF32(`bs${l}`, biasScale),
      { name: `bz${l}`, dataType: DataType.INT32, dims: [], data: Int32Array.of(0) },
    );
    nodes.push(
      { opType: 'DequantizeLinear', inputs: [`xq${l}`, `xs${l}`, `xz${l}`], outputs: [`xd${l}`] },
      { opType: 'DequantizeLinear', inputs: [`Wq${l}`, `ws${l}`, `wz${l}`], outputs: [`Wd${l}`] },
      { opType: 'DequantizeLinear', inputs: [`bq${l}`, `bs${l}`, `bz${l}`], outputs: [`bd${l}`] },
    );
    const last = l === L - 1;
    const z = last ? 'y' : `z${l}`;
    nodes.push({ opType: 'Gemm', inputs: [`xd${l}`, `Wd${l}`, `bd${l}`], outputs: [z], attrs: { transB: { i: 1 } } });
    if (!last) {
      // ReLU is folded into the u8 clamp when the zero point is 0 (calibrated post-ReLU ranges start at 0).
      nodes.push({ opType: 'Relu', inputs: [z], outputs: [`h${l}`] });
      initializers.push(scalarF32(`xs${l + 1}`, act[l + 1]!.scale), scalarU8(`xz${l + 1}`, act[l + 1]!.zeroPoint));
      nodes.push({ opType: 'QuantizeLinear', inputs: [`h${l}`, `xs${l + 1}`, `xz${l + 1}`], outputs: [`xq${l + 1}`] });
    }
  }
  return { name: 'mlp_qdq_int8', nodes, initializers, ...ioInfo(mlp) };
}

/**
 * Dynamic-quantisation int8 graph as onnxruntime's quantize_dynamic writes it:
 * DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul(scales) -> Add(bias) [-> Relu],
 * which ORT fuses into DynamicQuantizeMatMul. Weights are s8 per tensor, stored [in][out] for MatMul.
 */
export function dynamicInt8MlpGraph(mlp: FloatMlp): OnnxGraph {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const L = mlp.weights.length;
  let h = 'x';
  for (let l = 0; l < L; l++) {
    const [nIn, nOut] = [mlp.sizes[l]!, mlp.sizes[l + 1]!];
    const { q, scale: ws } = quantizeWeightsS8(mlp.weights[l]!);
    const qT = new Int8Array(nIn * nOut);
    for (let j = 0; j < nOut; j++) for (let k = 0; k < nIn; k++) qT[k * nOut + j] = q[j * nIn + k]!;
    initializers.push(
      { name: `WqT${l}`, dataType: DataType.INT8, dims: [nIn, nOut], data: qT },
      { name: `wz${l}`, dataType: DataType.INT8, dims: [], data: Int8Array.of(0) },
      scalarF32(`ws${l}`, ws),
      { name: `b${l}`, dataType: DataType.FLOAT, dims: [nOut], data: mlp.biases[l]! },
    );
    const last = l === L - 1;
    const out = last ? 'y' : `z${l}`;
    nodes.push(
      { opType: 'DynamicQuantizeLinear', inputs: [h], outputs: [`hq${l}`, `hs${l}`, `hz${l}`] },
      { opType: 'MatMulInteger', inputs: [`hq${l}`, `WqT${l}`, `hz${l}`, `wz${l}`], outputs: [`mi${l}`] },
      { opType: 'Cast', inputs: [`mi${l}`], outputs: [`mf${l}`], attrs: { to: { i: DataType.FLOAT } } },
      { opType: 'Mul', inputs: [`hs${l}`, `ws${l}`], outputs: [`sc${l}`] },
      { opType: 'Mul', inputs: [`mf${l}`, `sc${l}`], outputs: [`mm${l}`] },
      { opType: 'Add', inputs: [`mm${l}`, `b${l}`], outputs: [out] },
    );
    if (!last) {
      nodes.push({ opType: 'Relu', inputs: [out], outputs: [`h${l}`] });
      h = `h${l}`;
    }
  }
  return { name: 'mlp_dynamic_int8', nodes, initializers, ...ioInfo(mlp) };
}

/** Float reference forward (f64 accumulation of the f32 parameters) of `rows` samples, row-major. */
export function forwardFloat(mlp: FloatMlp, x: Float32Array, rows: number): { y: Float64Array; ranges: [number, number][] } {
  const L = mlp.weights.length;
  let h: Float64Array = Float64Array.from(x);
  const ranges: [number, number][] = [];
  for (let l = 0; l < L; l++) {
    const [nIn, nOut] = [mlp.sizes[l]!, mlp.sizes[l + 1]!];
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of h) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    ranges.push([lo, hi]);
    const W = mlp.weights[l]!;
    const b = mlp.biases[l]!;
    const next = new Float64Array(rows * nOut);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < nOut; j++) {
        let acc = b[j]!;
        for (let k = 0; k < nIn; k++) acc += W[j * nIn + k]! * h[r * nIn + k]!;
        next[r * nOut + j] = l < L - 1 ? Math.max(0, acc) : acc;
      }
    }
    h = next;
  }
  return { y: h, ranges };
}

// ---- reading back ------------------------------------------------------------------------------------------------

/** Length-delimited fields `field` of a protobuf message (other fields skipped by wire type). */
function lenFields(b: Uint8Array, field: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (p >= b.length) throw new Error(`protobuf: varint runs past ${b.length} bytes`);
      const c = b[p++]!;
      v += (c & 0x7f) * mul;
      mul *= 128;
      if (c < 0x80) return v;
    }
  };
  while (p < b.length) {
    const tag = varint();
    const wire = tag % 8;
    if (wire === 0) varint();
    else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) {
      const n = varint();
      if (Math.floor(tag / 8) === field) out.push(b.subarray(p, p + n));
      p += n;
    } else throw new Error(`protobuf: wire type ${wire} at byte ${p}, expected 0, 1, 2 or 5`);
  }
  return out;
}

/**
 * Op types of the main graph of a serialised ModelProto, e.g. of the optimised model onnxruntime-node dumps
 * (`optimizedModelFilePath`): shows which kernels really ran (QGemm vs Gemm), not which we asked for.
 */
export function graphOpTypes(model: Uint8Array): string[] {
  const graph = lenFields(model, 7)[0];
  if (!graph) return [];
  const dec = new TextDecoder();
  return lenFields(graph, 1).map((node) => dec.decode(lenFields(node, 4)[0] ?? new Uint8Array()));
}
