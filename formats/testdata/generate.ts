/**
 * @fileoverview Writes the conformance vectors into formats/testdata/ and the invalid-file vectors into
 * formats/testdata/invalid/ (`node dist/formats/testdata/generate.js`).
 * Run it only when SPEC.md changes on purpose; test/formats/conformance.test.ts fails when the files drift.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { invalidIndexJson, invalidVectors } from './invalid.js';
import { conformanceVectors, expectationsJson } from './vectors.js';

// dist/formats/testdata/ -> formats/testdata/ in the source tree.
const outDir = fileURLToPath(new URL('../../../formats/testdata/', import.meta.url));
for (const v of conformanceVectors()) {
  writeFileSync(`${outDir}${v.name}.nmp`, v.model);
  writeFileSync(`${outDir}${v.name}.expected.json`, expectationsJson(v));
  console.log(`${v.name}: ${v.model.length} bytes, ${v.cases.length} cases`);
}

// Invalid files (SPEC §7): one per rule and limit, with the code and byte offset every reader must report.
const invalid = invalidVectors();
mkdirSync(`${outDir}invalid/`, { recursive: true });
for (const v of invalid) if (v.bytes) writeFileSync(`${outDir}invalid/${v.name}.nmp`, v.bytes);
writeFileSync(`${outDir}invalid/index.json`, invalidIndexJson(invalid));
console.log(`invalid/: ${invalid.length} vectors`);
