/**
 * @fileoverview GEMM kernels of the trainer (WASM SIMD): C[M,N] (+)= A[M,K] * B[K,N] in f32 (training) and i32 (exact
 * integer evaluation). A is read through strides so A^T needs no copy; B and C are row-major. 4x8 register tiles.
 */

// Contract (both kernels): a, b, c are byte offsets into linear memory, element i of A(row, k) is at
// a + 4*(row*rsA + k*csA); B(k, j) at b + 4*(k*N + j); C(row, j) at c + 4*(row*N + j). accumulate != 0 adds to C.
// No reads or writes outside those elements. f32 uses separate mul and add (no FMA), so results are deterministic
// and equal to the scalar fallback in tools/train/gemm.ts summed in the same order (k ascending per element).

/** ABI version the host checks before use. */
export function trainAbiVersion(): i32 {
  return 3;
}

export { actBackwardFrozen, actQuant, adam, addBias, quantizeRows, reluMask } from './step';

// One 4x8-tiled body for both element types (Binaryen specialises it per type): f32 for training, i32 for the exact
// integer evaluation, where wrapping adds make any summation order exact whenever the true result fits int32.
// @ts-ignore: decorator
@inline function GEMM<T>(a: usize, rsA: i32, csA: i32, b: usize, c: usize, M: i32, N: i32, K: i32, accumulate: i32): void {
  const rs = <usize>rsA << 2;
  const cs = <usize>csA << 2;
  const ldb = <usize>N << 2;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const pa = a + <usize>i * rs;
    const pc = c + <usize>i * ldb;
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      const oc = pc + (<usize>j << 2);
      let c00 = v128.splat<T>(0), c01 = v128.splat<T>(0), c10 = v128.splat<T>(0), c11 = v128.splat<T>(0);
      let c20 = v128.splat<T>(0), c21 = v128.splat<T>(0), c30 = v128.splat<T>(0), c31 = v128.splat<T>(0);
      if (accumulate) {
        c00 = v128.load(oc); c01 = v128.load(oc, 16);
        c10 = v128.load(oc + ldb); c11 = v128.load(oc + ldb, 16);
        c20 = v128.load(oc + 2 * ldb); c21 = v128.load(oc + 2 * ldb, 16);
        c30 = v128.load(oc + 3 * ldb); c31 = v128.load(oc + 3 * ldb, 16);
      }
      let pk = pa;
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        const a0 = v128.load_splat<T>(pk);
        const a1 = v128.load_splat<T>(pk + rs);
        const a2 = v128.load_splat<T>(pk + 2 * rs);
        const a3 = v128.load_splat<T>(pk + 3 * rs);
        c00 = v128.add<T>(c00, v128.mul<T>(a0, b0)); c01 = v128.add<T>(c01, v128.mul<T>(a0, b1));
        c10 = v128.add<T>(c10, v128.mul<T>(a1, b0)); c11 = v128.add<T>(c11, v128.mul<T>(a1, b1));
        c20 = v128.add<T>(c20, v128.mul<T>(a2, b0)); c21 = v128.add<T>(c21, v128.mul<T>(a2, b1));
        c30 = v128.add<T>(c30, v128.mul<T>(a3, b0)); c31 = v128.add<T>(c31, v128.mul<T>(a3, b1));
        pk += cs;
        pb += ldb;
      }
      v128.store(oc, c00); v128.store(oc, c01, 16);
      v128.store(oc + ldb, c10); v128.store(oc + ldb, c11, 16);
      v128.store(oc + 2 * ldb, c20); v128.store(oc + 2 * ldb, c21, 16);
      v128.store(oc + 3 * ldb, c30); v128.store(oc + 3 * ldb, c31, 16);
    }
    for (; j < N; j++) {
      for (let r = 0; r < 4; r++) SCALAR<T>(pa + <usize>r * rs, cs, b + (<usize>j << 2), ldb, pc + <usize>r * ldb + (<usize>j << 2), K, accumulate);
    }
  }
  for (; i < M; i++) {
    const pa = a + <usize>i * rs;
    const pc = c + <usize>i * ldb;
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      const oc = pc + (<usize>j << 2);
      let c0 = v128.splat<T>(0), c1 = v128.splat<T>(0);
      if (accumulate) { c0 = v128.load(oc); c1 = v128.load(oc, 16); }
      let pk = pa;
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const a0 = v128.load_splat<T>(pk);
        c0 = v128.add<T>(c0, v128.mul<T>(a0, v128.load(pb)));
        c1 = v128.add<T>(c1, v128.mul<T>(a0, v128.load(pb, 16)));
        pk += cs;
        pb += ldb;
      }
      v128.store(oc, c0); v128.store(oc, c1, 16);
    }
    for (; j < N; j++) SCALAR<T>(pa, cs, b + (<usize>j << 2), ldb, pc + (<usize>j << 2), K, accumulate);
  }
}


// @ts-ignore: decorator
@inline function SCALAR<T>(pa: usize, cs: usize, pb: usize, ldb: usize, pc: usize, K: i32, accumulate: i32): void {
  let s: T = accumulate ? load<T>(pc) : <T>0;
  for (let k = 0; k < K; k++) {
    s += load<T>(pa) * load<T>(pb);
    pa += cs;
    pb += ldb;
  }
  store<T>(pc, s);
}


/** C (+)= A * B in f32, k ascending for every element of C. */
export function gemm_f32(a: usize, rsA: i32, csA: i32, b: usize, c: usize, M: i32, N: i32, K: i32, accumulate: i32): void {
  GEMM<f32>(a, rsA, csA, b, c, M, N, K, accumulate);
}

/** C (+)= A * B in i32 with wrapping arithmetic (exact whenever the true result fits int32, SPEC §6.3). */
export function gemm_i32(a: usize, rsA: i32, csA: i32, b: usize, c: usize, M: i32, N: i32, K: i32, accumulate: i32): void {
  GEMM<i32>(a, rsA, csA, b, c, M, N, K, accumulate);
}
