/**
 * @fileoverview Elementwise steps of the trainer (WASM SIMD), bit-identical to the JS loops they replace: JS computes on
 * Float32Array elements in f64 and rounds once on store, so these promote f32 lanes to f64x2, keep the JS operation
 * order, and round on store (IEEE f64 add/mul/div/sqrt and round-to-nearest are the same in both).
 */

// @ts-ignore: decorator
@inline function low(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}

// @ts-ignore: decorator
@inline function high(x: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1));
}

/** Two f64x2 rounded to one f32x4, lanes of `a` first. */
// @ts-ignore: decorator
@inline function round4(a: v128, b: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

/**
 * One Adam step on n parameters at p with gradients g and moments m, v (f32 arrays), as network.ts adamJs:
 * gi = g + decay p; m = b1 m + (1 - b1) gi; v = b2 v + (1 - b2) gi gi; p = clamp(p - lr (m / c1) / (sqrt(v / c2) + 1e-8), lo, hi).
 */
export function adam(p: usize, g: usize, m: usize, v: usize, n: i32, decay: f64, b1: f64, b2: f64, c1: f64, c2: f64, lr: f64, lo: f64, hi: f64): void {
  const k1 = 1 - b1, k2 = 1 - b2;
  const vDecay = f64x2.splat(decay), vb1 = f64x2.splat(b1), vb2 = f64x2.splat(b2), vk1 = f64x2.splat(k1), vk2 = f64x2.splat(k2);
  const vc1 = f64x2.splat(c1), vc2 = f64x2.splat(c2), vlr = f64x2.splat(lr), eps = f64x2.splat(1e-8), vlo = f64x2.splat(lo), vhi = f64x2.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const p4 = v128.load(p + o), g4 = v128.load(g + o), m4 = v128.load(m + o), v4 = v128.load(v + o);
    const pl = low(p4), ph = high(p4);
    const gl = f64x2.add(low(g4), f64x2.mul(vDecay, pl));
    const gh = f64x2.add(high(g4), f64x2.mul(vDecay, ph));
    const mr = round4(f64x2.add(f64x2.mul(vb1, low(m4)), f64x2.mul(vk1, gl)), f64x2.add(f64x2.mul(vb1, high(m4)), f64x2.mul(vk1, gh)));
    const vr = round4(f64x2.add(f64x2.mul(vb2, low(v4)), f64x2.mul(f64x2.mul(vk2, gl), gl)), f64x2.add(f64x2.mul(vb2, high(v4)), f64x2.mul(f64x2.mul(vk2, gh), gh)));
    v128.store(m + o, mr);
    v128.store(v + o, vr);
    let xl = f64x2.sub(pl, f64x2.div(f64x2.mul(vlr, f64x2.div(low(mr), vc1)), f64x2.add(f64x2.sqrt(f64x2.div(low(vr), vc2)), eps)));
    let xh = f64x2.sub(ph, f64x2.div(f64x2.mul(vlr, f64x2.div(high(mr), vc1)), f64x2.add(f64x2.sqrt(f64x2.div(high(vr), vc2)), eps)));
    // pmax(x, lo) = x < lo ? lo : x and pmin(x, hi) = hi < x ? hi : x: the JS clamp, NaN kept.
    xl = f64x2.pmin(f64x2.pmax(xl, vlo), vhi);
    xh = f64x2.pmin(f64x2.pmax(xh, vlo), vhi);
    v128.store(p + o, round4(xl, xh));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pi = <f64>load<f32>(p + o);
    const gi = <f64>load<f32>(g + o) + decay * pi;
    const mi = <f32>(b1 * <f64>load<f32>(m + o) + k1 * gi);
    const vi = <f32>(b2 * <f64>load<f32>(v + o) + k2 * gi * gi);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    let x = pi - (lr * (<f64>mi / c1)) / (Math.sqrt(<f64>vi / c2) + 1e-8);
    if (x < lo) x = lo;
    else if (x > hi) x = hi;
    store<f32>(p + o, <f32>x);
  }
}

/** Z[i, j] += bias[j] for M rows of N (forwardLayer's bias). */
export function addBias(z: usize, bias: usize, M: i32, N: i32): void {
  for (let i = 0; i < M; i++) {
    const row = z + ((<usize>i * N) << 2);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const o = <usize>j << 2;
      v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(bias + o)));
    }
    for (; j < N; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, load<f32>(row + o) + load<f32>(bias + o));
    }
  }
}

/** out = x > 0 ? y : 0 on n elements: ReLU (y = x) and its backward (y = dA, out = dZ). */
export function reluMask(x: usize, y: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, v128.and(v128.load(y + o), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(x + o) > 0 ? load<f32>(y + o) : 0);
  }
}

/**
 * The activation fake-quantiser on M rows of N (network.ts activate): with x = z inv[j] + 0.5 (f64),
 * a = (x < 1 ? 0 : x >= top[j] ? top[j] : floor(x)) step[j], where inv, top and step are f64 per column.
 */
export function actQuant(z: usize, a: usize, inv: usize, top: usize, step: usize, M: i32, N: i32): void {
  const half = f64x2.splat(0.5), one = f64x2.splat(1);
  for (let i = 0; i < M; i++) {
    const zr = z + ((<usize>i * N) << 2);
    const ar = a + ((<usize>i * N) << 2);
    let j = 0;
    for (; j + 2 <= N; j += 2) {
      const o = <usize>j << 3;
      const x = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(zr + (<usize>j << 2))), v128.load(inv + o)), half);
      const n = v128.load(top + o);
      // JS takes x | 0, which is floor(x) on [1, n) and 0 for NaN; the masks give the same lanes.
      let c = v128.bitselect(n, f64x2.floor(x), f64x2.ge(x, n));
      c = v128.andnot(c, f64x2.lt(x, one));
      c = v128.and(c, f64x2.eq(x, x));
      v128.store64_lane(ar + (<usize>j << 2), f32x4.demote_f64x2_zero(f64x2.mul(c, v128.load(step + o))), 0);
    }
    for (; j < N; j++) {
      const x = <f64>load<f32>(zr + (<usize>j << 2)) * load<f64>(inv + (<usize>j << 3)) + 0.5;
      const n = load<f64>(top + (<usize>j << 3));
      store<f32>(ar + (<usize>j << 2), <f32>((x < 1 ? 0 : x >= n ? n : Math.floor(x)) * load<f64>(step + (<usize>j << 3))));
    }
  }
}

/**
 * Hard weights of one layer (network.ts prepare, quant.ts quantizeRow): row j of W [N, fin] times the input scales is
 * quantised at bits[j] (ternary: 2-bit rows use -1..1), its scale goes to S[j], and S q_k / inScale_k to Weff [N, fin]
 * and its transpose WeffT [fin, N]. inv holds 1 / inScale. Every value is computed as quantizeRow computes it.
 */
export function quantizeRows(w: usize, inScale: usize, inv: usize, bits: usize, ternary: i32, S: usize, weff: usize, weffT: usize, N: i32, fin: i32): void {
  const tiny = 1e-12;
  for (let j = 0; j < N; j++) {
    const row = w + ((<usize>j * fin) << 2);
    let sum = 0.0, max = 0.0;
    for (let k = 0; k < fin; k++) {
      const a = Math.abs(<f64>load<f32>(row + (<usize>k << 2)) * load<f64>(inScale + (<usize>k << 3)));
      sum += a;
      if (a > max) max = a;
    }
    const meanAbs = sum / fin;
    const b = load<i32>(bits + (<usize>j << 2));
    let s: f64, lo: f64 = 0, hi: f64 = 0;
    if (b <= 1) s = Math.max(meanAbs, tiny);
    else {
      if (b === 2 && ternary) {
        s = 1.4 * meanAbs;
        lo = -1;
        hi = 1;
      } else if (b === 2) {
        s = max / 2;
        lo = -2;
        hi = 1;
      } else {
        const top: i32 = 1 << (b - 1); // an i32 shift (count mod 32), then a double, as in JS
        hi = <f64>top - 1;
        lo = -hi;
        s = max / hi;
      }
      s = Math.max(s, tiny);
    }
    store<f64>(S + (<usize>j << 3), s);
    const invS = 1 / s;
    const out = weff + ((<usize>j * fin) << 2);
    for (let k = 0; k < fin; k++) {
      const wp = <f64>load<f32>(row + (<usize>k << 2)) * load<f64>(inScale + (<usize>k << 3));
      let c: f64;
      if (b === 0) c = 0;
      else if (b === 1) c = wp >= 0 ? 1 : -1;
      else {
        c = Math.floor(wp * invS + 0.5);
        c = c < lo ? lo : c > hi ? hi : c;
        if (c != c) c = 0; // JS stores the code in an Int32Array: NaN becomes 0
      }
      const v = <f32>(s * c * load<f64>(inv + (<usize>k << 3)));
      store<f32>(out + (<usize>k << 2), v);
      store<f32>(weffT + ((<usize>k * N + j) << 2), v);
    }
  }
}

/**
 * Backward through the activation quantiser at frozen widths (network.ts actBackwardRows without strength learning):
 * dZ = dA inside (0, clip), else 0; ga[j] = d loss / d alpha summed over the M rows in row order, from f64 per-column
 * inv (1 / step), top (2^b - 1), clip (top x step) and slope (d step / d alpha).
 */
export function actBackwardFrozen(z: usize, dA: usize, dZ: usize, inv: usize, top: usize, clip: usize, slope: usize, ga: usize, M: i32, N: i32): void {
  memory.fill(ga, 0, <usize>N << 3);
  for (let i = 0; i < M; i++) {
    const base = (<usize>i * N) << 2;
    for (let j = 0; j < N; j++) {
      const o = base + (<usize>j << 2);
      const zj = <f64>load<f32>(z + o);
      if (zj <= 0) {
        store<f32>(dZ + o, 0);
        continue;
      }
      const g = load<f32>(dA + o);
      const n = load<f64>(top + (<usize>j << 3));
      const zInv = zj * load<f64>(inv + (<usize>j << 3));
      const x = zInv + 0.5;
      const R = x == x ? Math.floor(x) : 0; // JS: x | 0 (x > 0.5 here), or floor for x >= 2^31 - 1
      const pg = ga + (<usize>j << 3);
      if (zj >= load<f64>(clip + (<usize>j << 3))) {
        store<f32>(dZ + o, 0);
        store<f64>(pg, load<f64>(pg) + <f64>g * n * load<f64>(slope + (<usize>j << 3)));
      } else {
        store<f32>(dZ + o, g);
        store<f64>(pg, load<f64>(pg) + <f64>g * ((R > n ? n : R) - zInv) * load<f64>(slope + (<usize>j << 3)));
      }
    }
  }
}
