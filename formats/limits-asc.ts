/**
 * @fileoverview The one table of limits and codes for both languages: formats/constants.ts (TypeScript) is the source;
 * this renders it as assembly/common/limits.ts for the AssemblyScript loader. `npm run gen:limits` rewrites that file and
 * test/formats/limits-asc.test.ts fails when it is stale.
 */
import * as k from './constants.js';

const NAMES = [
  'FORMAT_VERSION', 'MAX_FEATURES', 'MAX_NEURONS', 'MAX_LAYERS', 'MAX_NAME_LENGTH', 'MAX_DATASET_LENGTH', 'MAX_METRICS',
  'MAX_CATEGORIES', 'MAX_FILE_BYTES', 'MAX_DEPTH', 'MAX_MAP_ENTRIES', 'WEIGHT_BITS_MIN', 'WEIGHT_BITS_MAX', 'ACT_BITS_MIN', 'ACT_BITS_MAX',
  'INPUT_BITS_MIN', 'INPUT_BITS_MAX', 'REQUANT_SHIFT_MIN', 'REQUANT_SHIFT_MAX', 'REQUANT_MULT_MAX', 'ACC_MAX',
] as const;

/** Source text of assembly/common/limits.ts. */
export function assemblyLimits(): string {
  const lines = NAMES.map((n) => `export const ${n}: i32 = ${k[n]};`);
  return [
    '// Auto-generated from formats/constants.ts by formats/limits-asc.ts (`npm run gen:limits`). Do not edit.',
    `export const FORMAT_NAME = '${k.FORMAT_NAME}';`,
    ...lines,
    `export const FLOAT32_MAX: f64 = ${k.FLOAT32_MAX};`,
    '',
  ].join('\n');
}
