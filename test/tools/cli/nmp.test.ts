/**
 * @fileoverview Every `nmp` command as a user runs it: a subprocess, its exit code, its stdout and stderr; and every
 * bad input the CLI issue lists. Data: the Letter set shipped in tools/data (a few thousand rows, tiny layers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { repoRoot } from '../../support/paths.js';
import { readModel } from '../../../formats/read.js';

const NMP = `${repoRoot}dist/tools/cli/nmp.js`;
const dir = mkdtempSync(join(tmpdir(), 'nmp-cli-'));
const letterCsv = join(dir, 'letter.csv');
// 3000 rows keep every training run here around a second.
writeFileSync(letterCsv, gunzipSync(readFileSync(`${repoRoot}tools/data/letter.csv.gz`)).toString('utf8').split('\n').slice(0, 3001).join('\n') + '\n');
const SMALL = ['--hidden', '64,64', '--float-epochs', '2', '--epochs', '3', '--seed', '3'];

function nmp(args: string[], opts: { input?: string; cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [NMP, ...args], { encoding: 'utf8', input: opts.input, cwd: opts.cwd ?? dir, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function userError(r: ReturnType<typeof nmp>, code: number, pattern: RegExp) {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line, no stack trace: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('cli › help for the tool and every command', () => {
  const r = nmp(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['train', 'eval', 'inspect', 'run', 'bench', 'compare', 'report', 'demo']) {
    assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
    const h = nmp([c, '--help']);
    assert.equal(h.code, 0, c);
    assert.match(h.stdout, new RegExp(`^nmp ${c}`));
  }
});

test('cli › train -> inspect -> eval -> run -> bench -> report, each a subprocess', () => {
  const model = join(dir, 'letter.nmp');
  const t = nmp(['train', letterCsv, '--target', 'lettr', ...SMALL, '-o', model, '--json']);
  assert.equal(t.code, 0, t.stderr);
  const summary = JSON.parse(t.stdout);
  assert.equal(summary.deployment.mismatches, 0);
  assert.ok(summary.deployment.rows > 0);
  assert.match(t.stderr, /\nepoch 1\/3 .*wbits .*abits/);
  assert.ok(!existsSync(`${model}.ckpt`), 'the checkpoint is removed after success');
  const decoded = readModel(new Uint8Array(readFileSync(model)));
  assert.equal(decoded.meta.targetColumn, 'lettr');

  const i = nmp(['inspect', model]);
  assert.equal(i.code, 0, i.stderr);
  assert.match(i.stdout, /16x64/);
  assert.match(i.stdout, /test_accuracy/);
  assert.equal(JSON.parse(nmp(['inspect', model, '--json']).stdout).summary.layers.length, 3);

  const e = nmp(['eval', model, letterCsv, '--json']);
  assert.equal(e.code, 0, e.stderr);
  const ev = JSON.parse(e.stdout);
  assert.equal(ev.rows, 3000);
  assert.ok(ev.accuracy > 0 && ev.accuracy <= 1);
  assert.equal(ev.confusion.length, 26);
  const scalarEval = JSON.parse(nmp(['eval', model, letterCsv, '--json', '--backend', 'scalar']).stdout);
  assert.equal(scalarEval.accuracy, ev.accuracy, 'both backends score identically');

  const run = nmp(['run', model, letterCsv]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines[0], 'prediction');
  assert.equal(lines.length, 3001);
  const stdin = nmp(['run', model, '-'], { input: readFileSync(letterCsv, 'utf8') });
  assert.equal(stdin.stdout, run.stdout, 'stdin gives the same predictions');
  // Predictions agree with eval's accuracy.
  const truth = readFileSync(letterCsv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
  const acc = lines.slice(1).filter((p, k) => p === truth[k]).length / truth.length;
  assert.equal(acc, ev.accuracy);

  const b = nmp(['bench', model, '--seconds', '0.2', '--json']);
  assert.equal(b.code, 0, b.stderr);
  const bench = JSON.parse(b.stdout);
  assert.deepEqual(bench.results.map((x: { backend: string }) => x.backend), ['simd', 'scalar']);
  for (const x of bench.results) assert.ok(x.p50us > 0 && x.p99us >= x.p50us && x.memory.total > x.memory.weights);

  const html = join(dir, 'report.html');
  const rep = nmp(['report', model, '-o', html, '--no-bench']);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(readFileSync(html, 'utf8'), /<svg class="chart neurons"/);
});

test('cli › compare trains several methods on one split and writes a report', () => {
  const out = join(dir, 'cmp');
  const r = nmp(['compare', letterCsv, '--target', 'lettr', ...SMALL, '--methods', 'fp32,uniform:2,nmp', '--out-dir', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.deepEqual(res.rows.map((x: { method: string }) => x.method), ['fp32', 'uniform:2', 'nmp']);
  const u2 = res.rows[1];
  assert.ok(Math.abs(u2.avgWeightBits - 2) < 1e-9, `uniform:2 stores 2-bit weights, got ${u2.avgWeightBits}`);
  assert.ok(res.rows[2].bytes < res.rows[0].bytes, 'NMP model smaller than the fp32 export');
  assert.ok(existsSync(join(out, 'report.html')));
});

test('cli › compare gives the same models whether it trains one or two at a time', () => {
  const models = (jobs: string) => {
    const out = join(dir, `jobs${jobs}`);
    const r = nmp(['compare', letterCsv, '--target', 'lettr', ...SMALL, '--methods', 'uniform:4,nmp,layer', '--out-dir', out, '--jobs', jobs]);
    assert.equal(r.code, 0, r.stderr);
    if (jobs === '2') assert.match(r.stderr, /\[nmp\] epoch 1\/3/);
    return ['uniform_4', 'nmp', 'layer'].map((m) => readModel(new Uint8Array(readFileSync(join(out, `${m}.nmp`)))));
  };
  const one = models('1'), two = models('2');
  one.forEach((m, i) => {
    assert.deepEqual(two[i].layers, m.layers, `method ${i}: same weights and quantisers`);
    assert.deepEqual(two[i].meta.provenance.metrics, m.meta.provenance.metrics);
  });
});

test('cli › demo (the main job) runs end to end', () => {
  const r = nmp(['demo', '--float-epochs', '1', '--epochs', '1', '--hidden', '16,16', '--out-dir', join(dir, 'demo')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /bit-exact: runtime \(simd, scalar\) equals the trainer on all \d+ test output accumulators/);
  assert.ok(existsSync(join(dir, 'demo', 'report.html')));
});

test('cli › unknown command or flag suggests the nearest', () => {
  userError(nmp(['trian']), 2, /unknown command 'trian' - did you mean 'train'\?/);
  userError(nmp(['train', letterCsv, '--target', 'lettr', '--epoch', '3']), 2, /unknown option --epoch .* did you mean --epochs\?/);
  userError(nmp(['inspect']), 2, /needs <model>/);
});

test('cli › missing file, CSV without the target column, a file that is not a model', () => {
  userError(nmp(['train', join(dir, 'nope.csv'), '--target', 'y']), 1, /nope\.csv: file does not exist/);
  userError(nmp(['train', letterCsv, '--target', 'label']), 1, /target column "label" not found - got columns "lettr"/);
  userError(nmp(['inspect', letterCsv]), 1, /not a valid nmp-edge model: .*E_MSGPACK/);
  userError(nmp(['eval', join(dir, 'missing.nmp'), letterCsv]), 1, /no such file or directory: .*missing\.nmp/);
});

test('cli › --target-bits 0 and other bad numbers are usage errors', () => {
  userError(nmp(['train', letterCsv, '--target', 'lettr', '--target-bits', '0']), 2, /--target-bits must be a positive number - got 0/);
  userError(nmp(['train', letterCsv, '--target', 'lettr', '--target-bits', '0.01']), 2, /--target-bits 0\.01 is below the smallest feasible average 0\.\d+/);
  userError(nmp(['train', letterCsv, '--target', 'lettr', '--target-bytes', '3000']), 2, /--target-bytes 3000 is below the smallest feasible model of \d+ bytes/);
  userError(nmp(['train', letterCsv, '--target', 'lettr', '--method', 'uniform:2', '--target-bits', '1.5']), 2, /--target-bits applies to the learned methods/);
  userError(nmp(['train', letterCsv, '--target', 'lettr', '--method', 'fp32', '--quant', 'weights']), 2, /--quant does not apply to --method fp32/);
  userError(nmp(['train', letterCsv, '--target', 'lettr', '--epochs', 'many']), 2, /--epochs needs a number, got 'many'/);
  userError(nmp(['train', letterCsv, '--target', 'lettr', '--method', 'uniform:5']), 2, /unknown method 'uniform:5'/);
});

test('cli › output in a missing directory fails before training, and writes nothing', () => {
  const t0 = Date.now();
  userError(nmp(['train', letterCsv, '--target', 'lettr', '-o', join(dir, 'no', 'such', 'm.nmp')]), 1, /directory .* does not exist/);
  assert.ok(Date.now() - t0 < 20_000);
});

function tryMount(path: string, options: string): boolean {
  mkdirSync(path, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', path]).status === 0;
}

test('cli › disk full or read-only output: a clear error and no partial file', (t) => {
  const full = join(dir, 'full'), ro = join(dir, 'ro');
  if (!tryMount(full, 'size=12k')) return t.skip('cannot mount a small tmpfs here (needs root)');
  try {
    const r = nmp(['train', letterCsv, '--target', 'lettr', ...SMALL, '-o', join(full, 'm.nmp')]);
    userError({ ...r, stderr: r.stderr.split('\n').filter((l) => l.startsWith('nmp:')).join('\n') + '\n' }, 1, /no space left on device/);
    assert.deepEqual(readdirSync(full), [], 'neither a partial model nor a temp file is left');
  } finally {
    spawnSync('umount', [full]);
  }
  if (!tryMount(ro, 'ro,size=12k')) return;
  try {
    userError(nmp(['train', letterCsv, '--target', 'lettr', '-o', join(ro, 'm.nmp')]), 1, /is not writable/);
  } finally {
    spawnSync('umount', [ro]);
  }
});

test('cli › Ctrl-C during training leaves no model, the checkpoint survives, --resume finishes', async () => {
  const model = join(dir, 'int.nmp');
  const args = [NMP, 'train', letterCsv, '--target', 'lettr', '--hidden', '24,24', '--float-epochs', '0', '--epochs', '25', '--seed', '4', '-o', model];
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  const deadline = Date.now() + 60_000;
  while (!existsSync(`${model}.ckpt`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(existsSync(`${model}.ckpt`), `a checkpoint appeared; stderr: ${stderr}`);
  child.kill('SIGINT');
  const code = await exited;
  assert.notEqual(code, 0, 'interrupted run fails');
  assert.ok(!existsSync(model), 'no partial model');
  assert.ok(existsSync(`${model}.ckpt`), 'the checkpoint survives');
  const resumed = nmp(['train', letterCsv, '--target', 'lettr', '--hidden', '24,24', '--float-epochs', '0', '--epochs', '25', '--seed', '4', '-o', model, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const firstEpoch = /epoch (\d+)\/25/.exec(resumed.stderr);
  assert.ok(firstEpoch && Number(firstEpoch[1]) > 1, `resumed after epoch 1, not from scratch: ${resumed.stderr.slice(0, 300)}`);
  assert.ok(existsSync(model));
});
