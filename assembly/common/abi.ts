/**
 * @fileoverview The WebAssembly ABI in one place: the forward descriptor (header, layer and group records), the 8-byte
 * requantisation record, the kernel ids of a group, the two planners' kernel choice and the no-host error numbers.
 * runtime/abi.ts mirrors every constant for the JS host (test/runtime/abi.test.ts fails on any difference); the field
 * docs live here only. One `export const NAME = integer;` per line: the test parses both files.
 *
 * Descriptor: i32 words at `desc`, the header, then one layer record per layer, each pointing at its group records.
 * HDR_*, LAYER_* and GROUP_* fields are word indices inside their record; REC_* fields are byte offsets. Every field
 * named *_PTR holds a byte address in linear memory (0 = none) and no other field does: a host that moves an arena adds
 * the distance to exactly those (runtime/plan.ts rebasePlan). Each field means the same in every build; a field documented
 * for one build holds 0 in the other. Writers: runtime/plan.ts (JS host), standalone/planner.ts (no-host); reader: forward.ts.
 */

/** Version of this file and of the kernel layouts (kernels/README.md); the JS host refuses a module of another version. */
export const ABI_VERSION = 3;

// ---- Header: HDR_WORDS words at desc.
// Batches: every per-sample buffer holds HDR_BATCH samples, sample s at its pointer + s * its stride (bytes); sample 0 is
// the single-sample path's. forward_batch(desc, n) runs n <= HDR_BATCH samples; forward(desc) is n = 1.
/** Number of layer records after the header. */
export const HDR_LAYERS = 0;
/** int16 input codes (SPEC §6.1), natural order, written by the host before each forward; sample s at + s * HDR_IN_STRIDE. */
export const HDR_IN_PTR = 1;
/** Number of input codes. */
export const HDR_IN_COUNT = 2;
/**
 * Added to every input code to make it unsigned: scalar builds 2^(planes-1) (bit planes); SIMD builds 2^(b-1) when
 * layer 0 reads tables (b = widest input, at most 8), else 0. The planner folds -offset * rowsum(w) into the bias.
 */
export const HDR_IN_OFFSET = 3;
/**
 * Layer 0's input when it is not HDR_IN_PTR itself, filled from HDR_IN_PTR at the start of forward: scalar builds bit
 * planes; SIMD builds int16 codes + HDR_IN_OFFSET (0 when the offset is 0: layer 0 reads HDR_IN_PTR).
 */
export const HDR_X0_PTR = 4;
/** Planes at HDR_X0_PTR: the widest input bit-width (scalar builds; 0 in SIMD builds). */
export const HDR_X0_PLANES = 5;
/** int32 accumulators of the last layer, natural order: the output of forward; samples at the last layer's LAYER_Y_STRIDE. */
export const HDR_OUT_PTR = 6;
/** Samples every per-sample buffer holds (>= 1): the largest n of forward_batch. */
export const HDR_BATCH = 7;
/** Bytes between samples at HDR_IN_PTR. */
export const HDR_IN_STRIDE = 8;
/** Bytes between samples in the accumulator buffer (LAYER_ACC_PTR). */
export const HDR_ACC_STRIDE = 9;
/**
 * Scalar builds of the JS host: 2 * roundUp(max(F, widest layer), 64) bytes of scratch where n codes wait as bytes in
 * natural order (low bytes, then high bytes at + roundUp(n, 64)) before they become bit planes (kernels/requant.ts
 * planes_from_bytes); 0 in SIMD builds and in the no-host planner's descriptor (its forward sets bits code by code).
 */
export const HDR_BYTES_PTR = 10;
// Word 11 is reserved (0).
export const HDR_WORDS = 12;

// ---- Layer record l: LAYER_WORDS words at desc + 4 * (HDR_WORDS + l * LAYER_WORDS). Per-sample buffers: see the header.
/** Fan-in k. */
export const LAYER_K = 0;
/** Neurons n. */
export const LAYER_N = 1;
/** Input activations in the build's layout (kernels/README.md): SIMD int16 codes padded to 128, scalar bit planes. */
export const LAYER_X_PTR = 2;
/** Widest activation bit-width of the input (the number of planes at LAYER_X_PTR in scalar builds). */
export const LAYER_X_PLANES = 3;
/** int32 accumulators in grouped order, n + 16 entries (kernels store whole row blocks); one buffer shared by all layers. */
export const LAYER_ACC_PTR = 4;
/** Number of group records at LAYER_GROUPS_PTR. */
export const LAYER_GROUPS = 5;
/**
 * LAYER_GROUPS group records; they cover the layer's rows in grouped order, one kernel per group, KERNEL_LUT groups first
 * (forward runs them per sample before the others, which may overwrite the up to 15 rows a LUT block stores past its group).
 */
export const LAYER_GROUPS_PTR = 6;
/** n requantisation records (REC_BYTES each) in grouped order; on the last layer only REC_INDEX is set. */
export const LAYER_RECS_PTR = 7;
/**
 * 1: a hidden layer writes its int16 codes in grouped order and the next layer's weight columns are permuted to match
 * (SIMD builds: 4 codes leave in one store); 0: codes go to their natural index (REC_INDEX).
 */
export const LAYER_Y_GROUPED = 8;
/**
 * Subtracted from every output code written as int16 (SIMD LAYER_Y_PTR, scalar LAYER_Y_I16_PTR): 32768 when the layer
 * has 16-bit activations, so that codes fit int16 (the next layer folds 32768 * rowsum(w) into its bias), else 0.
 */
export const LAYER_Y_ZS = 9;
/** Bytes between samples at LAYER_X_PTR. */
export const LAYER_X_STRIDE = 10;
/** Output: the next layer's LAYER_X_PTR, or HDR_OUT_PTR on the last layer. */
export const LAYER_Y_PTR = 11;
/** Widest activation bit-width of the output, 0 on the last layer (the number of planes at LAYER_Y_PTR in scalar builds). */
export const LAYER_Y_PLANES = 12;
/** 1 on the last layer: its accumulators are written to LAYER_Y_PTR in natural order, not requantised. */
export const LAYER_IS_LAST = 13;
/**
 * int16 copy of the input that KERNEL_I8 groups read (scalar builds; layer 0 reads HDR_IN_PTR itself), or 0; samples
 * 2k bytes rounded up to 16 apart (HDR_IN_STRIDE is that too in scalar builds).
 */
export const LAYER_X_I16_PTR = 14;
/** int16 copy of the output to write, codes minus LAYER_Y_ZS (the next layer's LAYER_X_I16_PTR), or 0; samples 2n rounded to 16 apart. */
export const LAYER_Y_I16_PTR = 15;
/** Lookup tables of one sample's input for the KERNEL_LUT groups (SIMD builds; kernels/README.md), or 0. */
export const LAYER_T_PTR = 16;
/** Table kind at LAYER_T_PTR: 4 (inputs 0..15, lut_tables_a4) or 8 (0..255, lut_tables_a8); 0 without KERNEL_LUT groups. */
export const LAYER_T_KIND = 17;
/** Bytes between samples at LAYER_Y_PTR (the next layer's LAYER_X_STRIDE, or 4 * n on the last layer). */
export const LAYER_Y_STRIDE = 18;
// Word 19 is reserved (0).
export const LAYER_WORDS = 20;

// ---- Group record: GROUP_WORDS words, LAYER_GROUPS of them at LAYER_GROUPS_PTR.
/** Kernel id (KERNEL_*) of the group's rows. */
export const GROUP_KERNEL = 0;
/** Rows (neurons) in the group. */
export const GROUP_ROWS = 1;
/** Weights in the kernel's layout (kernels/README.md), or 0 for KERNEL_PRUNED. */
export const GROUP_W_PTR = 2;
/** int32 bias per row with the input offsets folded in; the SIMD kernels read roundUp(rows, 4) entries. */
export const GROUP_BIAS_PTR = 3;
export const GROUP_WORDS = 4;

// ---- Kernel ids (GROUP_KERNEL). A layout id equals its weight width, which the packers take as their `w`; a table id is
// KERNEL_LUT + its number of weight planes.
/** Pruned rows (file width 0): no weights, accumulator = bias. */
export const KERNEL_PRUNED = 0;
/** The build's 1-, 2-, 4- and 8-bit layouts (SIMD lane groups, scalar bit planes); widths 3 and 5..7 run in the next one. */
export const KERNEL_W1 = 1;
export const KERNEL_W2 = 2;
export const KERNEL_W4 = 4;
export const KERNEL_W8 = 8;
/** int8 rows times the int16 copy of the input (gemv_w8a16_r1__scalar), scalar builds only; the largest layout id. */
export const KERNEL_I8 = 9;
/**
 * Relaxed build (relaxed.wasm): int8 rows (the SIMD W = 8 layout) times unsigned inputs of at most 8 bits
 * (LAYER_X_PLANES), by relaxed dot products (gemv_w8a{7,8}_r4__relaxed_dot8). Above the no-host planner's counting range.
 */
export const KERNEL_DOT8 = 10;
/**
 * SIMD builds: KERNEL_LUT + W (W = 1..8) are rows of W bit planes run by the table kernels gemv_wNa{4,8}_r16__simd128_lut
 * on the layer's tables (LAYER_T_PTR, LAYER_T_KIND). Chosen by runtime/plan.ts from measured costs (runtime/pack.ts).
 */
export const KERNEL_LUT = 16;

// ---- Kernel choice of the scalar planners: a row of layout width W whose layer input has A planes runs bit-serial
// while W x A is at most the planner's threshold, as KERNEL_I8 above it (bit-serial costs W x A AND+POPCNT pairs per
// 64 MACs; int8 rows cost the same at any width).
/**
 * JS host (runtime/plan.ts; V8 has a native popcount). Measured 256x256 (V8 11.3): popcnt w8a8 2.8, w4a16 2.8,
 * w8a16 1.5 GMAC/s; int8 rows 2.5 GMAC/s for any width.
 */
export const KERNEL_I8_ABOVE_JS = 64;
/**
 * No-host planner under wasm3 (at most half an AND+POPCNT pair per MAC). 54-256-256-7 with 8-bit weights and
 * activations (x86-64 host, wasm3 c9b579d): 1.4-1.7 ms per sample all bit-serial, 0.92 ms with int8 rows, as the
 * notes' unpacked int8 prototype (0.85-0.95 ms).
 */
export const KERNEL_I8_ABOVE_NOHOST = 32;

// ---- Requantisation record: REC_BYTES per neuron at LAYER_RECS_PTR (kernels/requant.ts); byte offsets.
/** i32 multiplier (SPEC §6.4). */
export const REC_MULT = 0;
/** u16 natural index of the neuron: where its code goes unless LAYER_Y_GROUPED. */
export const REC_INDEX = 4;
/** u8 shift, 1..62. */
export const REC_SHIFT = 6;
/** u8 activation bit-width, 1..16. */
export const REC_BITS = 7;
/**
 * One record instead of four arrays halved requantisation time (1.08 -> 0.59 us per 256 neurons, V8 11.3). The SIMD
 * build reads REC_INDEX..REC_BITS as one i32 lane: index | shift << 16 | bits << 24.
 */
export const REC_BYTES = 8;

// ---- No-host API (standalone/index.ts, runtime/wasm3/README.md): nmp_load returns 0 or one of these. Names are the
// codes of formats/errors.ts (SPEC §7), plus E_MEMORY; numbers are never reused. runtime/wasm3/host.c keeps the names.
export const E_EMPTY = 1;
export const E_MSGPACK = 2;
export const E_FORMAT_NAME = 3;
export const E_FORMAT_VERSION = 4;
export const E_REQUIRES = 5;
export const E_CHECKSUM = 6;
export const E_TYPE = 7;
export const E_LIMIT = 8;
export const E_SHAPE = 9;
export const E_BITWIDTH = 10;
export const E_LENGTH = 11;
export const E_PADDING = 12;
export const E_VALUE = 13;
export const E_ACC_OVERFLOW = 14;
/** Linear memory could not grow to hold the arena (or nmp_load was given bytes outside memory). */
export const E_MEMORY = 15;
/** nmp_predict's result when no model is loaded. */
export const NMP_NO_MODEL = -65536;
