/** @fileoverview Model format v1 (package export `./format`): spec constants, reader, writer, packing, integer reference. */
export * from './constants.js';
export * from './crc32.js';
export * from './errors.js';
export * from './pack.js';
export * from './quant.js';
export * from './read.js';
export * from './reference/index.js';
export type * from './schema.js';
export * from './write.js';
export * from './summary.js';
export * from './categories.js';
