/** @fileoverview Headless Chromium (Debian package `chromium`, installed by .ci/run) for tests that open a page. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** The DOM of a local page after its scripts ran (virtual time lets async work finish deterministically). */
export async function dumpDom(file: string): Promise<string> {
  if (!chromiumPath) throw new Error('chromium is not installed (apt-get install chromium)');
  const profile = mkdtempSync(join(tmpdir(), 'nmp-chromium-'));
  try {
    // The closed network here makes Chromium's background services noisy and slow: switch them off.
    const { stdout } = await promisify(execFile)(chromiumPath, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--virtual-time-budget=10000', '--dump-dom', `file://${file}`,
    ], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
