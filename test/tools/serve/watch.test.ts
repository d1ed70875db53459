import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from '../../../tools/serve/service.js';
import { ModelFiles, parseSource } from '../../../tools/serve/watch.js';
import { contentHash } from '../../../tools/serve/registry.js';
import { testModel } from './support.js';

const A = testModel(41), B = testModel(42), C = testModel(43);

/** Polls `f` until it is true (bounded: fails after `ms`). */
async function until(f: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('serve › watch › sources: name=path, files, directories', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nmp-watch-'));
  try {
    await writeFile(join(dir, 'letter.nmp'), A.bytes);
    assert.deepEqual(await parseSource(join(dir, 'letter.nmp')), { kind: 'file', path: join(dir, 'letter.nmp'), name: 'letter' });
    assert.equal((await parseSource(`prod=${join(dir, 'letter.nmp')}`)).name, 'prod');
    assert.equal((await parseSource(dir)).kind, 'dir');
    await assert.rejects(parseSource(`x=${dir}`), /named after their files/);
    await assert.rejects(parseSource(join(dir, 'missing.nmp')), { code: 'ENOENT' });
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('serve › watch › a watched directory: new files load, replaced files swap, a bad file is refused and the old model stays', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nmp-watch-'));
  const logs: string[] = [];
  const service = new Service({ log: (l) => logs.push(l) });
  const put = async (name: string, bytes: Uint8Array) => { // write then rename: what deploy tools do
    await writeFile(join(dir, `.${name}.tmp`), bytes);
    await rename(join(dir, `.${name}.tmp`), join(dir, name));
  };
  await put('a.nmp', A.bytes);
  await writeFile(join(dir, 'notes.txt'), 'ignored');
  const files = new ModelFiles(service.registry, [{ kind: 'dir', path: dir }], true, { intervalMs: 50, settleMs: 20 });
  try {
    await files.ready;
    assert.deepEqual(service.registry.list().map((e) => e.name), ['a']);
    await put('b.nmp', B.bytes);
    await until(() => service.registry.get('b') !== undefined, 5000, 'b to load');
    await put('a.nmp', C.bytes);
    await until(() => service.registry.get('a')!.version === 2, 5000, 'a to swap');
    assert.equal(service.registry.get('a')!.hash, await contentHash(C.bytes));
    await writeFile(join(dir, 'a.nmp'), C.bytes.subarray(0, 100)); // truncated
    await until(() => service.loadFailures('a', 'E_MODEL_INVALID') === 1, 5000, 'the failure to be counted');
    assert.equal(service.registry.get('a')!.version, 2);
    assert.equal(service.registry.get('a')!.hash, await contentHash(C.bytes));
    assert.ok(logs.some((l) => /model a: refused .*a\.nmp.*still serving v2/.test(l)), logs.join('\n'));
  } finally {
    files.close();
    await service.close();
    await rm(dir, { recursive: true });
  }
});
