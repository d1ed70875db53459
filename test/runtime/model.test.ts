/**
 * @fileoverview loadModel end to end, both backends, tolerance 0: conformance vectors and seeded random models vs formats'
 * reference; bad input, corrupt files, dispose, memory limit, several live models, memory() and info accounting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadModel, ModelFormatError, RuntimeError, type Backend, type Model } from '../../runtime/index.js';
import { predictReference } from '../../formats/reference/forward.js';
import { readModel } from '../../formats/read.js';
import { randomInputs, randomModel } from '../../formats/testdata/random.js';
import { encodeModel } from '../../formats/write.js';
import { testdataDir, wasmDir } from '../support/paths.js';
import { lutTablesBytes } from '../../runtime/pack.js';
import { BATCH } from '../../runtime/plan.js';
import { checkRandom, checkVector, conformanceVectors, randomCases } from './support/exact.js';

const BACKENDS: Backend[] = ['simd', 'scalar'];
const SEEDS = process.env.SEED ? [Number(process.env.SEED)] : [11, 12];
const vectors = conformanceVectors(testdataDir);
const small = vectors.find((v) => v.name === 'mlp-mixed')!;

for (const backend of BACKENDS) {
  for (const v of vectors) {
    test(`runtime › ${backend} › conformance ${v.name}`, async () => {
      const m = await loadModel(v.bytes, { backend });
      assert.equal(m.info.backend, backend);
      const err = checkVector(m, v, `${backend} ${v.name}`);
      if (err) assert.fail(err);
    });
  }
  test(`runtime › ${backend} › seeded random models equal the reference (re-run with SEED=<n>)`, async () => {
    for (const rc of randomCases(SEEDS)) {
      const m = await loadModel(rc.bytes, { backend });
      const err = checkRandom(m, rc, `${backend} ${rc.label}`);
      if (err) assert.fail(err);
      m.dispose();
    }
  });
}

test("runtime › backend 'auto' picks simd where WebAssembly SIMD validates (Node 20)", async () => {
  const m = await loadModel(small.bytes);
  assert.equal(m.info.backend, WebAssembly.validate(new Uint8Array(readFileSync(`${wasmDir}simd.wasm`))) ? 'simd' : 'scalar');
});

test('runtime › bad input: wrong length is a RangeError with found and expected lengths', async () => {
  const m = await loadModel(small.bytes);
  const F = m.info.features;
  const good = Array.from({ length: F }, (_, i) => i * 0.1);
  assert.throws(() => m.predict(good.slice(1)), (e: Error) => e instanceof RangeError && e.message.includes(`length ${F - 1}, expected ${F}`));
  assert.throws(() => m.predict([...good, 0]), RangeError);
  assert.throws(() => m.classify([]), RangeError);
  assert.throws(() => m.predictAccumulators(new Float32Array(F + 3)), RangeError);
  assert.throws(() => m.predict(null as unknown as number[]), TypeError);
  assert.deepEqual(m.predict(good), predictReference(readModel(small.bytes), good));
});

test('runtime › bad input: NaN, Infinity and non-numbers are RangeErrors naming the index', async () => {
  const m = await loadModel(small.bytes);
  const F = m.info.features;
  const good = Array.from({ length: F }, (_, i) => i * 0.1);
  for (const [i, bad] of [[3, NaN], [0, Infinity], [F - 1, -Infinity], [2, '1' as unknown as number], [1, undefined as unknown as number]] as const) {
    const x = good.slice();
    x[i] = bad;
    const what = String(typeof bad === 'number' ? bad : typeof bad);
    assert.throws(() => m.predict(x), (e: Error) => e instanceof RangeError && e.message.includes(`input[${i}] is ${what}`), `index ${i} ${what}`);
    if (typeof bad === 'number') assert.throws(() => m.predict(Float32Array.from(x)), RangeError);
  }
  const two = new Float64Array(2 * F).fill(0.5);
  two[F + 4] = NaN;
  assert.throws(() => m.predictBatch(two, 2), (e: Error) => e instanceof RangeError && e.message.includes(`inputs[${F + 4}] (feature 4) is NaN`));
  assert.throws(() => m.predictBatch(two, 3), (e: Error) => e instanceof RangeError && e.message.includes(`3 x ${F}`));
  assert.throws(() => m.predictBatch(two, 1.5), RangeError);
  // The model still works after rejected calls.
  assert.deepEqual(m.predict(good), predictReference(readModel(small.bytes), good));
});

test('runtime › corrupted or truncated files throw ModelFormatError before any module is read', async () => {
  // A missing module source proves the order: a ModelFormatError means nothing was fetched, instantiated or written.
  const noWasm = { backend: 'scalar' as const, wasm: { scalar: new URL('file:///nonexistent/scalar.wasm') } };
  const flipped = small.bytes.slice();
  flipped[flipped.length >> 1] ^= 0x40;
  for (const [what, bytes] of [['flipped byte', flipped], ['truncated', small.bytes.subarray(0, small.bytes.length - 9)], ['empty', new Uint8Array(0)], ['garbage', new Uint8Array(100).fill(0xc1)]] as const) {
    await assert.rejects(loadModel(bytes, noWasm), (e: Error) => e instanceof ModelFormatError && e.message.length > 0, what);
  }
  await assert.rejects(loadModel(small.bytes, noWasm), (e: Error) => !(e instanceof ModelFormatError), 'the missing module is reached only by a valid file');
});

test("runtime › 'auto' falls back to scalar when the SIMD build does not validate; 'simd' then fails with E_BACKEND", async () => {
  // An engine without WebAssembly SIMD rejects simd.wasm in WebAssembly.validate; a module that does not validate stands in for it.
  const noSimd = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7a]); // () -> invalid value type
  assert.equal(WebAssembly.validate(noSimd), false);
  const m = await loadModel(small.bytes, { wasm: { simd: noSimd } });
  assert.equal(m.info.backend, 'scalar');
  const err = checkVector(m, small, 'fallback scalar');
  if (err) assert.fail(err);
  await assert.rejects(loadModel(small.bytes, { backend: 'simd', wasm: { simd: noSimd } }), (e: Error) => e instanceof RuntimeError && e.code === 'E_BACKEND');
});

test('runtime › use after dispose() throws RuntimeError E_DISPOSED from every method', async () => {
  const m = await loadModel(small.bytes);
  const x = new Array(m.info.features).fill(0);
  m.dispose();
  assert.equal(m.disposed, true);
  for (const call of [() => m.predict(x), () => m.predictBatch(x, 1), () => m.classify(x), () => m.memory(), () => m.predictAccumulators(x)]) {
    assert.throws(call, (e: Error) => e instanceof RuntimeError && e.code === 'E_DISPOSED');
  }
  m.dispose(); // idempotent
});

test('runtime › a model over the memory limit fails with E_MEMORY_LIMIT and no model; others are unaffected', async () => {
  const big = encodeModel(randomModel({ seed: 8, widths: [512, 256, 3], weightBitsMenu: [8], actBitsMenu: [8], inputBitsMenu: [8] })); // 128 KiB of weights
  for (const backend of BACKENDS) {
    const other = await loadModel(small.bytes, { backend });
    const before = other.predict(small.cases[0].x);
    await assert.rejects(loadModel(big, { backend, maxMemoryBytes: 65536 }), (e: Error) => e instanceof RuntimeError && e.code === 'E_MEMORY_LIMIT' && /needs \d+ bytes .* limit is 65536/.test(e.message));
    const ok = await loadModel(big, { backend, maxMemoryBytes: 1 << 20 });
    assert.ok(ok.memory().linearMemory <= 1 << 20);
    assert.deepEqual(other.predict(small.cases[0].x), before);
  }
  await assert.rejects(loadModel(small.bytes, { maxMemoryBytes: 0 }), RangeError);
  await assert.rejects(loadModel(small.bytes, { backend: 'gpu' as Backend }), RangeError);
});

test('runtime › several models live at once without interfering (interleaved calls, both backends)', async () => {
  const rcs = randomCases([31]).slice(0, 4);
  const live: { m: Model; i: number }[] = [];
  for (const [i, rc] of rcs.entries()) for (const backend of BACKENDS) live.push({ m: await loadModel(rc.bytes, { backend }), i });
  for (let s = 0; s < 6; s++) {
    for (const { m, i } of live) {
      const x = rcs[i].inputs[s];
      assert.deepEqual(m.predict(x), predictReference(rcs[i].decoded, x), `model ${i} ${m.info.backend} sample ${s}`);
    }
  }
});

test('runtime › memory() is exact: parts sum to the arena, linear memory is whole pages, module is the .wasm size', async (t) => {
  const mi = randomModel({ seed: 5, widths: [54, 256, 256, 7], weightBitsMenu: [1, 2, 4, 8], actBitsMenu: [8], inputBitsMenu: [8] });
  const bytes = encodeModel(mi);
  for (const backend of BACKENDS) {
    const m = await loadModel(bytes, { backend });
    const r = m.memory();
    assert.equal(r.weights + r.params + r.activations + r.scratch + r.batch + r.alignment, r.total);
    assert.equal(r.total % 16, 0);
    assert.equal(r.linearMemory % 65536, 0);
    assert.ok(r.linearMemory >= r.total);
    assert.equal(r.module, readFileSync(`${wasmDir}${backend}.wasm`).length);
    assert.equal(r.weights, m.info.layers.reduce((s, l) => s + l.kernelBytes, 0));
    // Activation buffers of one sample are exactly: int16 inputs per layer (SIMD: padded to 128; layer 0 a second, offset
    // copy when it reads tables) or bit planes (scalar), each table layer's lookup tables, plus int32 outputs.
    const tables = (l: number, k: number) => {
      const lut = m.info.layers[l].kernels.find((g) => g.kernel.startsWith('lut'));
      return lut ? lutTablesBytes(k, Number(/a(\d+)/.exec(lut.kernel)![1])) + (l === 0 ? 2 * 128 : 0) : 0;
    };
    const acts = backend === 'simd'
      ? [54, 256, 256].reduce((s, k, l) => s + 2 * Math.ceil(k / 128) * 128 + tables(l, k), 0) + 4 * 7
      : 2 * 54 + [[54, 8], [256, 8], [256, 8]].reduce((s, [k, a]) => s + Math.ceil(k / 64) * a * 8, 0) + 4 * 7;
    assert.equal(r.activations, acts);
    // Samples 2..BATCH of every per-sample buffer (16-byte strides): inputs, layer inputs, outputs, accumulators (n + 16).
    const stride = (n: number) => Math.ceil(n / 16) * 16;
    const perSample = backend === 'simd'
      ? [54, 256, 256].reduce((s, k, l) => s + stride(2 * Math.ceil(k / 128) * 128) * (l === 0 && tables(0, 54) ? 2 : 1), 0)
      : stride(2 * 54) + [[54, 8], [256, 8], [256, 8]].reduce((s, [k, a]) => s + Math.ceil(k / 64) * a * 8, 0);
    assert.equal(r.batch, (BATCH - 1) * (perSample + stride(4 * 7) + stride(4 * (256 + 16))));
    t.diagnostic(`${backend} 54-256-256-7 w1/2/4/8 a8: ${JSON.stringify(r)}; beyond weights+activations: ${r.total - r.weights - r.activations} B (params ${r.params}, scratch ${r.scratch}, alignment ${r.alignment})`);
  }
});

test('runtime › info: shapes, bit-width histograms, parameter and byte counts', async () => {
  const decoded = readModel(small.bytes);
  const m = await loadModel(small.bytes);
  assert.equal(m.info.features, decoded.input.bits.length);
  assert.equal(m.info.fileBytes, small.bytes.length);
  assert.deepEqual(m.info.outputNames, decoded.meta.outputNames);
  let params = 0;
  decoded.layers.forEach((l, i) => {
    const info = m.info.layers[i];
    assert.equal(info.inFeatures, l.inFeatures);
    assert.equal(info.outFeatures, l.outFeatures);
    assert.equal(info.weightBitsHistogram.length, 9);
    for (let b = 0; b <= 8; b++) assert.equal(info.weightBitsHistogram[b], l.weightBits.filter((x) => x === b).length);
    if (l.act) for (let b = 1; b <= 16; b++) assert.equal(info.actBitsHistogram![b], l.act.bits.filter((x) => x === b).length);
    else assert.equal(info.actBitsHistogram, null);
    assert.equal(info.packedBytes, l.weights.length);
    const w = l.weightBits.filter((b) => b > 0).length * l.inFeatures;
    assert.equal(info.weights, w);
    params += w + l.outFeatures;
  });
  assert.equal(m.info.parameters, params);
  assert.equal(m.info.packedWeightBytes, decoded.layers.reduce((s, l) => s + l.weights.length, 0));
});

test('runtime › predict and predictBatch write into a caller buffer when given one', async () => {
  const m = await loadModel(small.bytes);
  const out = new Float32Array(m.info.outputs);
  assert.equal(m.predict(small.cases[0].x, out), out);
  assert.deepEqual(out, m.predict(small.cases[0].x));
  const flat = small.cases.slice(0, 3).flatMap((c) => c.x);
  const bo = new Float32Array(3 * m.info.outputs);
  assert.equal(m.predictBatch(flat, 3, bo), bo);
  assert.throws(() => m.predict(small.cases[0].x, new Float32Array(0)), RangeError);
  assert.equal(m.predictBatch([], 0).length, 0);
});

test('runtime › models share one instance per backend: arenas, not pages, and views survive memory growth', async () => {
  for (const backend of BACKENDS) {
    const decoded = readModel(small.bytes);
    const a = await loadModel(small.bytes, { backend });
    const x0 = small.cases[0].x;
    assert.deepEqual(a.predict(x0), predictReference(decoded, x0));
    const before = a.memory();
    const more: Model[] = [];
    for (let i = 0; i < 8; i++) more.push(await loadModel(small.bytes, { backend }));
    const after = a.memory();
    assert.equal(after.modelsInInstance, before.modelsInInstance + 8);
    assert.ok(after.linearMemory - before.linearMemory <= 8 * before.total + 65536, `8 more ${before.total}-byte arenas grew memory by ${after.linearMemory - before.linearMemory}`);
    // A large model grows the shared memory: earlier models' JS views detach and must be re-created transparently.
    const big = await loadModel(encodeModel(randomModel({ seed: 9, widths: [300, 600, 200, 2], weightBitsMenu: [8] })), { backend });
    assert.ok(a.memory().linearMemory > after.linearMemory, 'the big model should have grown the memory');
    assert.deepEqual(a.predict(x0), predictReference(decoded, x0));
    for (const m of more) assert.deepEqual(m.predict(x0), predictReference(decoded, x0));
    // Freed arenas are reused: disposing and loading the same model again does not grow memory.
    const size = a.memory().linearMemory;
    more[3].dispose();
    more[4].dispose();
    const again = await loadModel(small.bytes, { backend });
    assert.equal(again.memory().linearMemory, size);
    assert.deepEqual(again.predict(x0), predictReference(decoded, x0));
    assert.deepEqual(more[5].predict(x0), predictReference(decoded, x0));
    for (const m of [a, big, again, ...more]) m.dispose();
    const iso = await loadModel(small.bytes, { backend, isolate: true });
    assert.equal(iso.memory().modelsInInstance, 1);
    assert.equal(iso.memory().linearMemory, 65536);
  }
});

test('runtime › every buffer of the plan (tables, 4-sample batch buffers) counts at load: E_MEMORY_LIMIT there, never a trap in predictBatch', async () => {
  // Low activation widths: table kernels and their buffers in the SIMD plan; the scalar plan has its byte scratch.
  const bytes = encodeModel(randomModel({ seed: 41, widths: [54, 700, 300, 7], weightBitsMenu: [1, 2], actBitsMenu: [2, 3, 4], inputBitsMenu: [4, 6] }));
  const decoded = readModel(bytes);
  const xs = randomInputs(randomModel({ seed: 41, widths: [54, 700, 300, 7], weightBitsMenu: [1, 2], actBitsMenu: [2, 3, 4], inputBitsMenu: [4, 6] }), 9, 3);
  for (const backend of BACKENDS) {
    const probe = await loadModel(bytes, { backend, isolate: true });
    const mem = probe.memory();
    if (backend === 'simd') assert.ok(probe.info.layers.some((l) => l.kernels.some((g) => g.kernel.startsWith('lut'))), 'the SIMD plan should use tables');
    assert.ok(mem.batch > 0 && mem.weights < mem.total - mem.batch, JSON.stringify(mem));
    probe.dispose();
    // The limit that fits the whole plan loads it; one page less is refused at load, with the plan's byte count.
    const limit = mem.linearMemory;
    await assert.rejects(loadModel(bytes, { backend, maxMemoryBytes: limit - 65536 }), (e: Error) => e instanceof RuntimeError && e.code === 'E_MEMORY_LIMIT');
    const m = await loadModel(bytes, { backend, maxMemoryBytes: limit });
    const flat = new Float64Array(9 * 54);
    xs.forEach((x, i) => flat.set(x, i * 54));
    const y = m.predictBatch(flat, 9);
    xs.forEach((x, i) => assert.deepEqual(y.subarray(i * 7, i * 7 + 7), predictReference(decoded, x), `${backend} sample ${i}`));
    assert.equal(m.memory().linearMemory, limit);
    m.dispose();
  }
});

test('runtime › maxMemoryBytes bounds the linear memory itself, whole pages included', async () => {
  const bytes = encodeModel(randomModel({ seed: 31, widths: [54, 300, 300, 7], weightBitsMenu: [8] }));
  let loaded = 0, refused = 0;
  for (let limit = 65536; limit <= 6 * 65536; limit += 16384) {
    for (const l of [limit - 1, limit]) {
      try {
        const m = await loadModel(bytes, { backend: 'scalar', maxMemoryBytes: l });
        assert.ok(m.memory().linearMemory <= l, `limit ${l}: linear memory ${m.memory().linearMemory}`);
        m.dispose();
        loaded++;
      } catch (e) {
        assert.ok(e instanceof RuntimeError && e.code === 'E_MEMORY_LIMIT', String(e));
        refused++;
      }
    }
  }
  assert.ok(loaded > 0 && refused > 0, `the sweep crosses the model's size (${loaded} loaded, ${refused} refused)`);
});
