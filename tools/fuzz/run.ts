/**
 * @fileoverview `npm run fuzz -- --count 1000000 --seed 7`: differential fuzzing of every model reader (fuzz.ts) for long
 * runs. Prints progress and a final table; failing files are minimised and saved to formats/testdata/fuzz-found/ with
 * each reader's verdict, for test/formats/invalid.test.ts to hold every reader to one verdict on them from then on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { runFuzz, testdataDir, type FuzzStats } from './fuzz.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (!/^[0-9]+$/.test(v ?? '')) throw new Error(`${name} takes a whole number - got '${v}'`);
  return Number(v);
}

const count = arg('--count', 100000), seed = arg('--seed', 1), start = arg('--start', 0);
const foundDir = `${testdataDir}fuzz-found/`;
const line = (s: FuzzStats) => `${s.files} files in ${s.seconds.toFixed(1)} s (${(s.files / s.seconds).toFixed(0)}/s): ${s.accepted} accepted, ${s.crashes} crashes, ${s.hangs} hangs, ${s.disagreements} disagreements, ${s.mismatches} output mismatches`;

const stats = await runFuzz({
  seed, count, start, every: 50000,
  progress: (s) => console.log(line(s)),
  onFailure: (f) => {
    mkdirSync(foundDir, { recursive: true });
    const name = `seed${seed}-${f.index}`;
    writeFileSync(`${foundDir}${name}.nmp`, f.bytes);
    writeFileSync(`${foundDir}${name}.json`, JSON.stringify({ seed, index: f.index, kind: f.kind, detail: f.detail }) + '\n');
    console.log(`${f.kind} at file ${f.index}: ${f.detail} -> formats/testdata/fuzz-found/${name}.nmp`);
  },
});
console.log(line(stats));
console.log(`verdicts: ${Object.entries(stats.codes).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}`);
console.log('| target | figure | |');
console.log('|---|---|---|');
for (const [what, n] of [['crashes', stats.crashes], ['hangs', stats.hangs], ['reader disagreements (verdict, code, offset)', stats.disagreements], ['output mismatches', stats.mismatches]] as const) {
  console.log(`| 0 ${what} | ${n} of ${stats.files} | ${n === 0 ? 'PASS' : 'MISS'} |`);
}
process.exitCode = stats.crashes + stats.hangs + stats.disagreements + stats.mismatches > 0 ? 1 : 0;
