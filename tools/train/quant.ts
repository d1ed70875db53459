/**
 * @fileoverview NMP-QAT quantisers and gates: per-row weight quantisers Q^(b) onto the integer codes of format v1,
 * strength bands (fixed thresholds), sigmoid gates and their derivatives, and the activation fake-quantiser.
 */

/** How 2-bit rows use their four codes: ternary {-1,0,1} (symmetric) or full two's complement {-2,-1,0,1}. */
export type TwoBitMode = 'ternary' | 'full';

/**
 * Quantises one row `w[off .. off+n)` (already multiplied by its inputs' scales) at `bits`, writing integer codes to
 * `q[qOff ..]` and returning the row scale S (> 0). Choices (README "Quantiser"):
 * b=0: all codes 0 (pruned), S = mean|w| (only the bias uses it);
 * b=1: code = sign (0 -> +1), S = mean|w| (the L2-optimal scale for a sign code);
 * b=2 ternary: S = 1.4 mean|w| so the zero band is |w| < 0.7 mean|w| (TWN's threshold), codes -1..1;
 * b=2 full: S = max|w|/2, codes -2..1;
 * b>=3: symmetric, S = max|w|/qmax, qmax = 2^(b-1)-1, codes -qmax..qmax (round half up).
 * `meanAbs` / `maxAbs` may be passed when already known (the gate gradient reuses them across widths).
 */
export function quantizeRow(
  w: ArrayLike<number>, off: number, n: number, bits: number, twoBit: TwoBitMode,
  q: Int32Array | Float32Array | null, qOff: number, meanAbs = -1, maxAbs = -1,
): number {
  if (meanAbs < 0 || maxAbs < 0) {
    let s = 0;
    let m = 0;
    for (let k = 0; k < n; k++) {
      const a = Math.abs(w[off + k]);
      s += a;
      if (a > m) m = a;
    }
    meanAbs = s / n;
    maxAbs = m;
  }
  const tiny = 1e-12;
  if (bits === 0) {
    if (q) for (let k = 0; k < n; k++) q[qOff + k] = 0;
    return Math.max(meanAbs, tiny);
  }
  if (bits === 1) {
    if (q) for (let k = 0; k < n; k++) q[qOff + k] = w[off + k] >= 0 ? 1 : -1;
    return Math.max(meanAbs, tiny);
  }
  let S: number;
  let lo: number;
  let hi: number;
  if (bits === 2 && twoBit === 'ternary') {
    S = 1.4 * meanAbs;
    lo = -1;
    hi = 1;
  } else if (bits === 2) {
    S = maxAbs / 2;
    lo = -2;
    hi = 1;
  } else {
    hi = (1 << (bits - 1)) - 1;
    lo = -hi;
    S = maxAbs / hi;
  }
  S = Math.max(S, tiny);
  if (q) {
    const inv = 1 / S;
    for (let k = 0; k < n; k++) {
      const c = Math.floor(w[off + k] * inv + 0.5);
      q[qOff + k] = c < lo ? lo : c > hi ? hi : c;
    }
  }
  return S;
}

/** Fixed thresholds of a menu of n widths: evenly spaced t_i = (i+1)/n, i = 0..n-2 (README "Thresholds"). */
export function defaultThresholds(n: number): number[] {
  const t: number[] = [];
  for (let i = 1; i < n; i++) t.push(i / n);
  return t;
}

/** Index of the band of strength s: the number of thresholds strictly below s (s <= t1 is band 0, as Eq. 1). */
export function band(s: number, thresholds: readonly number[]): number {
  let i = 0;
  while (i < thresholds.length && s > thresholds[i]) i++;
  return i;
}

/** Middle of band `i` of [0, 1]. */
export function bandMiddle(i: number, thresholds: readonly number[]): number {
  const lo = i === 0 ? 0 : thresholds[i - 1];
  const hi = i === thresholds.length ? 1 : thresholds[i];
  return (lo + hi) / 2;
}

/**
 * Derivatives of the gate transitions at s: sigma_i'(s) for each threshold, sigma_i = sigmoid((s - t_i)/tau).
 * Gates g_0 = 1 - sigma_0, g_i = sigma_{i-1} - sigma_i, g_last = sigma_last sum to 1, so for a mixture
 * sum_i g_i X_i the derivative is sum_i sigma_i' (X_{i+1} - X_i).
 */
export function gateSlopes(s: number, thresholds: readonly number[], tau: number, out: Float64Array): void {
  for (let i = 0; i < thresholds.length; i++) {
    const sg = 1 / (1 + Math.exp(-(s - thresholds[i]) / tau));
    out[i] = (sg * (1 - sg)) / tau;
  }
}

/** Gate weights at s (for the expected-bits cost). */
export function gates(s: number, thresholds: readonly number[], tau: number): number[] {
  const sig = thresholds.map((t) => 1 / (1 + Math.exp(-(s - t) / tau)));
  const g: number[] = [];
  for (let i = 0; i <= thresholds.length; i++) g.push((i === 0 ? 1 : sig[i - 1]) - (i === thresholds.length ? 0 : sig[i]));
  return g;
}

/** Activation fake-quant: a = s * clamp(floor(z/s + 0.5), 0, 2^bits - 1), s = alpha / (2^bits - 1). */
export function fakeQuantAct(z: number, alpha: number, bits: number): number {
  return fakeQuantActStep(z, alpha / (2 ** bits - 1), bits);
}

/** The same quantiser given its step s (the real value of code 1): what the trainer calls per activation. */
export function fakeQuantActStep(z: number, s: number, bits: number): number {
  const n = 2 ** bits - 1;
  const c = Math.floor(z / s + 0.5);
  return (c < 0 ? 0 : c > n ? n : c) * s;
}
