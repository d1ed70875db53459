/**
 * @fileoverview No-host entry points of the scalar module (wasm3 on MCUs): the host copies a `.nmp` file into memory,
 * `nmp_load` validates it as strictly as formats/read.ts (validator.ts) and builds the arena (planner.ts), `nmp_predict`
 * runs one sample end to end (f64 input quantisation, integer forward, f64 dequantisation), all inside WASM.
 * Embedding: runtime/wasm3/README.md; ABI numbers: common/abi.ts.
 */
import { E_MEMORY, HDR_IN_PTR, HDR_OUT_PTR, NMP_NO_MODEL } from '../common/abi';
import { forward } from './forward';
import { end, errAt, errCode, fail, head, hLen, hNext, hPtr, resetError, skip, touch } from './msgpack';
import { arenaEnd, desc, plan, xin, yout } from './planner';
import { centerP, F, gainP, inBitsP, O, offsetP, outNamesP, scaleP, validate } from './validator';

let file: usize = 0;
let fileLen: usize = 0;
let loaded = false;

/** Reserves `len` bytes for the model file at the first free byte (16-aligned), growing memory; returns 0 if it cannot. */
export function nmp_alloc(len: i32): usize {
  // The new file goes where the loaded one and its arena live: nothing may run on them from here on.
  loaded = false;
  if (len < 0) return 0;
  file = (__heap_base + 15) & ~15;
  fileLen = <usize>len;
  const need = file + fileLen, have = <usize>memory.size() << 16;
  if (need > have && memory.grow(<i32>((need - have + 0xffff) >>> 16)) < 0) return 0;
  touch(need); // the host writes the file here
  return file;
}

/**
 * Validates the `len` bytes at `ptr` (from nmp_alloc) and plans the arena after them. Returns 0, or the number of an
 * error code of formats/errors.ts, or E_MEMORY (numbers: common/abi.ts).
 */
export function nmp_load(ptr: usize, len: i32): i32 {
  resetError();
  loaded = false;
  if (len < 0 || ptr < __heap_base || <u64>ptr + <u64>len > (<u64>memory.size() << 16)) {
    fail(E_MEMORY, 0);
    return errCode;
  }
  file = ptr;
  fileLen = <usize>len;
  touch(ptr + fileLen);
  const e = validate(ptr, <usize>len);
  if (e) return e;
  const b = plan(ptr + <usize>len);
  loaded = b == 0;
  return b;
}

/**
 * Byte offset in the file that SPEC §7 assigns to the last nmp_load's error (the one formats/read.ts reports); 0 for
 * E_MEMORY raised outside the file (the arena). Never negative.
 */
export function nmp_error_offset(): i32 {
  return errAt >= file && errAt <= file + fileLen ? <i32>(errAt - file) : 0;
}
export function nmp_features(): i32 {
  return loaded ? F : 0;
}
export function nmp_outputs(): i32 {
  return loaded ? O : 0;
}
/** f64 x features: the host writes one sample here. */
export function nmp_input(): usize {
  return xin;
}
/** f32 x outputs, written by nmp_predict. */
export function nmp_output(): usize {
  return yout;
}
/** int32 x outputs: the last layer's accumulators of the last nmp_predict. */
export function nmp_accumulators(): usize {
  return <usize>load<i32>(desc + (HDR_OUT_PTR << 2));
}
/** Bytes of linear memory in use: static data, the file, the arena (memory itself is whole 64 KiB pages). */
export function nmp_used_bytes(): i32 {
  return <i32>arenaEnd;
}

/**
 * Runs the sample at nmp_input(); returns the arg-max output index (SPEC §6.6), -1 - i if input i is not finite, or
 * NMP_NO_MODEL (-65536) when no model is loaded (never loaded, or the last nmp_load failed).
 */
export function nmp_predict(): i32 {
  if (!loaded) return NMP_NO_MODEL;
  const codes = <usize>load<i32>(desc + (HDR_IN_PTR << 2));
  for (let i = 0; i < F; i++) {
    const x = load<f64>(xin + (<usize>i << 3));
    if (!isFinite(x)) return -1 - i;
    const q = <f64>((1 << (<i32>load<u8>(inBitsP + i) - 1)) - 1);
    // SPEC §6.1: f64 subtract, multiply, add 0.5 (WASM has no fused multiply-add), floor, clamp.
    let t = Math.floor((x - load<f64>(centerP + (<usize>i << 3))) * load<f64>(gainP + (<usize>i << 3)) + 0.5);
    t = t > q ? q : t < -q ? -q : t;
    store<i16>(codes + (<usize>i << 1), <i16><i32>t);
  }
  forward(desc);
  const acc = <usize>load<i32>(desc + (HDR_OUT_PTR << 2));
  let best = 0, bestY: f32 = 0;
  for (let j = 0; j < O; j++) {
    const y = <f32>(<f64>load<i32>(acc + (<usize>j << 2)) * load<f64>(scaleP + (<usize>j << 3)) + load<f64>(offsetP + (<usize>j << 3)));
    store<f32>(yout + (<usize>j << 2), y);
    if (j == 0 || y > bestY) {
      best = j;
      bestY = y;
    }
  }
  return best;
}

/** UTF-8 bytes of output name `i` (its label): pointer, and length via nmp_label_length. */
export function nmp_label(i: i32): usize {
  return labelAt(i) ? hPtr : 0;
}
export function nmp_label_length(i: i32): i32 {
  return labelAt(i) ? <i32>hLen : 0;
}
function labelAt(i: i32): bool {
  if (!loaded || i < 0 || i >= O) return false;
  head(outNamesP, end);
  let p = hNext;
  for (let k = 0; k < i; k++) p = skip(p, end);
  return head(p, end);
}
