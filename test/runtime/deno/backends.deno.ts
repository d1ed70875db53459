/**
 * @fileoverview Run under Deno by ../deno.test.ts: the same bit-exactness checks as the Node tests, for all three backends
 * (Deno runs relaxed SIMD correctly, so relaxed.wasm is tested here and only here: Node 20 cannot run it), printed as one
 * JSON line per check ({ name, error }) so the Node runner reports them. Not a node:test file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadModel, type Backend } from '../../../runtime/index.js';
import { testdataDir, wasmDir } from '../../support/paths.js';
import { checkPlans, checkRandom, checkVector, conformanceVectors, randomCases } from '../support/exact.js';

const results: { name: string; error: string | null }[] = [];
async function check(name: string, f: () => Promise<string | null>): Promise<void> {
  try {
    results.push({ name, error: await f() });
  } catch (e) {
    results.push({ name, error: `threw ${(e as Error).stack ?? e}` });
  }
}

const deno = (globalThis as { Deno?: { version: { deno: string; v8: string } } }).Deno;
await check('running under Deno', async () => (deno ? null : 'Deno global missing: not running under Deno'));
await check("backend 'auto' picks relaxed (its self-test passes under Deno)", async () => {
  const m = await loadModel(conformanceVectors(testdataDir)[0].bytes);
  return m.info.backend === 'relaxed' ? null : `got ${m.info.backend}`;
});
// relaxed.wasm through the planner with every kernel choice forced: int8 relaxed dots and relaxed table lookups.
for (const force of [undefined, 'dot8', 'lut', 'dot16'] as const) {
  await check(`relaxed › ${force ?? 'measured'} kernels: forward and forward_batch equal forwardCodes`, async () => {
    const r = checkPlans(new Uint8Array(readFileSync(`${wasmDir}relaxed.wasm`)), 'relaxed', force, [21, 22]);
    if (r.error) return r.error;
    const family = force === 'dot8' ? 'dot8' : force === 'lut' ? 'lut' : null;
    return family && !(r.groups[family] > 10) ? `only ${r.groups[family] ?? 0} ${family} groups ran` : null;
  });
}
for (const backend of ['relaxed', 'simd', 'scalar'] as Backend[]) {
  for (const v of conformanceVectors(testdataDir)) {
    await check(`${backend} › conformance ${v.name}`, async () => checkVector(await loadModel(v.bytes, { backend }), v, `deno ${backend} ${v.name}`));
  }
  await check(`${backend} › seeded random models`, async () => {
    for (const rc of randomCases([21])) {
      const err = checkRandom(await loadModel(rc.bytes, { backend }), rc, `deno ${backend} ${rc.label}`);
      if (err) return err;
    }
    return null;
  });
}
// The no-host path of scalar.wasm (nmp_* exports), as a wasm3 host would drive it.
const noHostFile = existsSync(`${wasmDir}nohost.wasm`) ? 'nohost.wasm' : 'scalar.wasm';
const scalar = new WebAssembly.Module(new Uint8Array(readFileSync(`${wasmDir}${noHostFile}`)));
for (const v of conformanceVectors(testdataDir)) {
  await check(`no-host › conformance ${v.name}`, async () => {
    const x = new WebAssembly.Instance(scalar, {}).exports as unknown as Record<string, (...a: number[]) => number> & { memory: WebAssembly.Memory };
    const p = x.nmp_alloc(v.bytes.length);
    new Uint8Array(x.memory.buffer).set(v.bytes, p);
    const code = x.nmp_load(p, v.bytes.length);
    if (code) return `nmp_load returned ${code}`;
    for (const [n, c] of v.cases.entries()) {
      new Float64Array(x.memory.buffer, x.nmp_input(), x.nmp_features()).set(c.x);
      const best = x.nmp_predict();
      const y = new Float32Array(x.memory.buffer, x.nmp_output(), x.nmp_outputs());
      const acc = new Int32Array(x.memory.buffer, x.nmp_accumulators(), x.nmp_outputs());
      for (let j = 0; j < c.acc.length; j++) {
        if (acc[j] !== c.acc[j] || !Object.is(y[j], Math.fround(c.y[j]))) return `case ${n} output ${j}: expected ${c.acc[j]} / ${c.y[j]}, got ${acc[j]} / ${y[j]}`;
      }
      if (best !== c.argmax) return `case ${n}: arg-max expected ${c.argmax}, got ${best}`;
    }
    return null;
  });
}
console.log(JSON.stringify({ deno: deno?.version ?? null, results }));
