/**
 * @fileoverview The no-host path under real wasm3 through runtime/wasm3/host.c: every conformance vector, exact outputs and
 * labels; hostile files get the reader's error code (test/runtime/support/hostile.ts). wasm3 has no package: build the host
 * locally (runtime/wasm3/README.md) and set NMP_WASM3_HOST to it; skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { testdataDir, wasmDir } from '../support/paths.js';
import { conformanceVectors } from './support/exact.js';
import { readModel } from '../../formats/read.js';
import { hostileFiles, invalidVectorFiles, judgeHostile, type HostileVerdicts } from './support/hostile.js';

const host = process.env.NMP_WASM3_HOST;
const noHostWasm = `${wasmDir}nohost.wasm`;
const skip = !host ? 'NMP_WASM3_HOST not set (CI has no wasm3; see runtime/wasm3/README.md)' : !existsSync(host) ? `${host} does not exist` : false;

test('wasm3 › host.c runs every conformance vector exactly (outputs to the float32 bit, labels)', { skip }, (t) => {
  const dir = mkdtempSync(`${tmpdir()}/nmp-wasm3-`);
  for (const v of conformanceVectors(testdataDir)) {
    const csv = `${dir}/${v.name}.csv`;
    writeFileSync(csv, v.cases.map((c) => c.x.map((x) => x.toPrecision(17)).join(',')).join('\n') + '\n');
    const r = spawnSync(host!, [noHostWasm, `${testdataDir}${v.name}.nmp`, csv], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `${v.name}: host exited ${r.status}: ${r.stderr}`);
    const names = readModel(v.bytes).meta.outputNames;
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, v.cases.length);
    lines.forEach((line, n) => {
      const [label, ...ys] = line.split(' ');
      const c = v.cases[n];
      assert.equal(label, names[c.argmax], `${v.name} case ${n} label`);
      ys.forEach((y, j) => assert.ok(Object.is(Math.fround(Number(y)), Math.fround(c.y[j])), `${v.name} case ${n} output ${j}: expected ${c.y[j]}, got ${y}`));
    });
    t.diagnostic(`${v.name}: ${r.stderr.trim().split('\n').join('; ')}`);
  }
});

test('wasm3 › host.c rejects a corrupted file with the reader error code', { skip }, () => {
  const dir = mkdtempSync(`${tmpdir()}/nmp-wasm3-`);
  const bytes = conformanceVectors(testdataDir)[0].bytes.slice();
  bytes[bytes.length - 3] ^= 1;
  writeFileSync(`${dir}/bad.nmp`, bytes);
  const r = spawnSync(host!, [noHostWasm, `${dir}/bad.nmp`], { encoding: 'utf8', input: '' });
  assert.equal(r.status, 5);
  assert.match(r.stderr, /rejected: E_CHECKSUM at byte \d+/);
});

let hostileRun: HostileVerdicts | undefined;
function hostileOnce(): HostileVerdicts {
  const dir = mkdtempSync(`${tmpdir()}/nmp-wasm3-`);
  let n = 0;
  return (hostileRun ??= judgeHostile(hostileFiles(testdataDir, 8), 'wasm3', (bytes) => {
    writeFileSync(`${dir}/h${n}.nmp`, bytes);
    const r = spawnSync(host!, [noHostWasm, `${dir}/h${n++}.nmp`], { encoding: 'utf8', input: '', timeout: 60_000 });
    return { status: r.status, err: r.stderr };
  }));
}

test('wasm3 › hostile files (truncations, bit flips, huge lengths): the reader verdict and code, never a trap', { skip }, () => {
  const { errs } = hostileOnce();
  assert.deepEqual(errs.slice(0, 5), [], `${errs.length} hostile files disagree`);
});

test('wasm3 › hostile files: the error offset is the byte formats/read.ts names', { skip }, () => {
  const { offsets } = hostileOnce();
  assert.deepEqual(offsets.slice(0, 5), [], `${offsets.length} offsets differ from the TypeScript reader's`);
});

test('wasm3 › every invalid-file vector (SPEC §8.2, R18 included): the code and offset formats/read.ts gives', { skip }, () => {
  const dir = mkdtempSync(`${tmpdir()}/nmp-wasm3-`);
  let n = 0;
  const { errs, offsets } = judgeHostile(invalidVectorFiles(testdataDir), 'wasm3', (bytes) => {
    writeFileSync(`${dir}/v${n}.nmp`, bytes);
    const r = spawnSync(host!, [noHostWasm, `${dir}/v${n++}.nmp`], { encoding: 'utf8', input: '', timeout: 60_000 });
    return { status: r.status, err: r.stderr };
  });
  assert.deepEqual([...errs, ...offsets].slice(0, 5), [], `${errs.length + offsets.length} vectors disagree`);
});
