/** @fileoverview The AssemblyScript loader's limits are generated from formats/constants.ts and must not go stale. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assemblyLimits } from '../../formats/limits-asc.js';
import { repoRoot } from '../support/paths.js';

test('limits-asc › assembly/common/limits.ts is what formats/constants.ts generates (npm run gen:limits)', () => {
  assert.equal(readFileSync(`${repoRoot}assembly/common/limits.ts`, 'utf8'), assemblyLimits());
});
