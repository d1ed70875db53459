/** @fileoverview Node-only file I/O for models: atomic writes (temp file + rename) so a crash never leaves half a model. */

import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readModel } from './read.js';
import type { NmpModel } from './schema.js';
import { encodeModel, type ModelInput } from './write.js';

/** Writes `bytes` to `path` atomically: a temp file in the same directory, fsync, then rename over the target. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(tmp, 'wx');
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** Validates, encodes and atomically writes a model; returns the encoded bytes. */
export async function writeModelFile(path: string, model: ModelInput): Promise<Uint8Array> {
  const bytes = encodeModel(model);
  await writeFileAtomic(path, bytes);
  return bytes;
}

/** Reads and strictly validates a model file. */
export async function readModelFile(path: string): Promise<NmpModel> {
  return readModel(new Uint8Array(await readFile(path)));
}
