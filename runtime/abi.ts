/**
 * @fileoverview The WebAssembly ABI for the JS host: a mirror of assembly/common/abi.ts, where every field is documented.
 * Pure constants, no instance. test/runtime/abi.test.ts fails on any difference in names or values between the two files;
 * edit both together. Fields named *_PTR are byte addresses (runtime/plan.ts rebasePlan moves exactly those).
 */

export const ABI_VERSION = 3;

// ---- Header: word indices, HDR_WORDS words at the descriptor. Per-sample buffers hold HDR_BATCH samples at their strides.
export const HDR_LAYERS = 0;
export const HDR_IN_PTR = 1;
export const HDR_IN_COUNT = 2;
export const HDR_IN_OFFSET = 3;
export const HDR_X0_PTR = 4;
export const HDR_X0_PLANES = 5;
export const HDR_OUT_PTR = 6;
export const HDR_BATCH = 7;
export const HDR_IN_STRIDE = 8;
export const HDR_ACC_STRIDE = 9;
export const HDR_BYTES_PTR = 10;
export const HDR_WORDS = 12;

// ---- Layer record: word indices, LAYER_WORDS words per layer after the header.
export const LAYER_K = 0;
export const LAYER_N = 1;
export const LAYER_X_PTR = 2;
export const LAYER_X_PLANES = 3;
export const LAYER_ACC_PTR = 4;
export const LAYER_GROUPS = 5;
export const LAYER_GROUPS_PTR = 6;
export const LAYER_RECS_PTR = 7;
export const LAYER_Y_GROUPED = 8;
export const LAYER_Y_ZS = 9;
export const LAYER_X_STRIDE = 10;
export const LAYER_Y_PTR = 11;
export const LAYER_Y_PLANES = 12;
export const LAYER_IS_LAST = 13;
export const LAYER_X_I16_PTR = 14;
export const LAYER_Y_I16_PTR = 15;
export const LAYER_T_PTR = 16;
export const LAYER_T_KIND = 17;
export const LAYER_Y_STRIDE = 18;
export const LAYER_WORDS = 20;

// ---- Group record: word indices, GROUP_WORDS words per group.
export const GROUP_KERNEL = 0;
export const GROUP_ROWS = 1;
export const GROUP_W_PTR = 2;
export const GROUP_BIAS_PTR = 3;
export const GROUP_WORDS = 4;

// ---- Kernel ids (GROUP_KERNEL); a layout id equals its weight width, a table id is KERNEL_LUT + its weight planes.
export const KERNEL_PRUNED = 0;
export const KERNEL_W1 = 1;
export const KERNEL_W2 = 2;
export const KERNEL_W4 = 4;
export const KERNEL_W8 = 8;
export const KERNEL_I8 = 9;
export const KERNEL_DOT8 = 10;
export const KERNEL_LUT = 16;

// ---- Kernel choice of the scalar planners: KERNEL_I8 when layout width x input planes exceeds the threshold.
export const KERNEL_I8_ABOVE_JS = 64;
export const KERNEL_I8_ABOVE_NOHOST = 32;

// ---- Requantisation record: byte offsets, REC_BYTES per neuron.
export const REC_MULT = 0;
export const REC_INDEX = 4;
export const REC_SHIFT = 6;
export const REC_BITS = 7;
export const REC_BYTES = 8;

// ---- No-host API: nmp_load's error numbers (names of formats/errors.ts, plus E_MEMORY), nmp_predict without a model.
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
export const E_MEMORY = 15;
export const NMP_NO_MODEL = -65536;
