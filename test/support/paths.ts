/** @fileoverview Paths tests share. Compiled to dist/test/support/, so the repo root is three levels up. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const testdataDir = `${repoRoot}formats/testdata/`;
export const wasmDir = `${repoRoot}dist/wasm/`;
/** ../shared/datasets beside the clone; tests that use it skip cleanly when it is absent. */
export const sharedDatasets = `${repoRoot}../shared/datasets/`;
export const hasSharedDatasets = existsSync(sharedDatasets);
/**
 * The npm `deno` devDependency's binary itself: without deno's postinstall, node_modules/.bin/deno is a Node shim around
 * it that a SIGTERM kills outright (exit null), so a test could not see a clean stop.
 */
const denoExe = `${repoRoot}node_modules/deno/deno`;
export const denoBin = existsSync(denoExe) ? denoExe : `${repoRoot}node_modules/.bin/deno`;
