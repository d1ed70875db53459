/**
 * @fileoverview The wasm3 backend (the interpreter the scalar module targets on MCUs), here on the x86 host: builds
 * tools/bench/wasm3/driver.c against a wasm3 checkout named by WASM3_SRC and runs prepared memory images through it.
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Wasm3Timing {
  /** int32 outputs of the first call. */
  out: Int32Array;
  calls: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
}

/**
 * The wasm3 `source/` directory from WASM3_SRC (a checkout root or its source/ folder), or a reason it is unavailable.
 * wasm3 has no npm or Debian package, so it is opt-in and never vendored.
 */
export function wasm3Source(env: NodeJS.ProcessEnv = process.env): { dir: string } | { missing: string } {
  const root = env['WASM3_SRC'];
  if (!root) return { missing: 'WASM3_SRC is not set (point it at a wasm3 checkout to add wasm3 rows)' };
  for (const dir of [join(root, 'source'), root]) if (existsSync(join(dir, 'wasm3.h'))) return { dir };
  return { missing: `WASM3_SRC=${root}: no wasm3.h in it or in its source/ folder, expected a wasm3 checkout` };
}

/** Compiles the driver once per (driver source, wasm3 source dir) into `cacheDir`; returns the binary's path. */
export function buildDriver(srcDir: string, driverC: string, cacheDir: string): string {
  const key = createHash('sha256').update(readFileSync(driverC)).update(srcDir).digest('hex').slice(0, 12);
  const bin = join(cacheDir, `wasm3-driver-${key}`);
  if (existsSync(bin)) return bin;
  mkdirSync(cacheDir, { recursive: true });
  const sources = readdirSync(srcDir).filter((f) => f.endsWith('.c')).map((f) => join(srcDir, f));
  try {
    // -O3 as wasm3's own release build; its interpreter speed depends on tail calls the optimiser emits.
    execFileSync('cc', ['-O3', '-DNDEBUG', `-I${srcDir}`, ...sources, driverC, '-lm', '-o', `${bin}.tmp`], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = (e as { stderr?: Buffer }).stderr?.toString().split('\n').slice(0, 5).join('\n') ?? String(e);
    throw new Error(`wasm3 driver: cc failed building ${driverC} against ${srcDir}:\n${err}`);
  }
  execFileSync('mv', [`${bin}.tmp`, bin]);
  return bin;
}

/** Runs `func(args)` under wasm3 with `image` at `base`, for at least `minSeconds` (and at most `maxCalls` calls). */
export function runWasm3(
  driver: string,
  wasmPath: string,
  image: Uint8Array,
  base: number,
  func: string,
  args: number[],
  outPtr: number,
  outCount: number,
  minSeconds: number,
  maxCalls: number,
): Wasm3Timing {
  const dir = mkdtempSync(join(tmpdir(), 'nmp-bench-w3-'));
  try {
    const img = join(dir, 'image.bin');
    writeFileSync(img, image);
    const argv = [wasmPath, img, base, func, minSeconds, maxCalls, outPtr, outCount, ...args].map(String);
    let text: string;
    try {
      text = execFileSync(driver, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = (e as { stderr?: string }).stderr ?? String(e);
      throw new Error(`wasm3 ${func}(${args.join(', ')}) on ${wasmPath}: ${err.trim()}`);
    }
    const out = /^out((?: -?\d+)*)$/m.exec(text);
    const t = /^calls (\d+) p50_ns (\d+) p99_ns (\d+) mean_ns (\d+) min_ns (\d+)$/m.exec(text);
    if (!out || !t) throw new Error(`wasm3 driver printed ${JSON.stringify(text.slice(0, 200))}, expected 'out ...' and 'calls ...' lines`);
    const values = out[1]!.trim() === '' ? [] : out[1]!.trim().split(' ').map(Number);
    return {
      out: Int32Array.from(values),
      calls: Number(t[1]),
      p50: Number(t[2]) / 1000,
      p99: Number(t[3]) / 1000,
      mean: Number(t[4]) / 1000,
      min: Number(t[5]) / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Wasm3ModelRun {
  /** nmp_load's result: 0, or an error number (E_* of runtime/abi.ts). */
  loadCode: number;
  /** nmp_used_bytes(): static data + file + arena, the RAM the model needs under wasm3. */
  usedBytes: number;
  /** Per input row: float32 outputs and int32 accumulators of nmp_predict. */
  y: Float32Array[];
  acc: Int32Array[];
  timing: Wasm3Timing;
}

/**
 * Runs a model file through the scalar module's no-host API (nmp_alloc / nmp_load / nmp_predict) under wasm3, exactly
 * as an MCU host does: every row of `x` once (outputs returned), then nmp_predict on the last row, timed.
 */
export function runWasm3Model(driver: string, wasmPath: string, file: Uint8Array, x: Float64Array, rows: number, minSeconds: number, maxCalls: number): Wasm3ModelRun {
  const dir = mkdtempSync(join(tmpdir(), 'nmp-bench-w3-'));
  try {
    writeFileSync(join(dir, 'model.nmp'), file);
    writeFileSync(join(dir, 'inputs.f64'), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    const argv = ['--model', wasmPath, join(dir, 'model.nmp'), join(dir, 'inputs.f64'), rows, minSeconds, maxCalls].map(String);
    let text: string;
    try {
      text = execFileSync(driver, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string };
      throw new Error(`wasm3 no-host model run on ${wasmPath}: ${(err.stdout ?? '').trim()} ${(err.stderr ?? String(e)).trim()}`);
    }
    const head = /^load (-?\d+) used (\d+) features (\d+) outputs (\d+)$/m.exec(text);
    const t = /^calls (\d+) p50_ns (\d+) p99_ns (\d+) mean_ns (\d+) min_ns (\d+)$/m.exec(text);
    const ys = [...text.matchAll(/^y((?: \d+)*)$/gm)].map((m) => new Float32Array(Uint32Array.from(m[1]!.trim().split(' ').map(Number)).buffer));
    const accs = [...text.matchAll(/^acc((?: -?\d+)*)$/gm)].map((m) => Int32Array.from(m[1]!.trim().split(' ').map(Number)));
    if (!head || !t || ys.length !== rows || accs.length !== rows) {
      throw new Error(`wasm3 driver printed ${JSON.stringify(text.slice(0, 300))}, expected 'load', ${rows} 'y'/'acc' lines and 'calls'`);
    }
    return {
      loadCode: Number(head[1]),
      usedBytes: Number(head[2]),
      y: ys,
      acc: accs,
      timing: { out: new Int32Array(0), calls: Number(t[1]), p50: Number(t[2]) / 1000, p99: Number(t[3]) / 1000, mean: Number(t[4]) / 1000, min: Number(t[5]) / 1000 },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
