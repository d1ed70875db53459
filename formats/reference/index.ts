/** @fileoverview The integer reference: the executable half of SPEC.md. */
export * from './arith.js';
export * from './forward.js';
