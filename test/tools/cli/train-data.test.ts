/**
 * @fileoverview `nmp train` on real-world CSVs as a data scientist meets them (issue 16): R's NA and other missing-value
 * tokens, imputation flags and their report, text columns (encoded by the model), task inference, held-out files and
 * splits, flags a method cannot use, progress. Small generated files, tiny networks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../support/paths.js';
import { readModel } from '../../../formats/read.js';
import { loadModel, RawRowError } from '../../../runtime/index.js';

const NMP = `${repoRoot}dist/tools/cli/nmp.js`;
const dir = mkdtempSync(join(tmpdir(), 'nmp-cli-data-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const TINY = ['--hidden', '8', '--float-epochs', '1', '--epochs', '1', '--seed', '2'];

function nmp(args: string[]) {
  const r = spawnSync(process.execPath, [NMP, ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit code, and a one-line message (no stack trace) matching `pattern`. */
function fails(r: ReturnType<typeof nmp>, code: number, pattern: RegExp) {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** As R's write.csv(df, row.names = FALSE) writes it: quoted header and strings, NA for missing numbers. */
function rCsv(rows: number, na: (i: number) => boolean): { path: string; meanOfA: number; missing: number } {
  const lines = ['"a","b","y"'];
  let sum = 0, n = 0, missing = 0;
  for (let i = 0; i < rows; i++) {
    const a = (i * 7) % 13, b = (i * 5) % 11;
    if (na(i)) missing++;
    else { sum += a; n++; }
    lines.push(`${na(i) ? 'NA' : a},${b},"${a + b > 12 ? 'high' : 'low'}"`);
  }
  return { path: file(`r${rows}.csv`, lines.join('\n') + '\n'), meanOfA: sum / n, missing };
}

test("cli data › R's NA: an error naming file, line, column and --impute; --impute mean fills and reports per column", () => {
  const r = rCsv(120, (i) => i % 10 === 3);
  fails(nmp(['train', r.path, '--target', 'y', ...TINY]), 1, /r120\.csv: line 5, column "a": missing value \(NA\) - expected a number; pass --impute mean/);
  assert.doesNotMatch(nmp(['train', r.path, '--target', 'y']).stderr, /impute: '/, 'the hint names the flag, not the library option');
  const ok = nmp(['train', r.path, '--target', 'y', '--impute', 'mean', ...TINY, '-o', join(dir, 'mean.nmp')]);
  assert.equal(ok.code, 0, ok.stderr);
  const line = /imputed missing cells by mean: a (\d+) \(filled ([-\d.e]+)\)/.exec(ok.stderr);
  assert.ok(line, ok.stderr);
  assert.equal(Number(line[1]), r.missing);
  assert.ok(Math.abs(Number(line[2]) - r.meanOfA) < 1e-4, `fill ${line[2]} is the mean ${r.meanOfA}`);
});

test('cli data › --impute drop and median; --na lists the tokens; bad --impute is a usage error', () => {
  const r = rCsv(100, (i) => i % 5 === 0);
  const drop = nmp(['train', r.path, '--target', 'y', '--impute', 'drop', ...TINY, '-o', join(dir, 'drop.nmp')]);
  assert.equal(drop.code, 0, drop.stderr);
  assert.match(drop.stderr, new RegExp(`dropped ${r.missing} rows with missing cells \\(missing per column: a ${r.missing}\\)`));
  assert.match(drop.stderr, new RegExp(`${100 - r.missing} rows, 2 features`));
  const median = nmp(['train', r.path, '--target', 'y', '--impute', 'median', ...TINY, '-o', join(dir, 'median.nmp')]);
  assert.equal(median.code, 0, median.stderr);
  assert.match(median.stderr, /imputed missing cells by median: a 20 \(filled \d+\)/);
  // -999 as the only missing token: NA is then text, and the error says how to count it as missing.
  const sentinel = file('sentinel.csv', 'a,b,y\n-999,1,p\n2,3,q\n4,NA,p\n5,6,q\n');
  fails(nmp(['train', sentinel, '--target', 'y', '--na=-999', '--impute', 'mean', ...TINY]), 1, /line 4, column "b": non-numeric value "NA" - expected a number/);
  fails(nmp(['train', r.path, '--target', 'y', '--impute', 'zero']), 2, /--impute must be one of error, mean, median, most-frequent, drop, got 'zero'/);
  // A row without a target cannot train: an error that names --impute drop.
  const noLabel = file('nolabel.csv', 'a,y\n1,p\n2,NA\n3,q\n');
  fails(nmp(['train', noLabel, '--target', 'y', '--impute', 'mean', ...TINY]), 1, /line 3, target column "y": missing value \(NA\) - expected a label; .*--impute drop/);
});

test('cli data › nmp run and eval: a missing cell is an error saying the model needs every feature', () => {
  const r = rCsv(80, (i) => i % 10 === 3);
  const model = join(dir, 'run.nmp');
  assert.equal(nmp(['train', r.path, '--target', 'y', '--impute', 'mean', ...TINY, '-o', model]).code, 0);
  fails(nmp(['run', model, r.path]), 1, /r80\.csv: line 5, column "a": missing value \(NA\) - expected a number; the model needs every feature/);
  fails(nmp(['eval', model, r.path]), 1, /line 5, column "a": missing value \(NA\)/);
});

test('cli data › free text (more distinct values than categories): the error names file, line, column and value, and suggests --exclude', () => {
  const lines = ['id,"car name",weight,y'];
  for (let i = 0; i < 150; i++) lines.push(`${i},"car ${i}",${1000 + i * 13},${i % 3 === 0 ? 'heavy' : 'light'}`);
  const path = file('cars.csv', lines.join('\n') + '\n');
  fails(nmp(['train', path, '--target', 'y', ...TINY]), 1, /cars\.csv: line 102, column "car name": more than 100 distinct values \("car 100"\) - expected at most 100 categories; .*pass --exclude 'car name' to leave it out/);
  const ok = nmp(['train', path, '--target', 'y', '--exclude', 'car name', ...TINY, '-o', join(dir, 'cars.nmp')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /150 rows, 2 features, classification \("y" holds text labels; 2 classes\)/);
  // A model without a category table takes numbers only: text where it expects a number names the column.
  const text = file('cars_text.csv', 'id,weight\n1,heavy\n');
  fails(nmp(['run', join(dir, 'cars.nmp'), text]), 1, /cars_text\.csv: line 2, column "weight": non-numeric value "heavy" - expected a number; the model was trained on numbers in column "weight"/);
});

test('cli data › task inference says why, and asks for --task when an integer target has many values', () => {
  const rows = (k: (i: number) => number) => ['a,b,k', ...Array.from({ length: 90 }, (_, i) => `${i % 7},${(i * 3) % 5},${k(i)}`)].join('\n') + '\n';
  const many = file('many.csv', rows((i) => (i * 37) % 66));
  fails(nmp(['train', many, '--target', 'k', ...TINY]), 2, /cannot tell the task: target "k" holds 66 distinct integers, which may be classes or a quantity - pass --task classification .* or --task regression/);
  const reg = nmp(['train', many, '--target', 'k', '--task', 'regression', ...TINY, '-o', join(dir, 'many.nmp')]);
  assert.equal(reg.code, 0, reg.stderr);
  assert.match(reg.stderr, /90 rows, 2 features, regression \(as --task says\)/);
  const few = file('few.csv', rows((i) => i % 3));
  const cls = nmp(['train', few, '--target', 'k', ...TINY, '-o', join(dir, 'few.nmp')]);
  assert.equal(cls.code, 0, cls.stderr);
  assert.match(cls.stderr, /classification \("k" holds 3 distinct integers, few enough to be classes; 3 classes\)/);
  const real = file('real.csv', rows((i) => i / 4));
  assert.match(nmp(['train', real, '--target', 'k', ...TINY, '-o', join(dir, 'real.nmp')]).stderr, /regression \("k" holds non-integer numbers\)/);
});

test('cli data › regression: progress and final metrics share one name per unit (val_mse in target units)', () => {
  // Targets in the thousands: a standardised MSE would be about a millionth of the MSE in target units.
  const lines = ['a,b,price'];
  for (let i = 0; i < 300; i++) lines.push(`${i % 17},${(i * 7) % 11},${(2000 * (i % 17) + 900 * ((i * 7) % 11) + 137 * (i % 5)) / 4}`);
  const path = file('prices.csv', lines.join('\n') + '\n');
  const r = nmp(['train', path, '--target', 'price', '--method', 'fp32', '--hidden', '16', '--epochs', '3', '--seed', '2', '-o', join(dir, 'prices.nmp')]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /val_acc|\bloss /, 'regression has no accuracy, and its loss is named scaled');
  const best = Number(/best epoch (\d+): val_mse ([\d.e+]+)/.exec(r.stderr)![1]);
  const final = Number(/best epoch \d+: val_mse ([\d.e+]+)/.exec(r.stderr)![1]);
  const progress = Number(new RegExp(`\\nepoch ${best}/3  scaled_loss [\\d.]+  val_mse ([\\d.e+]+)`).exec(r.stderr)![1]);
  // The same quantity in the same units: the float graph and its 8-bit export agree within a small factor.
  assert.ok(progress / final > 0.5 && progress / final < 2, `progress val_mse ${progress} vs final ${final}`);
});

/** Three classes from two integer features; `offset` gives other rows of the same distribution. */
function classes3(name: string, rows: number, offset: number): string {
  const lines = ['a,b,y'];
  for (let i = offset; i < offset + rows; i++) {
    const a = (i * 7) % 13, b = (i * 5) % 11;
    lines.push(`${a},${b},${a + b > 12 ? 'hi' : a + b > 6 ? 'mid' : 'lo'}`);
  }
  return file(name, lines.join('\n') + '\n');
}

test('cli data › --test FILE: the reported test accuracy is the runtime\'s on that file; --val FILE; labels must be known', () => {
  const trainCsv = classes3('tr.csv', 300, 0), testCsv = classes3('te.csv', 50, 1000), valCsv = classes3('va.csv', 40, 2000);
  const model = join(dir, 'files.nmp');
  const t = nmp(['train', trainCsv, '--target', 'y', '--test', testCsv, ...TINY, '-o', model, '--json']);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stderr, /train\/val\/test 270\/30\/50 \(test: .*te\.csv\)/, 'no test share of the data file: 90/10 train/val');
  const e = nmp(['eval', model, testCsv, '--json']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(JSON.parse(t.stdout).metrics.test_accuracy, JSON.parse(e.stdout).accuracy, 'trainer and runtime agree on the test file');
  const both = nmp(['train', trainCsv, '--target', 'y', '--test', testCsv, '--val', valCsv, ...TINY, '-o', model]);
  assert.equal(both.code, 0, both.stderr);
  assert.match(both.stderr, /train\/val\/test 300\/40\/50 \(val: .*va\.csv, test: .*te\.csv\)/);
  const unknown = file('te_unknown.csv', 'a,b,y\n1,2,lo\n3,4,zz\n');
  fails(nmp(['train', trainCsv, '--target', 'y', '--test', unknown, ...TINY]), 1, /te_unknown\.csv: line 3, target column "y": label "zz" is not a class of the training data - expected one of "hi", "lo", "mid"/);
  const otherCols = file('te_cols.csv', 'a,y\n1,lo\n');
  fails(nmp(['train', trainCsv, '--target', 'y', '--test', otherCols, ...TINY]), 1, /te_cols\.csv: line 1: feature column\(s\) "b" not found/);
});

test('cli data › a held-out file with missing cells is filled with the training file\'s values', () => {
  const trainCsv = file('fill_tr.csv', 'a,b,y\n' + Array.from({ length: 60 }, (_, i) => `${i % 2 ? 'NA' : 10},${i % 5},${i % 3 ? 'p' : 'q'}`).join('\n') + '\n');
  const testCsv = file('fill_te.csv', 'a,b,y\nNA,1,p\n10,2,q\n');
  const r = nmp(['train', trainCsv, '--target', 'y', '--test', testCsv, '--impute', 'mean', ...TINY, '-o', join(dir, 'fill.nmp')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /fill_tr\.csv: imputed missing cells by mean: a 30 \(filled 10\)/);
  assert.match(r.stderr, /fill_te\.csv: imputed missing cells by the training file's mean: a 1 \(filled 10\)/);
});

test('cli data › --split and --stratify: fractions, what a file replaces, and usage errors before training', () => {
  const trainCsv = classes3('split.csv', 300, 0);
  const s = nmp(['train', trainCsv, '--target', 'y', '--split', '0.7,0.2,0.1', '--stratify', ...TINY, '-o', join(dir, 'split.nmp')]);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stderr, /train\/val\/test 210\/60\/30/);
  const testCsv = classes3('split_te.csv', 20, 500);
  assert.match(nmp(['train', trainCsv, '--target', 'y', '--split', '0.8,0.2,0', '--test', testCsv, ...TINY, '-o', join(dir, 'split2.nmp')]).stderr, /train\/val\/test 240\/60\/20/);
  fails(nmp(['train', trainCsv, '--target', 'y', '--split', '0.7,0.2,0.2']), 2, /--split takes train,val,test fractions 0\.\.1 summing to 1, e\.g\. 0\.8,0\.1,0\.1 - got '0\.7,0\.2,0\.2'/);
  fails(nmp(['train', trainCsv, '--target', 'y', '--split', '0.8,0.1,0.1', '--test', testCsv]), 2, /--split gives 0\.1 of the rows to test, but --test reads it from a file - expected 0\.9,0\.1,0/);
  fails(nmp(['train', trainCsv, '--target', 'y', '--split', '0.9,0.1,0']), 2, /--split leaves no test rows/);
  fails(nmp(['train', trainCsv, '--target', 'y', '--split', '0.9,0,0.1']), 2, /--split leaves no validation rows/);
  const reg = file('split_reg.csv', 'a,y\n' + Array.from({ length: 40 }, (_, i) => `${i},${i / 3}`).join('\n') + '\n');
  fails(nmp(['train', reg, '--target', 'y', '--stratify']), 2, /--stratify applies to classification .* this task is regression/);
  fails(nmp(['train', trainCsv, '--target', 'y', '--schedule', 'linear']), 2, /--schedule must be cosine or constant, got 'linear'/);
});

test('cli data › nmp train --help groups its flags', () => {
  const h = nmp(['train', '--help']);
  assert.equal(h.code, 0);
  const headings = h.stdout.split('\n').filter((l) => /^[A-Z]\w* options:$/.test(l));
  assert.deepEqual(headings, ['Data options:', 'Model options:', 'Quantisation options:', 'Budget options:', 'Training options:', 'Output options:', 'Other options:']);
  for (const flag of ['--test', '--val', '--split', '--stratify', '--patience', '--lr', '--lr-strength', '--schedule', '--na', '--impute']) assert.match(h.stdout, new RegExp(`\\n  ${flag} `));
});

test('cli data › flags a method cannot use are usage errors before training, naming where they apply', () => {
  const csv = classes3('flags.csv', 200, 0);
  const t0 = Date.now();
  fails(nmp(['train', csv, '--target', 'y', '--lr-strength', '0.005']), 2, /--lr-strength does not apply to --method nmp: only nmp-paper learns precision strengths \(it applies to nmp-paper\)/);
  fails(nmp(['train', csv, '--target', 'y', '--method', 'fp32', '--float-epochs', '3']), 2, /--float-epochs does not apply to --method fp32: .*use --epochs/);
  fails(nmp(['train', csv, '--target', 'y', '--method', 'fp32', '--distill', '0.5']), 2, /--distill does not apply to --method fp32/);
  fails(nmp(['train', csv, '--target', 'y', '--method', 'uniform:4', '--allocator', 'hgq']), 2, /--allocator does not apply to --method uniform:4: .*\(it applies to nmp, layer\)/);
  fails(nmp(['train', csv, '--target', 'y', '--method', 'nmp-paper', '--allocator', 'hgq']), 2, /--allocator does not apply to --method nmp-paper/);
  fails(nmp(['train', csv, '--target', 'y', '--method', 'uniform:2', '--prune']), 2, /--prune does not apply to --method uniform:2: fixed-width methods never prune/);
  fails(nmp(['train', csv, '--target', 'y', '--float-epochs', '0', '--distill', '0.3']), 2, /--distill needs a float phase to learn from - got --float-epochs 0/);
  fails(nmp(['train', csv, '--target', 'y', '--quant', 'weights', '--target-act-bits', '4']), 2, /--target-act-bits and --target-input-bits need quantised activations \(--quant weights\+acts\)/);
  fails(nmp(['train', csv, '--target', 'y', '--method', 'uniform:4', '--target-bits', '1.5']), 2, /--target-bits applies to the learned methods \(nmp, layer, nmp-paper\) - method uniform has fixed widths/);
  fails(nmp(['train', csv, '--target', 'y', '--hidden', '64', '--target-bytes', '300']), 2, /--target-bytes 300 is below the smallest feasible model of \d+ bytes/);
  assert.ok(Date.now() - t0 < 30_000, 'no training ran');
  // nmp-paper takes the strength learning rate.
  const paper = nmp(['train', csv, '--target', 'y', '--method', 'nmp-paper', '--lr-strength', '0.005', ...TINY, '-o', join(dir, 'paper.nmp')]);
  assert.equal(paper.code, 0, paper.stderr);
});

test('cli data › small data: warnings on stderr about steps per epoch and test rows, and training goes on', () => {
  const csv = classes3('smalldata.csv', 200, 0);
  const r = nmp(['train', csv, '--target', 'y', '--batch-size', '64', ...TINY, '-o', join(dir, 'smalldata.nmp')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: 160 training rows at batch size 64 give 3 optimiser steps per epoch \(fewer than 10\); --batch-size 16 or less gives 10/);
  assert.match(r.stderr, /warning: the test split has 20 rows: one row moves test accuracy by 5\.0 %; --test FILE or a larger --split test share/);
  assert.match(r.stdout, /^wrote /);
  const big = classes3('bigtest.csv', 120, 3000);
  const quiet = nmp(['train', classes3('middata.csv', 500, 0), '--target', 'y', '--test', big, ...TINY, '-o', join(dir, 'smalldata2.nmp')]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /warning: the test split/);
  assert.doesNotMatch(quiet.stderr, /optimiser steps per epoch/, '450 rows at the default batch size (32) give 15 steps');
});

test('cli data › progress: a live bar on a terminal, plain lines otherwise', (t) => {
  const csv = classes3('progress.csv', 2000, 0);
  const args = ['train', csv, '--target', 'y', '--hidden', '16', '--float-epochs', '1', '--epochs', '2', '--batch-size', '32', '-o', join(dir, 'progress.nmp')];
  const plain = nmp(args);
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stderr, /\r|\x1b|rows {2}ETA|warm-up/, 'no control codes, bar or terminal label in a log');
  assert.match(plain.stderr, /\nepoch 1\/2 {2}loss [\d.]+ {2}val_accuracy [\d.]+ {2}wbits [\d.]+ {2}abits [\d.]+ {2}\d+ samples\/s\n/);
  // A pseudo-terminal from util-linux script(1), when the machine has it.
  if (spawnSync('script', ['--version']).status !== 0) return t.skip('no script(1) for a pseudo-terminal');
  const quoted = [process.execPath, NMP, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qefc', quoted, '/dev/null'], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /\r\x1b\[2Kepoch 1\/2 \[#*-+\] 32\/1600 rows {2}ETA \d+s {2}wbits \d\.\d\d {2}abits \d+\.\d\d {2}\(warm-up epoch/);
  assert.match(r.stdout, /\r\x1b\[2Kepoch 1\/2 {2}loss .* samples\/s \(warm-up epoch: slower while the code compiles\)\r?\n/);
  assert.match(r.stdout, /\r\x1b\[2Kepoch 2\/2 {2}loss .* samples\/s\r?\n/, 'later epochs are not labelled');
});

/** Cars as R writes them: quoted text; the label depends on fuel (a text column) and weight. */
function cars(name: string, rows: number, offset: number, extra: string[] = []): string {
  const fuel = ['diesel', 'petrol', 'electric'];
  const lines = ['"weight","fuel","doors","y"'];
  for (let i = offset; i < offset + rows; i++) {
    const w = 1000 + ((i * 37) % 900), f = fuel[(i * 7) % 3];
    lines.push(`${w},"${f}",${[2, 4, 5][i % 3]},"${(f === 'electric' ? w > 1500 : w > 1300) ? 'high' : 'low'}"`);
  }
  return file(name, [...lines, ...extra].join('\n') + '\n');
}

test('cli data › text columns are encoded by the model: nmp run and eval take the raw CSV and agree with the trainer', async () => {
  const trainCsv = cars('cars_tr.csv', 400, 0), testCsv = cars('cars_te.csv', 150, 5000);
  const model = join(dir, 'cars_cat.nmp');
  const t = nmp(['train', trainCsv, '--target', 'y', '--test', testCsv, '--ordinal', 'doors', '--hidden', '16', '--float-epochs', '4', '--epochs', '3', '--seed', '2', '-o', model, '--json']);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stderr, /column "fuel" holds 3 categories \("diesel", "electric", "petrol"\): one-hot, 3 inputs, encoded by the model itself \(--ordinal fuel for one input, --exclude fuel to leave it out\)/);
  assert.match(t.stderr, /column "doors" holds 3 categories \("2", "4", "5"\): ordinal, one input 0\.\.2/);
  assert.match(t.stderr, /400 rows, 5 features/);
  const decoded = readModel(new Uint8Array(readFileSync(model)));
  assert.deepEqual(decoded.meta.featureNames, ['weight', 'fuel=diesel', 'fuel=electric', 'fuel=petrol', 'doors']);
  assert.deepEqual(decoded.meta.categories, [
    { column: 'fuel', encoding: 'one_hot', values: ['diesel', 'electric', 'petrol'], firstInput: 1 },
    { column: 'doors', encoding: 'ordinal', values: ['2', '4', '5'], firstInput: 4 },
  ]);
  assert.match(nmp(['inspect', model]).stdout, /\nraw input  fuel \(one-hot: "diesel", "electric", "petrol"\); doors \(ordinal: "2", "4", "5"\); unknown categories are refused\n/);
  // The trainer's test accuracy is the runtime's on the raw file, through eval and through run's predictions.
  const reported = JSON.parse(t.stdout).metrics.test_accuracy;
  const e = nmp(['eval', model, testCsv, '--json']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(JSON.parse(e.stdout).accuracy, reported);
  const run = nmp(['run', model, testCsv]);
  assert.equal(run.code, 0, run.stderr);
  const predictions = run.stdout.trim().split('\n').slice(1);
  const truth = readFileSync(testCsv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[3].replace(/"/g, ''));
  assert.equal(predictions.filter((p, i) => p === truth[i]).length / truth.length, reported);
  // The host API encodes a raw row with the file's table: the same prediction as nmp run.
  const rt = await loadModel(new Uint8Array(readFileSync(model)));
  assert.deepEqual(rt.info.rawColumns, ['weight', 'fuel', 'doors']);
  const first = readFileSync(testCsv, 'utf8').split('\n')[1].split(',').map((c) => c.replace(/"/g, ''));
  assert.equal(rt.classify(rt.encodeRow({ weight: Number(first[0]), fuel: first[1], doors: first[2] })), predictions[0]);
  assert.throws(() => rt.encodeRow({ weight: 1200, fuel: 'hydrogen', doors: '4' }), (err: unknown) => err instanceof RawRowError && /column "fuel": unknown category "hydrogen" - expected one of "diesel", "electric", "petrol"/.test((err as Error).message));
  rt.dispose();
  // An unknown category in a raw file: an error naming file, line, column, value and the known categories.
  const unknown = cars('cars_unknown.csv', 3, 0, ['1200,"hydrogen",4,"low"']);
  fails(nmp(['run', model, unknown]), 1, /cars_unknown\.csv: line 5, column "fuel": unknown category "hydrogen" - expected one of "diesel", "electric", "petrol"/);
  fails(nmp(['eval', model, unknown]), 1, /line 5, column "fuel": unknown category "hydrogen"/);
  // A held-out file with a category the training file lacks is refused the same way.
  const held = nmp(['train', trainCsv, '--target', 'y', '--test', unknown, ...TINY]);
  assert.equal(held.code, 1, held.stderr);
  assert.match(held.stderr, /\nnmp: .*cars_unknown\.csv: line 5, column "fuel": unknown category "hydrogen"/);
});

test('cli data › numbers with a stray text token are not categories: the error says --na (or --onehot for codes)', () => {
  const csv = file('stray.csv', 'a,b,y\n' + Array.from({ length: 40 }, (_, i) => `${i % 7},${i === 5 ? 'missing' : i % 4},${i % 2 ? 'p' : 'q'}`).join('\n') + '\n');
  fails(nmp(['train', csv, '--target', 'y', ...TINY]), 1, /stray\.csv: line 7, column "b": non-numeric value "missing" - expected a number; .*if "missing" marks a missing value, list it in --na, or --onehot b if its numbers are category codes/);
  const ok = nmp(['train', csv, '--target', 'y', '--na', 'missing', '--impute', 'median', ...TINY, '-o', join(dir, 'stray.nmp')]);
  assert.equal(ok.code, 0, ok.stderr);
});
