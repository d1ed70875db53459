/**
 * @fileoverview `npm run bench:serve`: `nmp serve` under load on loopback, with autocannon, bounded in count and time.
 *
 * (1) Throughput and latency: single-row JSON requests over keep-alive connections to a server process of its own
 *     (serve-server.ts), batching on; the same server with a constant model (no inference) in the same run; batching
 *     off for comparison; then a fixed rate at half the measured maximum for p50/p99. "On one core" is measured two
 *     ways: requests per wall-clock second (the load generator shares the 2 cores), and requests per second of the
 *     server process's own CPU time (/proc/<pid>/stat), which is what one fully used core would serve.
 * (2) Robustness: 100,000 requests through `nmp serve`, 10 % malformed in eight ways, a model upload (PUT) every second
 *     alternating two models; every answer is checked against formats' predictReference for the model whose hash it
 *     carries, every refusal must be a 4xx with a JSON error naming the field, and the server must still be healthy.
 * (3) MQTT: 10,000 messages at QoS 1 through a Debian mosquitto broker and `nmp serve --mqtt`; each answer compared
 *     as text with `nmp run --scores` on the same rows (skipped when mosquitto is absent).
 * Prints a targets table with PASS/MISS and the load average. `--quick` shortens everything (a smoke run).
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import mqtt from 'mqtt';
import { predictReference } from '../../formats/reference/forward.js';
import { contentHash } from '../serve/registry.js';
import { buildBenchModel, BIT_MIXES, inputs, randomFloatMlp, type BenchModel } from './models.js';
import { mosquittoPath, startMosquitto } from './mosquitto.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NMP = `${REPO_ROOT}dist/tools/cli/nmp.js`;
const quick = process.argv.includes('--quick');
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Server { url: string; pid: number; child: ChildProcess; stop(): Promise<void> }

/** Spawns a server process that prints "listening on <url>", bounded wait. */
async function startServer(args: string[], env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '', err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    child.once('exit', (c) => { clearTimeout(t); reject(new Error(`server exited with ${c}: ${err}`)); });
  });
  return {
    url, pid: child.pid!, child,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }),
  };
}

/** CPU seconds (user + system) used so far by process `pid`, from /proc; null where there is no /proc. */
function cpuSeconds(pid: number): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return null;
  }
}

interface LoadResult { rps: number; cpuRps: number | null; p50: number; p99: number; total: number; errors: number; non2xx: number; batch: number }

/** Mean rows per predictBatch call so far, from the server's /metrics. */
async function meanBatch(server: Server): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const sum = Number(/^nmp_batch_rows_sum\{model="m"\} (\S+)$/m.exec(text)?.[1] ?? NaN);
  const count = Number(/^nmp_batch_rows_count\{model="m"\} (\S+)$/m.exec(text)?.[1] ?? NaN);
  return sum / count;
}

/** Sequential requests on one keep-alive connection (the low-load case): p50 and p99 in microseconds. */
async function sequential(server: Server, body: string, n: number): Promise<{ p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(`${server.url}/v1/models/m:predict`);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(body);
    });
    times.push((performance.now() - t0) * 1000);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(n / 2)], p99: times[Math.min(n - 1, Math.floor(n * 0.99))] };
}

/** One autocannon run against `url` with a fixed body; `rate` caps the overall request rate. */
async function load(server: Server, body: string, seconds: number, connections: number, rate?: number): Promise<LoadResult> {
  const c0 = cpuSeconds(server.pid), t0 = performance.now();
  const r = await autocannon({
    url: `${server.url}/v1/models/m:predict`, method: 'POST', body, headers: { 'content-type': 'application/json' },
    connections, duration: seconds, ...(rate ? { overallRate: rate } : {}),
  });
  const wall = (performance.now() - t0) / 1000, c1 = cpuSeconds(server.pid);
  const total = r.requests.total;
  return {
    rps: total / wall, cpuRps: c0 !== null && c1 !== null && c1 > c0 ? total / (c1 - c0) : null,
    p50: r.latency.p50, p99: r.latency.p99, total, errors: r.errors + r.timeouts, non2xx: r.non2xx, batch: await meanBatch(server).catch(() => NaN),
  };
}

interface Target { what: string; target: string; measured: string; pass: boolean | null }

async function throughput(model: BenchModel, path: string, targets: Target[]): Promise<void> {
  const secs = quick ? 2 : 8, warm = quick ? 1 : 2, conns = 50;
  const row = Array.from(inputs(1, 54, 99));
  const body = JSON.stringify({ instances: [row] });
  const run = async (mode: 'real' | 'constant' | 'plain', maxBatch: number) => {
    const s = await startServer([`${REPO_ROOT}dist/tools/bench/serve-server.js`, path, mode, String(maxBatch), '0']);
    try {
      await load(s, body, warm, conns); // JIT warm-up, V8 tier-up of the wasm
      return await load(s, body, secs, conns);
    } finally {
      await s.stop();
    }
  };
  log(`throughput: ${secs} s per run, ${conns} keep-alive connections, single-row JSON requests`);
  // Alternate real and constant twice so both see the same machine load; keep each one's best run.
  const best = (a: LoadResult, b: LoadResult) => (a.rps >= b.rps ? a : b);
  let real = await run('real', 256), constant = await run('constant', 256);
  if (!quick) { real = best(real, await run('real', 256)); constant = best(constant, await run('constant', 256)); }
  const off = await run('real', 1);
  const plain = await run('plain', 1);
  const fmt = (r: LoadResult) => `${Math.round(r.rps)} req/s wall, ${r.cpuRps ? Math.round(r.cpuRps) : '?'} per server CPU-second, p50 ${r.p50} ms, p99 ${r.p99} ms, mean batch ${r.batch.toFixed(1)} rows, ${r.errors} errors, ${r.non2xx} non-2xx`;
  log(`  real model, batching on : ${fmt(real)}`);
  log(`  constant model          : ${fmt(constant)}`);
  log(`  real model, batching off: ${fmt(off)}`);
  log(`  plain node:http, fixed reply (no service): ${fmt(plain)}`);
  // Low load: one connection, sequential requests, batching on and off in alternating rounds (paired: the same load).
  const [sOn, sOff] = [await startServer([`${REPO_ROOT}dist/tools/bench/serve-server.js`, path, 'real', '256', '0']), await startServer([`${REPO_ROOT}dist/tools/bench/serve-server.js`, path, 'real', '1', '0'])];
  const rounds: { on: number; off: number }[] = [];
  try {
    // Warm-up: latency keeps falling for a few thousand requests (JIT tiers) before both settle at the same level.
    await sequential(sOn, body, quick ? 300 : 3000);
    await sequential(sOff, body, quick ? 300 : 3000);
    for (let k = 0; k < (quick ? 2 : 6); k++) rounds.push({ on: (await sequential(sOn, body, 500)).p50, off: (await sequential(sOff, body, 500)).p50 });
  } finally {
    await sOn.stop();
    await sOff.stop();
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const on1 = median(rounds.map((r) => r.on)), off1 = median(rounds.map((r) => r.off)), ratio = median(rounds.map((r) => r.on / r.off));
  log(`  one connection, sequential (median of ${rounds.length} paired rounds of 500): p50 batching on ${on1.toFixed(0)} us, off ${off1.toFixed(0)} us`);
  // Half the rate this machine reached, and half the target (20,000/s), whichever it can drive.
  const half = Math.round(Math.min(real.rps, 20_000) / 2);
  const s = await startServer([`${REPO_ROOT}dist/tools/bench/serve-server.js`, path, 'real', '256', '0']);
  let atHalf: LoadResult;
  try {
    await load(s, body, warm, conns);
    atHalf = await load(s, body, secs, conns, half);
  } finally {
    await s.stop();
  }
  log(`  real model at ${half} req/s: ${fmt(atHalf)}`);
  const cpu = real.cpuRps ?? real.rps;
  targets.push({ what: 'predictions/s, one core, single-row requests, batching on (per server CPU-second)', target: '>= 20,000', measured: `${Math.round(cpu)}`, pass: cpu >= 20_000 });
  targets.push({ what: '  same, per wall-clock second (load generator on the same 2 cores)', target: '(info)', measured: `${Math.round(real.rps)}`, pass: null });
  targets.push({ what: `p99 at ${half} req/s (half the rate reached; target rate 10,000)`, target: '<= 5 ms', measured: `${atHalf.p99} ms (p50 ${atHalf.p50} ms, ${Math.round(atHalf.rps)} req/s)`, pass: atHalf.p99 <= 5 && atHalf.errors === 0 });
  const overCpu = real.cpuRps && constant.cpuRps ? constant.cpuRps / real.cpuRps - 1 : null;
  const overWall = constant.rps / real.rps - 1;
  targets.push({ what: 'inference cost over a constant-model server (server CPU per request)', target: '<= 25 %', measured: overCpu === null ? '?' : `${(100 * overCpu).toFixed(1)} %`, pass: overCpu === null ? null : overCpu <= 0.25 });
  targets.push({ what: '  same, wall-clock throughput', target: '(info)', measured: `${(100 * overWall).toFixed(1)} % (${Math.round(constant.rps)} vs ${Math.round(real.rps)} req/s)`, pass: null });
  targets.push({ what: 'plain node:http answering a fixed reply, per server CPU-second (the floor)', target: '(info)', measured: plain.cpuRps ? `${Math.round(plain.cpuRps)} (${Math.round(plain.rps)} wall)` : '?', pass: null });
  targets.push({ what: 'batching on / off under load, requests per server CPU-second', target: '(info)', measured: real.cpuRps && off.cpuRps ? `${(real.cpuRps / off.cpuRps).toFixed(2)}x (mean batch ${real.batch.toFixed(1)} rows)` : '?', pass: null });
  targets.push({ what: 'low load (one connection): p50 with batching on / off', target: '(info)', measured: `${on1.toFixed(0)} / ${off1.toFixed(0)} us (paired ratio ${ratio.toFixed(2)})`, pass: null });
}

/** The malformed bodies of the robustness run: each with the field its refusal must name. */
function malformedBodies(features: string[]): { body: string; type: string; field: RegExp }[] {
  const row = Array.from({ length: features.length }, (_, i) => i / 10);
  return [
    { body: JSON.stringify({ instances: [row.slice(1)] }), type: 'application/json', field: /^instances\[0\]$/ },
    { body: JSON.stringify({ instances: [[...row.slice(0, 5), 'abc', ...row.slice(6)]] }), type: 'application/json', field: /^instances\[0\]\[5\]$/ },
    { body: JSON.stringify({ instances: [[...row.slice(0, 7), null, ...row.slice(8)]] }), type: 'application/json', field: /^instances\[0\]\[7\]$/ },
    { body: `${features.join(',')}\n${row.map((v, i) => (i === 9 ? 'NaN' : v)).join(',')}\n`, type: 'text/csv', field: /^csv\[2\]\.f9$/ },
    { body: JSON.stringify({ instances: [Object.fromEntries(features.slice(1).map((f, i) => [f, row[i]]))] }), type: 'application/json', field: /^instances\[0\]\.f0$/ },
    { body: '{"instances": [[1, 2, 3', type: 'application/json', field: /^body$/ },
    { body: JSON.stringify({ instances: [row] }).replace('0.1', '1e999'), type: 'application/json', field: /^instances\[0\]\[1\]$/ },
    { body: JSON.stringify({ instances: [row, row], pad: 'x'.repeat(70_000) }), type: 'application/json', field: /^body$/ }, // over --max-body
  ];
}

async function robustness(a: BenchModel, b: BenchModel, dir: string, targets: Target[]): Promise<void> {
  const total = quick ? 5000 : 100_000;
  const token = 'bench-token-0123456789abcdef';
  const pathA = join(dir, 'm.nmp');
  await writeFile(pathA, a.bytes);
  const s = await startServer([NMP, 'serve', pathA, '--port', '0', '--max-body', '65536', '-q'], { NMP_SERVE_TOKEN: token });
  // A pool of rows with their reference answers for both models (as the JSON text the server writes).
  const pool = 512;
  const x = inputs(pool, 54, 1234);
  const rows = Array.from({ length: pool }, (_, r) => Array.from(x.subarray(r * 54, r * 54 + 54)));
  const models = new Map<string, BenchModel>([[await contentHash(a.bytes), a], [await contentHash(b.bytes), b]]);
  const want = new Map<string, string[]>();
  for (const [hash, m] of models) want.set(hash, rows.map((r) => JSON.stringify(Array.from(predictReference(m.model, r)))));
  const bodies = rows.map((r) => JSON.stringify({ instances: [r] }));
  const bad = malformedBodies(a.model.meta.featureNames);
  let sent = 0, answered = 0, good = 0, mismatched = 0, refused = 0, refusedOk = 0, other = 0;
  const problems: string[] = [];
  let swaps = 0, swapErrors = 0, stop = false;
  const swapper = (async () => {
    let next = b;
    while (!stop) {
      await new Promise((r) => setTimeout(r, 1000));
      if (stop) break;
      const r = await fetch(`${s.url}/v1/models/m`, { method: 'PUT', body: next.bytes as unknown as BodyInit, headers: { authorization: `Bearer ${token}` } }).catch(() => null);
      if (r?.ok) swaps++; else swapErrors++;
      await r?.text();
      next = next === b ? a : b;
    }
  })();
  log(`robustness: ${total} requests, 10 % malformed (${bad.length} kinds), a model upload every second`);
  const t0 = performance.now();
  const r = await autocannon({
    url: s.url, connections: 20, amount: total, timeout: 10,
    requests: [{
      method: 'POST', path: '/v1/models/m:predict',
      setupRequest(req: any, context: any) {
        const i = sent++;
        if (i % 10 === 9) {
          const m = bad[(i / 10 | 0) % bad.length];
          context.bad = m;
          return { ...req, body: m.body, headers: { 'content-type': m.type } };
        }
        context.bad = null;
        context.row = i % pool;
        return { ...req, body: bodies[i % pool], headers: { 'content-type': 'application/json' } };
      },
      onResponse(status: number, body: string, context: any) {
        answered++;
        try {
          if (context.bad) {
            refused++;
            const e = JSON.parse(body).error;
            if (status >= 400 && status < 500 && context.bad.field.test(e.field) && typeof e.code === 'string') refusedOk++;
            else if (problems.length < 5) problems.push(`malformed got ${status} ${body.slice(0, 160)}`);
          } else if (status === 200) {
            const j = JSON.parse(body);
            const exp = want.get(j.hash)?.[context.row];
            if (exp !== undefined && JSON.stringify(j.predictions[0]) === exp) good++;
            else { mismatched++; if (problems.length < 5) problems.push(`row ${context.row} hash ${j.hash}: ${body.slice(0, 160)}`); }
          } else {
            other++;
            if (problems.length < 5) problems.push(`valid row got ${status} ${body.slice(0, 160)}`);
          }
        } catch (e) {
          other++;
          if (problems.length < 5) problems.push(`unreadable reply ${status}: ${String(e)} ${body.slice(0, 100)}`);
        }
      },
    }],
  } as any);
  stop = true;
  await swapper;
  const secs = (performance.now() - t0) / 1000;
  const health = await fetch(`${s.url}/healthz`).then((x) => x.status).catch(() => 0);
  const alive = s.child.exitCode === null;
  await s.stop();
  const valid = total - refused;
  const lost = total - answered;
  log(`  ${answered} answers in ${secs.toFixed(1)} s (${Math.round(answered / secs)} req/s), ${swaps} swaps (${swapErrors} failed), ${r.errors} socket errors, ${r.timeouts} timeouts`);
  for (const p of problems) log(`  problem: ${p}`);
  targets.push({ what: `robustness: ${total} requests, 10 % malformed, ${swaps} swaps (one per second)`, target: '0 crashes', measured: alive && health === 200 ? 'alive, /healthz 200' : `alive ${alive}, /healthz ${health}`, pass: alive && health === 200 });
  targets.push({ what: '  lost or mismatched answers (vs predictReference of the hash)', target: '0', measured: `${lost} lost, ${mismatched} mismatched, ${other} other, of ${valid} valid (${good} exact)`, pass: lost === 0 && mismatched === 0 && other === 0 && good === valid });
  targets.push({ what: '  malformed: 4xx with a JSON error naming the field', target: `all ${refused}`, measured: `${refusedOk}`, pass: refused > 0 && refusedOk === refused });
}

async function mqttRun(a: BenchModel, dir: string, targets: Target[]): Promise<void> {
  const bin = mosquittoPath();
  if (!bin) {
    log('mqtt: skipped (mosquitto not installed: apt-get install mosquitto)');
    targets.push({ what: 'MQTT: 10,000 messages at QoS 1, lost', target: '0', measured: 'skipped: no mosquitto', pass: null });
    return;
  }
  const n = quick ? 1000 : 10_000;
  const path = join(dir, 'm.nmp');
  await writeFile(path, a.bytes);
  const x = inputs(n, 54, 4321);
  const rows = Array.from({ length: n }, (_, r) => Array.from(x.subarray(r * 54, r * 54 + 54)));
  await writeFile(join(dir, 'rows.csv'), `${a.model.meta.featureNames.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`);
  const cli = spawnSync(process.execPath, [NMP, 'run', path, join(dir, 'rows.csv'), '--scores'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (cli.status !== 0) throw new Error(`nmp run failed: ${cli.stderr}`);
  const expected = cli.stdout.trim().split('\n').slice(1);
  const broker = await startMosquitto(bin);
  const s = await startServer([NMP, 'serve', path, '--port', '0', '--mqtt', broker.url, '--subscribe', 'sensors/+/features', '-q']);
  const client = mqtt.connect(broker.url, { clientId: `bench-${process.pid}` });
  let lost = n, identical = 0, secs = 0, errors = 0;
  try {
    await new Promise<void>((resolve, reject) => { client.once('connect', () => resolve()); client.once('error', reject); });
    await client.subscribeAsync(['predictions/#', 'nmp/errors'], { qos: 1 });
    const got = new Map<number, string>();
    let done!: () => void;
    const all = new Promise<void>((r) => { done = r; });
    client.on('message', (topic, payload) => {
      const j = JSON.parse(payload.toString());
      if (topic === 'nmp/errors') errors++;
      else got.set(j.id, [j.labels[0], ...j.predictions[0].map(String)].join(','));
      if (got.size === n) done();
    });
    log(`mqtt: ${n} messages at QoS 1 through mosquitto ${bin}`);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) client.publish(`sensors/d${i % 16}/features`, JSON.stringify({ id: i, instances: [rows[i]] }), { qos: 1 });
    const t = setTimeout(() => done(), quick ? 20_000 : 120_000);
    await all;
    clearTimeout(t);
    secs = (performance.now() - t0) / 1000;
    lost = n - got.size;
    for (let i = 0; i < n; i++) if (got.get(i) === expected[i]) identical++;
    log(`  ${got.size} answers in ${secs.toFixed(1)} s (${Math.round(got.size / secs)} msg/s), ${errors} errors`);
  } finally {
    client.end(true);
    await s.stop();
    await broker.stop();
  }
  targets.push({ what: `MQTT: ${n} messages at QoS 1 through mosquitto`, target: '0 lost', measured: `${lost} lost, ${errors} errors (${(n / secs).toFixed(0)} msg/s)`, pass: lost === 0 && errors === 0 });
  targets.push({ what: '  answers bit-identical to nmp run --scores', target: `${n}`, measured: `${identical}`, pass: identical === n });
}

async function main(): Promise<void> {
  const before = loadavg();
  log(`bench:serve${quick ? ' --quick' : ''}: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}, load average ${before.map((v) => v.toFixed(2)).join(' ')}`);
  const mix = BIT_MIXES.find((m) => m.name === 'mix')!;
  const a = buildBenchModel(randomFloatMlp([54, 256, 256, 7], 7), mix, 7);
  const b = buildBenchModel(randomFloatMlp([54, 256, 256, 7], 8), mix, 8);
  const dir = await mkdtemp(join(tmpdir(), 'nmp-bench-serve-'));
  const targets: Target[] = [];
  try {
    await writeFile(join(dir, 'a.nmp'), a.bytes);
    await throughput(a, join(dir, 'a.nmp'), targets);
    await robustness(a, b, dir, targets);
    await mqttRun(a, dir, targets);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const after = loadavg();
  const w = Math.max(...targets.map((t) => t.what.length));
  const tw = Math.max(...targets.map((t) => t.target.length));
  console.log(`\nnmp serve targets: 54-256-256-7 (${mix.name} bits), loopback, autocannon; load average ${before[0].toFixed(2)} before, ${after[0].toFixed(2)} after (1 min)\n`);
  console.log(`${'what'.padEnd(w)}  ${'target'.padEnd(tw)}  result  measured`);
  console.log(`${'-'.repeat(w)}  ${'-'.repeat(tw)}  ------  --------`);
  for (const t of targets) console.log(`${t.what.padEnd(w)}  ${t.target.padEnd(tw)}  ${t.pass === null ? '  -   ' : t.pass ? ' PASS ' : ' MISS '}  ${t.measured}`);
}

await main();
