/**
 * @fileoverview Paired training-time benchmark of two builds: alternating rounds of the same `nmp train` command on
 * Letter in each build, timed as the child process's CPU time (user + sys), which a busy shared machine disturbs far
 * less than wall time. Prints every round and the ratio new/base (median, min..max over rounds).
 * Run: `node dist/tools/bench/train/cpu.js <base repo root> [rounds] [-- extra train args]`, e.g. with the base
 * commit built in /tmp/speed-base (`git archive <commit> | tar -x -C /tmp/speed-base`, node_modules linked, npm run build).
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('../../../../', import.meta.url));
const CPU_HOOK = 'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("cpu-seconds "+(u.user+u.system)/1e6+"\\n")})';

/** CPU seconds of one `nmp train` on Letter with the build in `root`. */
function trainSeconds(root: string, extra: string[]): number {
  const cli = join(root, 'dist/tools/cli/nmp.js');
  const args = ['--import', CPU_HOOK, cli, 'train', join(HERE, 'tools/data/letter.csv.gz'), '--target', 'lettr', '-o', join(tmpdir(), 'nmp-bench-cpu.nmp'), ...extra];
  const res = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const m = /cpu-seconds ([\d.]+)/.exec(res.stderr);
  if (res.status !== 0 || !m) throw new Error(`${cli} failed (status ${res.status}): ${res.stderr.slice(-2000)}`);
  return Number(m[1]);
}

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const [base, roundsArg] = dash < 0 ? argv : argv.slice(0, dash);
const extra = dash < 0 ? [] : argv.slice(dash + 1);
if (!base) throw new Error('usage: cpu.js <base repo root> [rounds] [-- extra train args]');
const rounds = Number(roundsArg ?? 4);
const ratios: number[] = [];
for (let i = 0; i < rounds; i++) {
  // Alternate which build goes first, so a load change during a round does not favour one side.
  const order = i % 2 === 0 ? [HERE, base] : [base, HERE];
  const t = new Map(order.map((root) => [root, trainSeconds(root, extra)]));
  ratios.push(t.get(HERE)! / t.get(base)!);
  console.log(`round ${i + 1}: new ${t.get(HERE)!.toFixed(2)} s, base ${t.get(base)!.toFixed(2)} s, ratio ${ratios[i].toFixed(3)}`);
}
const sorted = ratios.slice().sort((a, b) => a - b);
const median = sorted.length % 2 ? sorted[sorted.length >> 1] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
console.log(`new/base CPU time: median ${median.toFixed(3)}, ${sorted[0].toFixed(3)}..${sorted[sorted.length - 1].toFixed(3)} over ${rounds} rounds`);
