/**
 * @fileoverview The input quantiser (SPEC §6.1 with standardisation folded in) fitted on the training split, and the
 * fake-quantised inputs the training graph sees: code x step, computed with the exported integer input rule.
 */

import { featureStats, type Dataset } from './data.js';
import { inputCode } from './intforward.js';

/** Per-feature input quantiser (standardisation folded in) from training statistics. */
export interface InputQuant {
  bits: Uint8Array;
  center: Float64Array;
  gain: Float64Array;
  /** Real (standardised) value of code 1 per feature. */
  scale: Float64Array;
  constant: boolean[];
}

/** Input step = min(clip, max |x_std|) / qmax per feature; center = mean, gain = 1 / (std x step). */
export function fitInputQuant(train: Dataset, bits: number, clip: number): InputQuant {
  const { mean, std, constant } = featureStats(train);
  const F = train.features;
  const qmax = 2 ** (bits - 1) - 1;
  const maxAbs = new Float64Array(F);
  for (let r = 0; r < train.rows; r++) for (let f = 0; f < F; f++) {
    if (constant[f]) continue;
    const v = Math.abs((train.x[r * F + f] - mean[f]) / std[f]);
    if (v > maxAbs[f]) maxAbs[f] = v;
  }
  const scale = new Float64Array(F);
  const gain = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    if (constant[f]) {
      // A constant feature carries nothing: a vanishing gain maps every plausible value to code 0.
      scale[f] = 1;
      gain[f] = 1e-300;
    } else {
      scale[f] = Math.min(clip, maxAbs[f]) / qmax;
      gain[f] = 1 / (std[f] * scale[f]);
    }
  }
  return { bits: new Uint8Array(F).fill(bits), center: mean, gain, scale, constant };
}

/** Fake-quantised inputs code*scale (f32), row-major, computed with the exported integer input rule. */
export function quantizeInputs(ds: Dataset, iq: InputQuant): Float32Array {
  const F = ds.features;
  const out = new Float32Array(ds.rows * F);
  for (let r = 0; r < ds.rows; r++) for (let f = 0; f < F; f++) {
    out[r * F + f] = inputCode(ds.x[r * F + f], iq.center[f], iq.gain[f], iq.bits[f]) * iq.scale[f];
  }
  return out;
}
