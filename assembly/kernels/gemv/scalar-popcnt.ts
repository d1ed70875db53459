/**
 * @fileoverview Bit-serial GEMV (AND + POPCNT over 64-bit bit planes), one `@inline` body specialised per weight width.
 * Chosen for the wasm3 build: 10-20x fewer interpreted ops per MAC than unpacking for W <= 4 (notes §3.2). Layout: README.md.
 */

@inline function pc(a: u64, b: u64): i32 {
  return <i32>popcnt<u64>(a & b);
}

/** sum_i c_i * popcount(w_i & xv): the W weight planes against one activation plane (c_i = 2^i, top plane -2^(W-1)). */
@inline function planes(W: i32, w0: u64, w1: u64, w2: u64, w3: u64, w4: u64, w5: u64, w6: u64, w7: u64, xv: u64): i32 {
  if (W == 1) return pc(w0, xv);
  let t = W == 2 ? -(pc(w1, xv) << 1) + pc(w0, xv) : pc(w0, xv);
  if (W > 2) t += W == 3 ? -(pc(w2, xv) << 2) + (pc(w1, xv) << 1) : pc(w1, xv) << 1;
  if (W > 3) t += W == 4 ? -(pc(w3, xv) << 3) + (pc(w2, xv) << 2) : pc(w2, xv) << 2;
  if (W > 4) t += W == 5 ? -(pc(w4, xv) << 4) + (pc(w3, xv) << 3) : pc(w3, xv) << 3;
  if (W > 5) t += W == 6 ? -(pc(w5, xv) << 5) + (pc(w4, xv) << 4) : pc(w4, xv) << 4;
  if (W > 6) t += W == 7 ? -(pc(w6, xv) << 6) + (pc(w5, xv) << 5) : pc(w5, xv) << 5;
  if (W > 7) t += -(pc(w7, xv) << 7) + (pc(w6, xv) << 6);
  return t;
}

/**
 * out[r] = bias[r] + sum_k w[r][k] * u[k]; `W` is a literal at every call site so Binaryen folds the plane arithmetic.
 * Exported for W = 1, 2, 4, 8 only: widths 3 and 5..7 run sign-extended in the next layout (the trainer emits 1, 2, 4, 8),
 * which keeps the wasm3 module small.
 */
@inline function popcntRows(W: i32, w: usize, x: usize, bias: usize, out: usize, rows: i32, kw: i32, a: i32): void {
  // W = 1 weights are 2u - 1: sum w*x = 2 * sum(u & x) - sum(x); sum(x) is shared by all rows.
  let xsum: i32 = 0;
  if (W == 1) {
    const n = kw * a;
    for (let i = 0; i < n; i++) xsum += <i32>popcnt<u64>(load<u64>(x + (<usize>i << 3))) << (i % a);
  }
  const rowStride = <usize>(kw * W) << 3;
  for (let r = 0; r < rows; r++) {
    let acc: i32 = 0;
    let xp = x;
    let wp = w + <usize>r * rowStride;
    for (let word = 0; word < kw; word++) {
      const w0 = load<u64>(wp);
      const w1: u64 = W > 1 ? load<u64>(wp + 8) : 0;
      const w2: u64 = W > 2 ? load<u64>(wp + 16) : 0;
      const w3: u64 = W > 3 ? load<u64>(wp + 24) : 0;
      const w4: u64 = W > 4 ? load<u64>(wp + 32) : 0;
      const w5: u64 = W > 5 ? load<u64>(wp + 40) : 0;
      const w6: u64 = W > 6 ? load<u64>(wp + 48) : 0;
      const w7: u64 = W > 7 ? load<u64>(wp + 56) : 0;
      // Two activation planes per iteration (interpreters pay per loop trip); an odd last plane after the loop.
      let p = 0;
      for (; p + 1 < a; p += 2) {
        const t0 = planes(W, w0, w1, w2, w3, w4, w5, w6, w7, load<u64>(xp));
        const t1 = planes(W, w0, w1, w2, w3, w4, w5, w6, w7, load<u64>(xp + 8));
        xp += 16;
        acc += (t0 + (t1 << 1)) << p;
      }
      if (p < a) {
        acc += planes(W, w0, w1, w2, w3, w4, w5, w6, w7, load<u64>(xp)) << p;
        xp += 8;
      }
      wp += <usize>W << 3;
    }
    const dot = W == 1 ? (acc << 1) - xsum : acc;
    store<i32>(out + (<usize>r << 2), load<i32>(bias + (<usize>r << 2)) + dot);
  }
}

export function gemv_w1aN_r1__scalar_popcnt(w: usize, x: usize, bias: usize, out: usize, rows: i32, kw: i32, a: i32): void {
  popcntRows(1, w, x, bias, out, rows, kw, a);
}
export function gemv_w2aN_r1__scalar_popcnt(w: usize, x: usize, bias: usize, out: usize, rows: i32, kw: i32, a: i32): void {
  popcntRows(2, w, x, bias, out, rows, kw, a);
}
export function gemv_w4aN_r1__scalar_popcnt(w: usize, x: usize, bias: usize, out: usize, rows: i32, kw: i32, a: i32): void {
  popcntRows(4, w, x, bias, out, rows, kw, a);
}
export function gemv_w8aN_r1__scalar_popcnt(w: usize, x: usize, bias: usize, out: usize, rows: i32, kw: i32, a: i32): void {
  popcntRows(8, w, x, bias, out, rows, kw, a);
}
