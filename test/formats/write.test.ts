import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, chmod, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeModel } from '../../formats/write.js';
import { readModel } from '../../formats/read.js';
import { ModelFormatError } from '../../formats/errors.js';
import { readModelFile, writeModelFile } from '../../formats/node-io.js';
import { randomModel } from '../../formats/testdata/random.js';
import { packRow } from '../../formats/pack.js';

test('write › every field survives a round trip', () => {
  const m = randomModel({ seed: 5, widths: [13, 20, 11, 4], task: 'regression' });
  m.meta.provenance.metrics = { test_mse: 0.125, epochs: 12 };
  m.meta.targetColumn = 'label';
  const back = readModel(encodeModel(m));
  assert.deepEqual(back.meta, m.meta);
  assert.deepEqual(back.input, m.input);
  assert.deepEqual(back.output, m.output);
  back.layers.forEach((l, i) => {
    const { rowOffsets, ...rest } = l;
    assert.deepEqual(rest, m.layers[i]);
    assert.equal(rowOffsets[l.outFeatures], m.layers[i].weights.length);
  });
});

test('write › encoding is deterministic', () => {
  const a = encodeModel(randomModel({ seed: 6, widths: [8, 8, 2] }));
  const b = encodeModel(randomModel({ seed: 6, widths: [8, 8, 2] }));
  assert.deepEqual(a, b);
});

test('write › refuses a neuron whose accumulator could overflow int32, naming it', () => {
  // 8-bit weights at -128 times 512 inputs of 16-bit activations: 128 * 65535 * 512 > 2^31.
  const m = randomModel({ seed: 7, widths: [4, 512, 1], weightBitsMenu: (l) => (l === 0 ? 1 : 8), actBitsMenu: [16] });
  m.layers[1].weights = packRow(new Array(512).fill(-128), 8);
  assert.throws(() => encodeModel(m), (e: unknown) => e instanceof ModelFormatError && e.code === 'E_ACC_OVERFLOW' && e.path === 'body.layers[1] neuron 0' && /got \d{10}/.test(e.message));
});

test('write › atomic file write: the file appears whole, no temp file is left', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nmp-write-'));
  try {
    const m = randomModel({ seed: 8, widths: [6, 10, 3] });
    const bytes = await writeModelFile(join(dir, 'model.nmp'), m);
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'model.nmp'))), bytes);
    assert.deepEqual(await readdir(dir), ['model.nmp']);
    assert.equal((await readModelFile(join(dir, 'model.nmp'))).layers.length, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('write › a failed write leaves neither a partial model nor a temp file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nmp-write-'));
  try {
    const m = randomModel({ seed: 9, widths: [6, 10, 3] });
    await assert.rejects(writeModelFile(join(dir, 'missing', 'model.nmp'), m), /ENOENT/);
    if (process.getuid?.() !== 0) {
      await chmod(dir, 0o500);
      await assert.rejects(writeModelFile(join(dir, 'model.nmp'), m), /EACCES/);
      await chmod(dir, 0o700);
    }
    m.layers[0].weightBits[0] = 9; // invalid model: refused before anything touches the disk
    await assert.rejects(writeModelFile(join(dir, 'bad.nmp'), m), ModelFormatError);
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
