/**
 * @fileoverview Hostile .nmp files for the C hosts of nohost.wasm (wasm2c, wasm3): truncations, bit flips, and flips and
 * huge msgpack lengths inside a re-sealed body (valid CRC, so they reach the validator), with the verdict each host must
 * give: formats/read.ts's error code and byte offset, exit 0 or 5 (never a trap or crash).
 */
import { readFileSync } from 'node:fs';
import { Unpackr } from 'msgpackr';
import { rng } from '../../../formats/testdata/random.js';
import { encodeEnvelope } from '../../../formats/write.js';
import { tsRead } from '../../../tools/fuzz/readers.js';
import { conformanceVectors } from './exact.js';

/** formats/read.ts's error code, or 'ok'. */
export function tsCode(bytes: Uint8Array): string {
  return tsRead(bytes).verdict.split(' ', 1)[0]!;
}

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' } as ConstructorParameters<typeof Unpackr>[0]);

/** 240 hostile variants of the conformance vector mlp-mixed, from `seed`. */
export function hostileFiles(testdataDir: string, seed: number): { bytes: Uint8Array; what: string }[] {
  const r = rng(seed);
  const out: { bytes: Uint8Array; what: string }[] = [];
  const v = conformanceVectors(testdataDir).find((c) => c.name === 'mlp-mixed')!;
  const body = new Uint8Array((unpackr.unpack(v.bytes) as { body: Uint8Array }).body);
  for (let i = 0; i < 60; i++) {
    const n = Math.floor(r() * v.bytes.length);
    out.push({ bytes: v.bytes.subarray(0, n), what: `truncated to ${n}` });
  }
  for (let i = 0; i < 60; i++) {
    const b = v.bytes.slice(), at = Math.floor(r() * b.length), bit = Math.floor(r() * 8);
    b[at] ^= 1 << bit;
    out.push({ bytes: b, what: `file byte ${at} bit ${bit} flipped` });
  }
  for (let i = 0; i < 120; i++) {
    const b = body.slice(), at = Math.floor(r() * (b.length - 5));
    let what: string;
    if (i % 2) {
      const bit = Math.floor(r() * 8);
      b[at] ^= 1 << bit;
      what = `body byte ${at} bit ${bit} flipped`;
    } else {
      const head = [0xc6, 0xdd, 0xdf, 0xdb, 0xc5, 0xdc][Math.floor(r() * 6)]!; // bin32 array32 map32 str32 bin16 array16
      b.set([head, 0xff, 0xff, 0xff, 0xf0].slice(0, head === 0xc5 || head === 0xdc ? 3 : 5), at);
      what = `body byte ${at}: length head 0x${head.toString(16)} with a huge length`;
    }
    out.push({ bytes: encodeEnvelope(b), what });
  }
  return out;
}

/** The committed invalid-file vectors (SPEC §8.2, formats/testdata/invalid/) and accepted edge cases, as hostile files. */
export function invalidVectorFiles(testdataDir: string): { bytes: Uint8Array; what: string }[] {
  const index = JSON.parse(readFileSync(`${testdataDir}invalid/index.json`, 'utf8')) as { file: string | null }[];
  return index.filter((v) => v.file).map((v) => ({ bytes: new Uint8Array(readFileSync(`${testdataDir}invalid/${v.file}`)), what: `invalid/${v.file}` }));
}

export interface HostileVerdicts { errs: string[]; offsets: string[]; codes: Map<string, number> }

/**
 * Runs every hostile file through `run` (a host process: exit status and stderr) and compares with formats/read.ts:
 * `errs` = wrong verdict, code or exit (a trap or crash included); `offsets` = offsets other than the one formats/read.ts reports (SPEC §7: one offset per invalid file).
 */
export function judgeHostile(files: { bytes: Uint8Array; what: string }[], engine: string, run: (bytes: Uint8Array) => { status: number | null; err: string }): HostileVerdicts {
  const errs: string[] = [], offsets: string[] = [];
  const codes = new Map<string, number>();
  for (const { bytes, what } of files) {
    // formats/read.ts's verdict: 'ok' or '<code> at byte <offset>', as every reader must give it (SPEC §7).
    const verdict = tsRead(bytes).verdict, want = verdict.split(' ', 1)[0]!;
    codes.set(want, (codes.get(want) ?? 0) + 1);
    const r = run(bytes);
    if (want === 'ok') {
      if (r.status !== 0) errs.push(`${what}: formats/read.ts accepts, the ${engine} host exited ${r.status}: ${r.err.trim()}`);
      continue;
    }
    const m = /rejected: (E_[A-Z_]+) at byte (-?\d+)/.exec(r.err);
    if (r.status !== 5 || !m) errs.push(`${what}: expected rejection ${want}, the ${engine} host exited ${r.status}: ${r.err.trim()}`);
    else if (m[1] !== want) errs.push(`${what}: formats/read.ts says ${want}, the ${engine} host says ${m[1]}`);
    else if (`${m[1]} at byte ${m[2]}` !== verdict) offsets.push(`${what}: ${want} at byte ${m[2]}, formats/read.ts says ${verdict} (${bytes.length}-byte file)`);
  }
  return { errs, offsets, codes };
}
