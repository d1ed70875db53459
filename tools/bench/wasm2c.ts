/**
 * @fileoverview Builds the wasm2c engine of the no-host module: `wasm2c nohost.wasm` (Debian `wabt`), compiled with the
 * shared C host (runtime/c/) and the static runtime (runtime/wasm2c/wasm-rt-static.c) for this machine or, through
 * tools/bench/mcu.ts, for a Cortex-M. Used by test/runtime/wasm2c.test.ts and `npm run mcu`.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const noHostWasm = join(repoRoot, 'dist/wasm/nohost.wasm');

/** True when `cmd` runs (found on PATH). */
export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * The system's wasm2c (WASM2C, else the first on PATH outside node_modules): npm scripts put node_modules/.bin first,
 * and the npm `wabt` package's wasm2c (1.0.39) emits a newer API than Debian's wasm-rt.h (1.0.32) declares.
 */
export function wasm2cBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env['WASM2C']) return existsSync(env['WASM2C']) ? env['WASM2C'] : null;
  for (const d of (env['PATH'] ?? '').split(':')) if (d && !d.includes('node_modules') && existsSync(join(d, 'wasm2c'))) return join(d, 'wasm2c');
  return null;
}

/** The directory holding wabt's `wasm-rt.h` (Debian: /usr/include, also /usr/src/wasm2c), or null. */
export function wasmRtInclude(env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = [env['WASM2C_INCLUDE'], '/usr/src/wasm2c', '/usr/include', '/usr/local/include', '/usr/share/wabt/wasm2c'];
  return dirs.find((d): d is string => !!d && existsSync(join(d, 'wasm-rt.h'))) ?? null;
}

/** Why the hosted wasm2c engine cannot be built here, or null when it can. */
export function wasm2cMissing(): string | null {
  const lack = [...(wasm2cBinary() ? [] : ['wasm2c']), ...(hasCommand('gcc') ? [] : ['gcc'])];
  if (lack.length) return `${lack.join(' and ')} not found (Debian: apt-get install wabt gcc; .ci/run installs them)`;
  if (!wasmRtInclude()) return 'wasm-rt.h not found (Debian package wabt; or set WASM2C_INCLUDE)';
  if (!existsSync(noHostWasm)) return `${noHostWasm} missing: run npm run build`;
  return null;
}

function run(cmd: string, args: string[], what: string): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = (e as { stderr?: Buffer }).stderr?.toString().split('\n').slice(0, 8).join('\n') ?? String(e);
    throw new Error(`${what}: ${cmd} failed:\n${err}`);
  }
}

/** Translates nohost.wasm to `dir/nohost.c` + `dir/nohost.h`. */
export function translateNoHost(dir: string): void {
  mkdirSync(dir, { recursive: true });
  run(wasm2cBinary()!, [noHostWasm, '-o', join(dir, 'nohost.c')], `wasm2c ${noHostWasm}`);
}

/** C sources of a wasm2c host besides the translation: glue, shared host logic, static runtime. */
export const HOST_SOURCES = ['runtime/wasm2c/host.c', 'runtime/c/nmp-host.c', 'runtime/wasm2c/wasm-rt-static.c'].map((p) => join(repoRoot, p));

/**
 * Builds the command-line host `dir/nmp-wasm2c` for this machine (translating nohost.wasm first); returns its path.
 * Bounds checks stay on (WASM_RT_MEMCHECK_SIGNAL_HANDLER=0): the static runtime has no guard pages.
 */
export function buildHostedWasm2c(dir: string, cflags: string[] = ['-O2']): string {
  translateNoHost(dir);
  const bin = join(dir, 'nmp-wasm2c');
  const inc = wasmRtInclude()!;
  run('gcc', [...cflags, '-std=c11', '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0', `-I${dir}`, `-I${inc}`, `-I${join(repoRoot, 'runtime/wasm2c')}`,
    ...HOST_SOURCES, join(repoRoot, 'runtime/c/nmp-cli.c'), join(dir, 'nohost.c'), '-lm', '-o', bin], 'building the wasm2c host');
  return bin;
}
