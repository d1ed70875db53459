/**
 * @fileoverview Writes the conformance vectors into formats/testdata/ (`node dist/formats/testdata/generate.js`).
 * Run it only when SPEC.md changes on purpose; test/formats/conformance.test.ts fails when the files drift.
 */

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { conformanceVectors, expectationsJson } from './vectors.js';

// dist/formats/testdata/ -> formats/testdata/ in the source tree.
const outDir = fileURLToPath(new URL('../../../formats/testdata/', import.meta.url));
for (const v of conformanceVectors()) {
  writeFileSync(`${outDir}${v.name}.nmp`, v.model);
  writeFileSync(`${outDir}${v.name}.expected.json`, expectationsJson(v));
  console.log(`${v.name}: ${v.model.length} bytes, ${v.cases.length} cases`);
}
