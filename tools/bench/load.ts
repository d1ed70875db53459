/**
 * @fileoverview `npm run bench:load [-- --mb 66]`: how fast and in how much memory a big valid model file loads, in each
 * reader and host: formats/read.ts, loadModel simd and scalar, nohost.wasm in V8. Each measurement runs in its own process
 * (peak RSS is per process), after a warm-up load of a small model; the no-host module gets the file read straight into
 * its linear memory, as a C host does, and is timed from nmp_load (the read is the host's I/O). Prints a targets table: >= 100 MB/s, and peak memory
 * above the process before the file was read <= 1.2 x file + arena.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readModel } from '../../formats/read.js';
import { randomModel } from '../../formats/testdata/random.js';
import { encodeUnchecked, modelBody } from '../../formats/write.js';
import { loadModel } from '../../runtime/index.js';

const TARGET_MBPS = 100, TARGET_MEMORY = 1.2;
type Host = 'read' | 'simd' | 'scalar' | 'nohost';
const HOSTS: Host[] = ['read', 'simd', 'scalar', 'nohost'];

interface Measure {
  host: Host;
  fileBytes: number;
  seconds: number;
  cpuSeconds: number;
  /** Peak RSS above the process just before the file was read. */
  peakBytes: number;
  /** Arena bytes of the loaded model (0 for the reader alone). */
  arenaBytes: number;
}

/** A valid model of about `mb` MB: 8-bit weights and activations, 4096-wide layers (cached in the temp directory). */
export function bigModelFile(mb: number): string {
  const path = `${tmpdir()}/nmp-bench-load-${mb}mb.nmp`;
  if (existsSync(path)) return path;
  // Square 4096 layers of 8-bit weights are 16.8 MB each; the last hidden layer takes the rest.
  const widths = [4096];
  let left = mb * 1e6;
  while (left > 0) {
    const out = Math.max(16, Math.min(4096, Math.floor(left / 4096)));
    widths.push(out);
    left -= 4096 * out;
    if (out < 4096) break;
  }
  widths.push(16);
  const bytes = encodeUnchecked(modelBody(randomModel({ seed: 5, widths, weightBitsMenu: [8], actBitsMenu: [8], inputBitsMenu: [8] })));
  readModel(bytes);
  writeFileSync(path, bytes);
  return path;
}

interface NoHostExports {
  memory: WebAssembly.Memory;
  nmp_alloc(n: number): number; nmp_load(p: number, n: number): number; nmp_used_bytes(): number;
}

/** One measurement in this process (the child side). */
async function measure(host: Host, path: string): Promise<Measure> {
  const small = new Uint8Array(readFileSync(fileURLToPath(new URL('../../../formats/testdata/mlp-mixed.nmp', import.meta.url))));
  let nohost: NoHostExports | null = null;
  const loadNoHost = (b: Uint8Array) => {
    const p = nohost!.nmp_alloc(b.length);
    new Uint8Array(nohost!.memory.buffer).set(b, p);
    const code = nohost!.nmp_load(p, b.length);
    if (code !== 0) throw new Error(`nohost.wasm rejected the file: code ${code}`);
    return nohost!.nmp_used_bytes() - (p + b.length);
  };
  // Warm-up: compile and instantiate the module, JIT the loader, on a small model.
  if (host === 'read') readModel(small);
  else if (host === 'nohost') {
    const mod = new WebAssembly.Module(readFileSync(fileURLToPath(new URL('../../wasm/nohost.wasm', import.meta.url))));
    nohost = new WebAssembly.Instance(mod, {}).exports as unknown as NoHostExports;
    loadNoHost(small);
  } else (await loadModel(small, { backend: host, isolate: true })).dispose();
  const rss0 = process.memoryUsage().rss;
  let arena = 0, fileBytes: number, cpu0: NodeJS.CpuUsage, t0: number;
  if (host === 'nohost') {
    // As a C host does: the file is read straight into the linear memory nmp_alloc reserves (no second copy).
    fileBytes = statSync(path).size;
    const p = nohost!.nmp_alloc(fileBytes), fd = openSync(path, 'r');
    readSync(fd, new Uint8Array(nohost!.memory.buffer, p, fileBytes));
    closeSync(fd);
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    const code = nohost!.nmp_load(p, fileBytes);
    if (code !== 0) throw new Error(`nohost.wasm rejected the file: code ${code}`);
    arena = nohost!.nmp_used_bytes() - (p + fileBytes);
  } else {
    const bytes = new Uint8Array(readFileSync(path));
    fileBytes = bytes.length;
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    if (host === 'read') readModel(bytes);
    else arena = (await loadModel(bytes, { backend: host, isolate: true })).memory().total;
  }
  const seconds = (performance.now() - t0) / 1000, cpu = process.cpuUsage(cpu0);
  const peak = process.resourceUsage().maxRSS * 1024;
  return { host, fileBytes, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakBytes: peak - rss0, arenaBytes: arena };
}

/** The targets table for a set of measurements. */
export function targetsTable(ms: Measure[], loadAverage: number): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const lines = [
    `| host | file MB | load s (cpu s) | MB/s (by cpu) | >= ${TARGET_MBPS} MB/s | peak MB | file + arena MB | peak / (file + arena) | peak <= ${TARGET_MEMORY} x file + arena |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const m of ms) {
    const rate = m.fileBytes / 1e6 / m.seconds, cpuRate = m.fileBytes / 1e6 / m.cpuSeconds;
    const memoryTarget = TARGET_MEMORY * m.fileBytes + m.arenaBytes;
    const memory = m.host === 'read' ? 'n/a (no arena)' : m.peakBytes <= memoryTarget ? 'PASS' : 'MISS';
    lines.push(`| ${m.host === 'read' ? 'formats/read.ts' : m.host === 'nohost' ? 'nohost.wasm (V8)' : `loadModel ${m.host}`} | ${mb(m.fileBytes)} | ${m.seconds.toFixed(2)} (${m.cpuSeconds.toFixed(2)}) | ${rate.toFixed(0)} (${cpuRate.toFixed(0)}) | ${rate >= TARGET_MBPS ? 'PASS' : 'MISS'} | ${mb(m.peakBytes)} | ${mb(m.fileBytes + m.arenaBytes)} | ${(m.peakBytes / (m.fileBytes + m.arenaBytes)).toFixed(2)} | ${memory} |`);
  }
  lines.push('', `load average ${loadAverage.toFixed(1)} on this machine while measuring (wall-clock rates fall with it; cpu rates less so).`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    console.log(JSON.stringify(await measure(args[1] as Host, args[2])));
    return;
  }
  const i = args.indexOf('--mb');
  const mb = i >= 0 ? Number(args[i + 1]) : 66;
  if (!(mb >= 1 && mb <= 66)) throw new Error(`--mb takes 1..66 (the file limit is 64 MiB) - got ${args[i + 1]}`);
  const path = bigModelFile(mb);
  const self = fileURLToPath(import.meta.url);
  const ms = HOSTS.map((h) => JSON.parse(execFileSync(process.execPath, [self, '--child', h, path], { encoding: 'utf8', maxBuffer: 1 << 20 })) as Measure);
  const { loadavg } = await import('node:os');
  console.log(targetsTable(ms, loadavg()[0]));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
