/**
 * @fileoverview The runtime targets of asconfig.json: `scalar` (JS host) and `nohost` (the wasm3/MCU module that loads
 * .nmp files itself) must be modules wasm3 can run (no SIMD opcode anywhere, zero imports); `simd` must validate in
 * this engine. Reports every size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import wabtInit from 'wabt';
import { wasmDir } from './support/paths.js';

// What wasm3 implements (runtime-and-kernels notes §1.1): MVP plus these; no SIMD, threads, memory64, GC, exceptions.
const WASM3_FEATURES = {
  simd: false, relaxed_simd: false, threads: false, memory64: false, exceptions: false, gc: false,
  function_references: false, tail_call: false, reference_types: false,
  bulk_memory: true, sign_extension: true, sat_float_to_int: true, mutable_globals: true, multi_value: true,
};

const scalar = new Uint8Array(readFileSync(`${wasmDir}scalar.wasm`));
const nohost = new Uint8Array(readFileSync(`${wasmDir}nohost.wasm`));
const simd = new Uint8Array(readFileSync(`${wasmDir}simd.wasm`));
const relaxed = new Uint8Array(readFileSync(`${wasmDir}relaxed.wasm`));

function validatesFor(wabt: Awaited<ReturnType<typeof wabtInit>>, bytes: Uint8Array, features: object): string | null {
  try {
    const m = wabt.readWasm(bytes, { readDebugNames: false, ...features });
    try { m.validate(); } finally { m.destroy(); }
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

test('asconfig › scalar and nohost modules: no SIMD opcode, wasm3 feature set, zero imports', async (t) => {
  const wabt = await wabtInit();
  // The check has teeth: a one-instruction SIMD module is rejected under the same features.
  const probe = wabt.parseWat('probe.wat', '(module (func (result v128) v128.const i32x4 0 0 0 0))', { simd: true });
  const probeBytes = probe.toBinary({}).buffer;
  probe.destroy();
  assert.notEqual(validatesFor(wabt, probeBytes, WASM3_FEATURES), null, 'a SIMD probe must fail validation without SIMD');

  for (const [name, bytes] of [['scalar.wasm', scalar], ['nohost.wasm', nohost]] as const) {
    assert.equal(validatesFor(wabt, bytes, WASM3_FEATURES), null, name);
    const module = new WebAssembly.Module(bytes);
    assert.deepEqual(WebAssembly.Module.imports(module), [], `${name}: wasm3 hosts link nothing, so the module imports nothing`);
    assert.ok(!WebAssembly.Module.exports(module).some((e) => e.name.includes('simd128')), `${name} exports no SIMD kernel`);
    t.diagnostic(`${name}: ${bytes.length} bytes, ${WebAssembly.Module.exports(module).length} exports`);
  }
});

test('asconfig › simd module validates in this engine and imports nothing', (t) => {
  assert.ok(WebAssembly.validate(simd));
  const module = new WebAssembly.Module(simd);
  assert.deepEqual(WebAssembly.Module.imports(module), []);
  t.diagnostic(`simd.wasm: ${simd.length} bytes, ${WebAssembly.Module.exports(module).length} exports`);
});

test('asconfig › relaxed module: valid with relaxed SIMD and not without it (Deno runs it: test/runtime/deno)', async (t) => {
  const wabt = await wabtInit();
  const withSimd = { ...WASM3_FEATURES, simd: true };
  assert.equal(validatesFor(wabt, relaxed, { ...withSimd, relaxed_simd: true }), null, 'relaxed.wasm with relaxed SIMD');
  // It really uses relaxed instructions (else it would be simd.wasm under another name), and simd.wasm does not.
  assert.notEqual(validatesFor(wabt, relaxed, withSimd), null, 'relaxed.wasm must not validate without relaxed SIMD');
  assert.equal(validatesFor(wabt, simd, withSimd), null, 'simd.wasm validates without relaxed SIMD');
  // Node 20 validates relaxed SIMD only behind a flag, so runtime/model.ts falls back to simd.wasm here.
  assert.equal(WebAssembly.validate(relaxed), false, 'this Node validates relaxed SIMD by default: update runtime/README.md');
  t.diagnostic(`relaxed.wasm: ${relaxed.length} bytes`);
});
