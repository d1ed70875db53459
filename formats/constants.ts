/** @fileoverview Key constants of model format v1 (SPEC.md §3-§4): names, version, limits, bit-width sets. */

/** Value of the envelope key `format`. */
export const FORMAT_NAME = 'nmp-edge';
/** Highest format version this code reads and the version it writes. */
export const FORMAT_VERSION = 1;
/** `requires` entries this reader implements. v1 defines none; unknown entries make a reader refuse the file. */
export const KNOWN_REQUIREMENTS: readonly string[] = [];

/** Limits (SPEC §3.4): a reader rejects larger values before allocating anything sized by them. */
export const MAX_FEATURES = 4096;
export const MAX_NEURONS = 4096;
export const MAX_LAYERS = 64;
/** Bytes of one str in `meta`, `provenance` (except `dataset`), `requires` and of a metric key: raw bytes, not characters. */
export const MAX_NAME_LENGTH = 256;
/** Bytes of `provenance.dataset`. */
export const MAX_DATASET_LENGTH = 4096;
export const MAX_METRICS = 256;
/** Categories of one `meta.categories` column (SPEC §3.7); one-hot inputs count against MAX_FEATURES as well. */
export const MAX_CATEGORIES = 1024;
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
/**
 * msgpack structure (SPEC §2.1), anywhere in the envelope or body, unknown keys included: maps and arrays nest at most
 * this deep (a v1 file uses 4), and a map holds at most this many entries (so repeated keys are found in linear time).
 */
export const MAX_DEPTH = 16;
export const MAX_MAP_ENTRIES = 1024;

/** Weight bit-widths a neuron may have; 0 = pruned. */
export const WEIGHT_BITS_MIN = 0;
export const WEIGHT_BITS_MAX = 8;
/** Unsigned hidden activation widths. */
export const ACT_BITS_MIN = 1;
export const ACT_BITS_MAX = 16;
/** Signed input code widths. */
export const INPUT_BITS_MIN = 2;
export const INPUT_BITS_MAX = 16;
/** Requantisation parameter ranges (SPEC §6.4). */
export const REQUANT_SHIFT_MIN = 1;
export const REQUANT_SHIFT_MAX = 62;
export const REQUANT_MULT_MAX = 0x7fffffff;
/** Largest finite binary32; outputs must stay below it (SPEC §3.6). */
export const FLOAT32_MAX = 3.4028234663852886e38;
/** Largest accumulator magnitude a neuron may reach (SPEC §6.3). */
export const ACC_MAX = 0x7fffffff;
