/**
 * @fileoverview Typed errors of the model format. Codes are stable and listed in SPEC.md §7; never reuse one.
 * Message shape: `<path>: <what> - got <found>, expected <expected>`.
 */

export type ModelFormatErrorCode =
  | 'E_EMPTY' // zero-byte input
  | 'E_MSGPACK' // not msgpack of SPEC §2.1: truncated, trailing bytes, 0xc1, an extension type, invalid UTF-8, a non-str or repeated map key
  | 'E_FORMAT_NAME' // envelope `format` is not "nmp-edge"
  | 'E_FORMAT_VERSION' // envelope `version` newer than this reader (or not a positive integer)
  | 'E_REQUIRES' // an entry of `requires` this reader does not implement
  | 'E_CHECKSUM' // CRC-32 of the body does not match
  | 'E_TYPE' // a field has the wrong msgpack type, or a required field is missing
  | 'E_LIMIT' // a count, size or nesting depth beyond the limits of SPEC §3.4
  | 'E_SHAPE' // sizes that disagree with each other
  | 'E_BITWIDTH' // a bit-width outside its allowed set
  | 'E_LENGTH' // a bin whose byte length is not what the shapes imply
  | 'E_PADDING' // non-zero padding bits at the end of a packed row
  | 'E_VALUE' // a number outside its allowed range (NaN or non-positive scale, bad shift, ...)
  | 'E_ACC_OVERFLOW'; // a neuron whose worst-case accumulator does not fit int32

export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
  constructor(
    readonly code: ModelFormatErrorCode,
    /** Byte offset in the file that SPEC §7 assigns to this error (every conforming reader reports the same one). */
    readonly offset: number,
    /** Where in the file, e.g. `body.layers[2].w_bits[17]`. */
    readonly path: string,
    /** What is wrong, in a few words. */
    readonly what: string,
    /** What was found (rendered for the message). */
    readonly found: string,
    /** What was expected. */
    readonly expected: string,
    hint?: string,
  ) {
    super(`${path} (byte ${offset}): ${what} - got ${found}, expected ${expected}${hint ? `; ${hint}` : ''} [${code}]`);
  }
}

/** Short rendering of an arbitrary decoded msgpack value for error messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'nil';
  if (v instanceof Uint8Array) return `bin of ${v.length} bytes`;
  if (Array.isArray(v)) return `array of ${v.length}`;
  if (typeof v === 'string') return v.length > 40 ? `string "${v.slice(0, 37)}..."` : `string "${v}"`;
  if (typeof v === 'number') return Number.isInteger(v) ? `integer ${v}` : `float ${v}`;
  if (typeof v === 'bigint') return `integer ${v}`;
  if (typeof v === 'boolean') return `boolean ${v}`;
  if (typeof v === 'object') return v.constructor === Object ? 'map' : (v.constructor?.name ?? 'object');
  return typeof v;
}
