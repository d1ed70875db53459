/**
 * @fileoverview `npm run mcu`: nohost.wasm on an emulated Cortex-M4 and under wasm2c on this machine. For Letter-size
 * models (16-256-256-26) at each weight width it translates the module with wasm2c, builds runtime/mcu/ with Debian's
 * gcc-arm-none-eabi (hard-float, newlib-nano + semihosting), model and inputs in flash, linear memory a static array of
 * exactly the bytes the model uses, runs it under `qemu-system-arm -M mps2-an386 -icount`, checks every output bit
 * against formats' reference, and prints flash, RAM and instructions per MAC; then the hosted wasm2c latency per width.
 * Figures, never assertions: the table goes to runtime/mcu/README.md. Options: --opt O2|Os (default O2), --rows N.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argmax, dequantizeOutput, forwardCodes, quantizeInput } from '../../formats/reference/forward.js';
import { BIT_MIXES, buildBenchModel, inputs, modelMacs, packedWeightBytes, randomFloatMlp, type BenchModel } from './models.js';
import { buildHostedWasm2c, hasCommand, HOST_SOURCES, noHostWasm, repoRoot, translateNoHost, wasm2cBinary, wasm2cMissing, wasmRtInclude } from './wasm2c.js';

const SHAPE = [16, 256, 256, 26]; // Letter: 16 features, 26 classes
// Activations as the trainer deploys them (2-4 bits), and all at 8 bits (where 8-bit weights take the int8 kernel).
const MIXES = ['w1a2-4', 'w2a2-4', 'w4a2-4', 'w8a2-4', 'mix-a2-4', 'w1a8', 'w2a8', 'w4a8', 'w8a8'];
const ARM = ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16'];
// icount shift 7: 128 ns of virtual time per instruction = 3.2 ticks of the 25 MHz SysTick, so ticks / 3.2 is exact
// to +-1 instruction per interval (calibrated at run time by a loop of known length, not assumed).
const ICOUNT_SHIFT = 7;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

function sh(cmd: string, args: string[], what: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = (e as { stderr?: string }).stderr?.split('\n').slice(0, 8).join('\n') ?? String(e);
    throw new Error(`${what}: ${cmd} failed:\n${err}`);
  }
}

/** nmp_used_bytes of `bytes` under V8 (the RAM the module touches; the MCU's static memory is sized to it). */
function usedBytes(bytes: Uint8Array): number {
  const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(noHostWasm)), {}).exports as Record<string, CallableFunction> & { memory: WebAssembly.Memory };
  const p = x.nmp_alloc(bytes.length) as number;
  new Uint8Array(x.memory.buffer).set(bytes, p);
  const code = x.nmp_load(p, bytes.length) as number;
  if (code) throw new Error(`nohost.wasm rejects the benchmark model: code ${code}`);
  return x.nmp_used_bytes() as number;
}

/** float32 bit patterns (hex) of the reference outputs of row `x`. */
function referenceBits(bm: BenchModel, x: number[]): string[] {
  const y = dequantizeOutput(bm.model, forwardCodes(bm.model, quantizeInput(bm.model, x)).acc);
  const f = new Float32Array(y), u = new Uint32Array(f.buffer);
  return Array.from(u, (v) => v.toString(16).padStart(8, '0'));
}

interface McuRow {
  mix: string; fileBytes: number; packed: number; macs: number;
  flashCode: number; flashModel: number; ramStatic: number; ramMemory: number; stack: number; heap: number;
  instrPerPredict: number; instrPerMac: number; loadInstr: number; exact: boolean;
}

function runMcu(dir: string, bm: BenchModel, rows: number[][], opt: string, nohostObj: string): McuRow {
  const name = bm.mix.name;
  const used = usedBytes(bm.bytes);
  const capacity = (used + 15) & ~15;
  const data = `#include <stdint.h>\n` +
    `__attribute__((aligned(16))) const uint8_t nmp_model[] = {${Array.from(bm.bytes).join(',')}};\n` +
    `const uint32_t nmp_model_len = ${bm.bytes.length}, nmp_rows = ${rows.length};\n` +
    `const double nmp_inputs[] = {${rows.flat().map((v) => v.toPrecision(17)).join(',')}};\n`;
  const dataC = join(dir, `${name}.data.c`), elf = join(dir, `${name}.elf`), map = join(dir, `${name}.map`);
  writeFileSync(dataC, data);
  const inc = wasmRtInclude()!;
  sh('arm-none-eabi-gcc', [...ARM, `-${opt}`, '-std=gnu11', '-ffunction-sections', '-fdata-sections', '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0',
    `-DNMP_MEMORY_BYTES=${capacity}`, `-DNMP_MAX_OUTPUTS=${SHAPE.at(-1)}`, '-DNMP_NO_MAIN', `-I${dir}`, `-I${inc}`, `-I${join(repoRoot, 'runtime/wasm2c')}`,
    ...['runtime/mcu/startup.c', 'runtime/mcu/main.c'].map((p) => join(repoRoot, p)), ...HOST_SOURCES, nohostObj, dataC,
    '-nostartfiles', '--specs=nano.specs', '--specs=rdimon.specs', '-T', join(repoRoot, 'runtime/mcu/mps2-an386.ld'),
    '-Wl,--gc-sections', `-Wl,-Map=${map}`, '-lm', '-o', elf], `building ${name} for Cortex-M4`);
  const size = /\n\s*(\d+)\s+(\d+)\s+(\d+)/.exec(sh('arm-none-eabi-size', [elf], 'size'))!;
  const [text, dataB, bss] = [Number(size[1]), Number(size[2]), Number(size[3])];
  const q = spawnSync('qemu-system-arm', ['-M', 'mps2-an386', '-nographic', '-monitor', 'none', '-serial', 'none',
    '-semihosting-config', 'enable=on,target=native', '-icount', `shift=${ICOUNT_SHIFT}`, '-kernel', elf], { encoding: 'utf8', timeout: 300_000 });
  const out = q.stdout;
  if (q.status !== 0 || /^error/m.test(out)) throw new Error(`qemu ${name}: exit ${q.status}, ${q.error ?? ''}\n${out.slice(-500)}${q.stderr}`);
  const cal = /calibrate empty (\d+) spin2m (\d+)/.exec(out)!;
  const ticksPerInstr = (Number(cal[2]) - Number(cal[1])) / 2e6;
  const load = /load ticks (\d+) used (\d+)/.exec(out)!;
  if (Number(load[2]) !== used) throw new Error(`${name}: nmp_used_bytes ${load[2]} on the M4, ${used} under V8`);
  const rowLines = [...out.matchAll(/^row (\d+) best (-?\d+) ticks (\d+) y((?: [0-9a-f]{8})+)$/gm)];
  let exact = rowLines.length === rows.length;
  const ticks: number[] = [];
  for (const m of rowLines) {
    const r = Number(m[1]);
    const want = referenceBits(bm, rows[r]!);
    const got = m[4]!.trim().split(' ');
    if (got.join() !== want.join() || Number(m[2]) !== argmax(dequantizeOutput(bm.model, forwardCodes(bm.model, quantizeInput(bm.model, rows[r]!)).acc))) {
      exact = false;
      console.error(`${name} row ${r}: Cortex-M4 ${got.join(' ')}\n${' '.repeat(name.length)} reference  ${want.join(' ')}`);
    }
    ticks.push(Number(m[3]));
  }
  ticks.sort((a, b) => a - b);
  const instr = Math.round(ticks[(ticks.length - 1) >> 1]! / ticksPerInstr);
  const sm = /stack (\d+) heap (\d+)/.exec(out)!;
  const macs = modelMacs(bm.model);
  return {
    mix: name, fileBytes: bm.bytes.length, packed: packedWeightBytes(bm.model), macs,
    flashCode: text + dataB - bm.bytes.length - rows.length * rows[0]!.length * 8, flashModel: bm.bytes.length,
    ramStatic: dataB + bss - capacity, ramMemory: capacity, stack: Number(sm[1]), heap: Number(sm[2]),
    instrPerPredict: instr, instrPerMac: instr / macs, loadInstr: Math.round(Number(load[1]) / ticksPerInstr), exact,
  };
}

/** Median microseconds per nmp_predict of the hosted wasm2c build over `rows`. */
function hostedLatency(bin: string, dir: string, bm: BenchModel, rows: number[][]): number {
  const f = join(dir, `${bm.mix.name}.nmp`), csv = join(dir, `${bm.mix.name}.csv`);
  writeFileSync(f, bm.bytes);
  writeFileSync(csv, rows.map((x) => x.map((v) => v.toPrecision(17)).join(',')).join('\n') + '\n');
  const r = spawnSync(bin, [f, csv], { encoding: 'utf8' });
  const m = /median ([\d.]+) us/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`wasm2c host on ${bm.mix.name}: exit ${r.status}: ${r.stderr}`);
  return Number(m[1]);
}

function main(): void {
  const opt = arg('--opt', 'O2');
  const nRows = Number(arg('--rows', '4'));
  const missing = wasm2cMissing() ?? (['arm-none-eabi-gcc', 'qemu-system-arm'].filter((c) => !hasCommand(c)).join(', ') || null);
  if (missing) {
    console.error(`npm run mcu: ${missing} missing (Debian: apt-get install wabt gcc gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)`);
    process.exit(2);
  }
  const dir = join(repoRoot, 'build/mcu');
  mkdirSync(dir, { recursive: true });
  translateNoHost(dir);
  const inc = wasmRtInclude()!;
  const nohostObj = join(dir, `nohost-${opt}.o`);
  // The translation is the slow compile: once, shared by every model (its memory size lives in wasm-rt-static.c).
  sh('arm-none-eabi-gcc', [...ARM, `-${opt}`, '-std=gnu11', '-ffunction-sections', '-fdata-sections', '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0',
    `-I${dir}`, `-I${inc}`, '-c', join(dir, 'nohost.c'), '-o', nohostObj], 'compiling nohost.c for Cortex-M4');
  const models = MIXES.map((n) => buildBenchModel(randomFloatMlp(SHAPE, 1), BIT_MIXES.find((m) => m.name === n)!, 1));
  const toRows = (x: Float32Array, n: number) => Array.from({ length: n }, (_, s) => Array.from(x.subarray(s * SHAPE[0]!, (s + 1) * SHAPE[0]!)));
  const rows = toRows(inputs(nRows, SHAPE[0]!, 7), nRows);

  console.log(`Cortex-M4 (qemu mps2-an386, -icount shift=${ICOUNT_SHIFT}), wasm2c ${sh(wasm2cBinary()!, ['--version'], 'wasm2c').trim()}, ` +
    `${sh('arm-none-eabi-gcc', ['-dumpversion'], 'gcc').trim()} -${opt}, bounds checks on; ${SHAPE.join('-')} random models, ${nRows} rows each\n`);
  console.log('| model | file B | packed weights B | flash B: code + model = total | RAM B: static + linear memory + stack + heap = total | instr / predict | instr / MAC | nmp_load instr | bit-exact |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const res: McuRow[] = [];
  for (const bm of models) {
    const r = runMcu(dir, bm, rows, opt, nohostObj);
    res.push(r);
    const ram = r.ramStatic + r.ramMemory + r.stack + r.heap;
    console.log(`| ${r.mix} | ${r.fileBytes} | ${r.packed} | ${r.flashCode} + ${r.flashModel} = ${r.flashCode + r.flashModel} | ` +
      `${r.ramStatic} + ${r.ramMemory} + ${r.stack} + ${r.heap} = ${ram} | ${r.instrPerPredict} | ${r.instrPerMac.toFixed(2)} | ${r.loadInstr} | ${r.exact ? 'yes' : 'NO'} |`);
  }
  const by = (n: string) => res.find((r) => r.mix === n)!.instrPerMac;
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const f2 = (n: string) => by(n).toFixed(2);
  console.log(`\ntargets (issue 13, Cortex-M4, bounds checks on), activations a2-4 | a8:`);
  for (const a of ['a2-4', 'a8']) {
    const [w1, w2, w4, w8] = [1, 2, 4, 8].map((b) => `w${b}${a}`) as [string, string, string, string];
    console.log(`- ${a}: <= 4 instr/MAC at 1-2 bits: ${f2(w1)}, ${f2(w2)} ${verdict(by(w1) <= 4 && by(w2) <= 4)}; <= 8 at 4 bits: ${f2(w4)} ` +
      `${verdict(by(w4) <= 8)}; falling with bits (${f2(w1)} ${f2(w2)} ${f2(w4)} ${f2(w8)}): ${verdict(by(w1) <= by(w2) && by(w2) <= by(w4) && by(w4) <= by(w8))}`);
  }
  console.log(`- every output bit-exact: ${verdict(res.every((r) => r.exact))}`);

  const hostRows = toRows(inputs(2000, SHAPE[0]!, 9), 2000);
  const bin = buildHostedWasm2c(join(dir, 'hosted'));
  // The VM is shared: alternate the models for several rounds and keep each one's least disturbed median.
  const ROUNDS = 5;
  const lat = models.map((bm) => ({ mix: bm.mix.name, us: Infinity }));
  for (let round = 0; round < ROUNDS; round++) {
    models.forEach((bm, i) => (lat[i]!.us = Math.min(lat[i]!.us, hostedLatency(bin, dir, bm, hostRows))));
  }
  console.log(`\nwasm2c on this machine (gcc -O2, bounds checks on), us per nmp_predict: the lowest of ${ROUNDS} alternating rounds' medians over ${hostRows.length} rows:`);
  console.log(`| ${lat.map((l) => l.mix).join(' | ')} |\n|${lat.map(() => '---').join('|')}|\n| ${lat.map((l) => l.us.toFixed(1)).join(' | ')} |`);
  const us = (n: string) => lat.find((l) => l.mix === n)!.us;
  for (const a of ['a2-4', 'a8']) {
    const faster = [1, 2, 4].map((b) => us(`w${b}${a}`) < us(`w8${a}`));
    console.log(`- ${a}: wasm2c 1-, 2- and 4-bit each faster than 8-bit: ${verdict(faster.every((f) => f))}`);
  }
  if (!res.every((r) => r.exact)) process.exit(1);
}

main();
