/**
 * @fileoverview Run under Deno by ../deno.test.ts: the same bit-exactness checks as the Node tests, for both backends,
 * printed as one JSON line per check ({ name, error }) so the Node runner reports them. Not a node:test file.
 */
import { loadModel, type Backend } from '../../../runtime/index.js';
import { testdataDir } from '../../support/paths.js';
import { checkRandom, checkVector, conformanceVectors, randomCases } from '../support/exact.js';

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
await check("backend 'auto' picks simd", async () => {
  const m = await loadModel(conformanceVectors(testdataDir)[0].bytes);
  return m.info.backend === 'simd' ? null : `got ${m.info.backend}`;
});
for (const backend of ['simd', 'scalar'] as Backend[]) {
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
console.log(JSON.stringify({ deno: deno?.version ?? null, results }));
