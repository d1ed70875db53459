/**
 * @fileoverview The no-host module under a second engine outside V8: nohost.wasm translated by wasm2c (Debian `wabt`),
 * compiled with gcc and the shared C host (runtime/wasm2c/host.c + runtime/c/). Conformance vectors, generated and trained
 * models bit for bit against formats' reference; every invalid-file vector (formats/testdata/invalid/) and every hostile
 * file gets the TypeScript reader's error code and byte offset, never a trap or crash. Skipped (with the reason) only when wasm2c or gcc is absent; CI installs both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModel } from '../../formats/read.js';
import { argmax, dequantizeOutput, forwardCodes, quantizeInput } from '../../formats/reference/forward.js';
import { buildHostedWasm2c, wasm2cMissing } from '../../tools/bench/wasm2c.js';
import { readCsv, splitDataset } from '../../tools/train/data.js';
import { train } from '../../tools/train/index.js';
import { repoRoot, testdataDir } from '../support/paths.js';
import { conformanceVectors, randomCases } from './support/exact.js';
import { hostileFiles, invalidVectorFiles, judgeHostile, type HostileVerdicts } from './support/hostile.js';

const SEED = process.env.SEED ? Number(process.env.SEED) : 1;
const skip = wasm2cMissing() ?? false;
const dir = mkdtempSync(join(tmpdir(), 'nmp-wasm2c-'));
const host = skip ? '' : buildHostedWasm2c(dir);

interface Run { status: number | null; out: string; err: string }
let files = 0;
function runHost(bytes: Uint8Array, csv: string, args: string[] = []): Run {
  const n = files++;
  writeFileSync(join(dir, `m${n}.nmp`), bytes);
  writeFileSync(join(dir, `x${n}.csv`), csv);
  const r = spawnSync(host, [join(dir, `m${n}.nmp`), join(dir, `x${n}.csv`), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const csvOf = (rows: ArrayLike<number>[]) => rows.map((x) => Array.from(x, (v) => v.toPrecision(17)).join(',')).join('\n') + '\n';

/** First disagreement between the host's lines and the reference outputs (float32 bits) and labels, or null. */
function compare(what: string, bytes: Uint8Array, rows: ArrayLike<number>[], r: Run): string | null {
  if (r.status !== 0) return `${what}: host exited ${r.status}: ${r.err.trim()}`;
  const m = readModel(bytes);
  const lines = r.out.trim().split('\n');
  if (lines.length !== rows.length) return `${what}: ${lines.length} output lines, expected ${rows.length}`;
  for (const [n, x] of rows.entries()) {
    const y = dequantizeOutput(m, forwardCodes(m, quantizeInput(m, Array.from(x))).acc);
    const [label, ...ys] = lines[n]!.split(' ');
    if (label !== m.meta.outputNames[argmax(y)]) return `${what} sample ${n}: label ${label}, expected ${m.meta.outputNames[argmax(y)]}`;
    for (let j = 0; j < y.length; j++) {
      if (!Object.is(Math.fround(Number(ys[j])), y[j])) return `${what} sample ${n} output ${j}: expected ${y[j]}, got ${ys[j]}`;
    }
  }
  return null;
}

test('wasm2c › every conformance vector: outputs to the float32 bit and labels', { skip }, () => {
  for (const v of conformanceVectors(testdataDir)) {
    const rows = v.cases.map((c) => c.x);
    const r = runHost(v.bytes, csvOf(rows));
    assert.equal(compare(v.name, v.bytes, rows, r), null);
    const names = readModel(v.bytes).meta.outputNames;
    r.out.trim().split('\n').forEach((line, n) => assert.equal(line.split(' ')[0], names[v.cases[n]!.argmax], `${v.name} case ${n}: label`));
  }
});

test('wasm2c › generated models of every shape and width equal the reference', { skip }, () => {
  const errs = randomCases([SEED + 50]).map((rc) => compare(rc.label, rc.bytes, rc.inputs, runHost(rc.bytes, csvOf(rc.inputs)))).filter((e) => e);
  assert.deepEqual(errs, []);
});

test('wasm2c › trained models (nmp, uniform 1-bit) on Letter rows read with a header and the target column', { skip }, async () => {
  const letter = await readCsv(join(repoRoot, 'tools/data/letter.csv.gz'), { target: 'lettr', maxRows: 1500 });
  const split = splitDataset(letter, { seed: 3, valFraction: 0.15, testFraction: 0.15 });
  const rows: number[][] = [];
  for (let s = 0; s < 40; s++) rows.push(Array.from(split.test.x.subarray(s * letter.features, (s + 1) * letter.features)));
  // The host's CSV as a user has it: header first, target in column 0.
  const csv = `lettr,${letter.featureNames.join(',')}\n` + rows.map((x) => `Z,${x.join(',')}`).join('\n') + '\n';
  for (const method of ['nmp', 'uniform'] as const) {
    const res = await train(split, { method, uniformBits: 1, hidden: [32], floatEpochs: 1, epochs: 1, batchSize: 64, seed: 7, createdAt: '2026-01-01T00:00:00.000Z' });
    assert.equal(compare(`trained ${method}`, res.bytes, rows, runHost(res.bytes, csv, ['--target', 'lettr'])), null);
  }
  const noTarget = runHost(conformanceVectors(testdataDir)[0]!.bytes, 'a,b\n1,2,3\n');
  assert.equal(noTarget.status, 6);
  assert.match(noTarget.err, /line 2: wrong number of fields, expected \d+ numbers \(a target column\? name it with --target\)/);
});

let hostileRun: HostileVerdicts | undefined;
const hostileOnce = () => (hostileRun ??= judgeHostile(hostileFiles(testdataDir, SEED + 7), 'wasm2c', (b) => runHost(b, '')));

test('wasm2c › hostile files (truncations, bit flips, huge lengths): the reader verdict and code, never a trap', { skip }, () => {
  const { errs, codes } = hostileOnce();
  assert.deepEqual(errs.slice(0, 5), [], `${errs.length} hostile files disagree`);
  assert.ok(codes.size >= 4, `the hostile set should reach several codes, got ${[...codes.keys()].join(', ')}`);
});

test('wasm2c › hostile files: the error offset is the byte formats/read.ts names', { skip }, () => {
  const { offsets } = hostileOnce();
  assert.deepEqual(offsets.slice(0, 5), [], `${offsets.length} offsets differ from the TypeScript reader's`);
});

test('wasm2c › every invalid-file vector (SPEC §8.2, R18 included): the code and offset formats/read.ts gives', { skip }, () => {
  const files = invalidVectorFiles(testdataDir);
  const { errs, offsets, codes } = judgeHostile(files, 'wasm2c', (b) => runHost(b, ''));
  assert.deepEqual([...errs, ...offsets].slice(0, 5), [], `${errs.length + offsets.length} of ${files.length} vectors disagree`);
  assert.ok(files.some((f) => f.what.includes('category')) && codes.size >= 10, 'the vectors include R18 and reach most codes');
});
