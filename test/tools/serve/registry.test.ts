import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ModelRegistry, checkModelName, contentHash, validateAndLoad } from '../../../tools/serve/registry.js';
import { ServeError } from '../../../tools/serve/errors.js';
import { testModel } from './support.js';

const A = testModel(31), B = testModel(32), C = testModel(33);
const opts = { batchWindowMs: 0, maxBatchRows: 64 };

test('serve › registry › model names: plain names only', () => {
  for (const ok of ['letter', 'm-1.v2', 'A_b', '9x']) assert.equal(checkModelName(ok), ok);
  for (const bad of ['', '..', 'a/b', '../x', 'a\\b', '.hidden', 'x..y', 'a b', 'x'.repeat(65), 'é']) {
    assert.throws(() => checkModelName(bad), (e: unknown) => e instanceof ServeError && e.code === 'E_MODEL_NAME', bad);
  }
});

test('serve › registry › content hash is SHA-256 of the file', async () => {
  assert.equal(await contentHash(A.bytes), `sha256:${createHash('sha256').update(A.bytes).digest('hex')}`);
});

test('serve › registry › a corrupted file is refused with the field the reader names, before anything is loaded', async () => {
  const bad = A.bytes.slice(0, A.bytes.length - 10);
  await assert.rejects(validateAndLoad(bad), (e: unknown) => e instanceof ServeError && e.code === 'E_MODEL_INVALID' && typeof e.field === 'string' && /not a valid nmp-edge model/.test(e.message));
  const { model } = await validateAndLoad(A.bytes);
  assert.equal(model.info.features, 6);
  model.dispose();
});

test('serve › registry › loads of one name apply in order; a failure leaves the serving version; identical bytes change nothing', async () => {
  const failures: string[] = [];
  const swaps: string[] = [];
  const r = new ModelRegistry({ ...opts, onLoadFailure: (n, src, e) => failures.push(`${n} ${src} ${e.code}`), onSwap: (e, p) => swaps.push(`${e.name} v${e.version}${p ? ` after v${p.version}` : ''}`) });
  const [a1, a2, a3] = await Promise.all([r.load('m', A.bytes, 'one'), r.load('m', B.bytes, 'two'), r.load('m', C.bytes, 'three')]);
  assert.deepEqual([a1.entry.version, a2.entry.version, a3.entry.version], [1, 2, 3]);
  assert.equal(r.get('m')!.source, 'three');
  assert.equal(a1.entry.model.disposed, true);
  await assert.rejects(r.load('m', new Uint8Array([1, 2, 3]), 'junk'));
  assert.equal(r.get('m')!.version, 3);
  assert.equal(r.get('m')!.model.disposed, false);
  const same = await r.load('m', C.bytes, 'again');
  assert.equal(same.changed, false);
  assert.equal(same.entry.version, 3);
  await assert.rejects(r.load('../m', A.bytes, 'evil'), /not allowed/);
  assert.deepEqual(swaps, ['m v1', 'm v2 after v1', 'm v3 after v2']);
  assert.deepEqual(failures, ['m junk E_MODEL_INVALID', '../m evil E_MODEL_NAME']);
  const last = r.get('m')!;
  await r.close();
  assert.equal(last.model.disposed, true);
  assert.equal(r.size, 0);
});
