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

/**
 * The JS host's scalar build: R rows x S samples per pass, activation planes outermost. Per plane the popcounts of each
 * (row, weight plane, sample) are summed over the words first and shifted once, so a pair costs AND + POPCNT + ADD, and
 * each loaded x word serves R rows, each weight word S samples. Samples at x + s * xStride, out + s * outStride. W, R, S
 * literal, R * W * S <= 8 partial sums (they stay in registers). Same results as the r1 kernels.
 */
@inline export function popcntBlock(W: i32, R: i32, S: i32, w: usize, x: usize, xStride: usize, bias: usize, out: usize, outStride: usize, rows: i32, kw: i32, a: i32): void {
  let xsum0 = 0, xsum1 = 0;
  if (W == 1) {
    const n = kw * a;
    for (let i = 0; i < n; i++) {
      xsum0 += <i32>popcnt<u64>(load<u64>(x + (<usize>i << 3))) << (i % a);
      if (S == 2) xsum1 += <i32>popcnt<u64>(load<u64>(x + xStride + (<usize>i << 3))) << (i % a);
    }
  }
  const rs = <usize>(kw * W) << 3; // bytes per row
  const xs = <usize>a << 3; // bytes per activation word (all planes)
  let r = 0;
  for (; r + R <= rows; r += R) {
    // acc[row][sample]
    let a00 = 0, a01 = 0, a10 = 0, a11 = 0, a20 = 0, a21 = 0, a30 = 0, a31 = 0;
    const w0 = w + <usize>r * rs;
    for (let p = 0; p < a; p++) {
      // s<row><plane><sample>
      let s000 = 0, s001 = 0, s010 = 0, s011 = 0, s100 = 0, s101 = 0, s110 = 0, s111 = 0;
      let s200 = 0, s210 = 0, s300 = 0, s310 = 0;
      let xp = x + (<usize>p << 3), wp = w0;
      for (let word = 0; word < kw; word++) {
        const x0 = load<u64>(xp);
        const x1: u64 = S == 2 ? load<u64>(xp + xStride) : 0;
        const v00 = load<u64>(wp);
        s000 += pc(v00, x0);
        if (S == 2) s001 += pc(v00, x1);
        if (W == 2) {
          const v01 = load<u64>(wp, 8);
          s010 += pc(v01, x0);
          if (S == 2) s011 += pc(v01, x1);
        }
        if (R >= 2) {
          const v10 = load<u64>(wp + rs);
          s100 += pc(v10, x0);
          if (S == 2) s101 += pc(v10, x1);
          if (W == 2) {
            const v11 = load<u64>(wp + rs, 8);
            s110 += pc(v11, x0);
            if (S == 2) s111 += pc(v11, x1);
          }
        }
        if (R == 4) {
          s200 += pc(load<u64>(wp + 2 * rs), x0);
          s300 += pc(load<u64>(wp + 3 * rs), x0);
          if (W == 2) {
            s210 += pc(load<u64>(wp + 2 * rs, 8), x0);
            s310 += pc(load<u64>(wp + 3 * rs, 8), x0);
          }
        }
        xp += xs;
        wp += <usize>W << 3;
      }
      // Two's complement W = 2: plane 1 weighs -2.
      if (W == 2) {
        s000 -= s010 << 1; s001 -= s011 << 1; s100 -= s110 << 1; s101 -= s111 << 1;
        s200 -= s210 << 1; s300 -= s310 << 1;
      }
      a00 += s000 << p; a01 += s001 << p; a10 += s100 << p; a11 += s101 << p; a20 += s200 << p; a30 += s300 << p;
    }
    if (W == 1) {
      a00 = (a00 << 1) - xsum0; a10 = (a10 << 1) - xsum0; a20 = (a20 << 1) - xsum0; a30 = (a30 << 1) - xsum0;
      a01 = (a01 << 1) - xsum1; a11 = (a11 << 1) - xsum1;
    }
    const o = <usize>r << 2;
    store<i32>(out + o, load<i32>(bias + o) + a00);
    if (S == 2) store<i32>(out + outStride + o, load<i32>(bias + o) + a01);
    if (R >= 2) {
      store<i32>(out + o, load<i32>(bias + o, 4) + a10, 4);
      if (S == 2) store<i32>(out + outStride + o, load<i32>(bias + o, 4) + a11, 4);
    }
    if (R == 4) {
      store<i32>(out + o, load<i32>(bias + o, 8) + a20, 8);
      store<i32>(out + o, load<i32>(bias + o, 12) + a30, 12);
    }
  }
  // Rows left over (fewer than R): the one-row kernel, per sample.
  if (r < rows) {
    const o = <usize>r << 2, wr = w + <usize>r * rs;
    for (let s = 0; s < S; s++) popcntRows(W, wr, x + <usize>s * xStride, bias + o, out + <usize>s * outStride + o, rows - r, kw, a);
  }
}

export function gemv_w1aN_r4__scalar_popcnt(w: usize, x: usize, bias: usize, out: usize, rows: i32, kw: i32, a: i32): void {
  popcntBlock(1, 4, 1, w, x, 0, bias, out, 0, rows, kw, a);
}
