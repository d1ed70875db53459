/**
 * @fileoverview Training-speed benchmark (issue #4 target): 54->256->256->7 MLP, batch 256, Adam, on synthetic
 * Covertype-shaped data; fp32 vs NMP-QAT weights+activations. Run: `node dist/tools/bench/train/speed.js [rows] [epochs]`.
 */
import { Rng } from '../../train/rng.js';
import type { Dataset } from '../../train/data.js';
import { Trainer, type TrainOptions } from '../../train/index.js';

/** Synthetic classification data: 54 features (10 Gaussian, 44 binary), 7 classes from a random linear teacher. */
export function syntheticCovertype(rows: number, seed = 1): Dataset {
  const rng = new Rng(seed);
  const F = 54;
  const C = 7;
  const teacher = Array.from({ length: C * F }, () => rng.normal());
  const x = new Float32Array(rows * F);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < F; f++) x[r * F + f] = f < 10 ? rng.normal() * 100 + 1000 : rng.next() < 0.1 ? 1 : 0;
    let best = 0;
    let bv = -Infinity;
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let f = 0; f < F; f++) s += teacher[c * F + f] * (f < 10 ? (x[r * F + f] - 1000) / 100 : x[r * F + f] * 3);
      if (s > bv) { bv = s; best = c; }
    }
    labels[r] = best;
  }
  return {
    source: 'synthetic-covertype', task: 'classification', featureNames: Array.from({ length: F }, (_, i) => `f${i}`),
    rows, features: F, x, labels, classes: Array.from({ length: C }, (_, i) => String(i + 1)), targets: null, targetNames: ['class'],
  };
}

export interface SpeedResult {
  method: string;
  samplesPerSecond: number;
  secondsPerEpoch: number;
}

/** Samples per second of whole training epochs (the first epoch is a warm-up and is not counted). */
export function benchTrainingSpeed(rows = 50000, epochs = 2, methods: TrainOptions[] = [{ method: 'fp32' }, { method: 'nmp' }]): SpeedResult[] {
  const ds = syntheticCovertype(rows);
  const val = syntheticCovertype(1000, 2);
  const out: SpeedResult[] = [];
  for (const m of methods) {
    const t = new Trainer(ds, val, { hidden: [256, 256], batchSize: 256, optimizer: 'adam', ...m });
    t.runEpoch();
    const t0 = performance.now();
    for (let e = 0; e < epochs; e++) t.runEpoch();
    const s = (performance.now() - t0) / 1000;
    out.push({ method: JSON.stringify(m), samplesPerSecond: (rows * epochs) / s, secondsPerEpoch: s / epochs });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = Number(process.argv[2] ?? 50000);
  const epochs = Number(process.argv[3] ?? 2);
  const res = benchTrainingSpeed(rows, epochs, [
    { method: 'fp32' },
    { method: 'nmp', freezeAt: null }, // widths learning (the first 30 % of a default run)
    { method: 'nmp', freezeAt: 0 }, // widths frozen (the remaining 70 %)
    { method: 'nmp', quantizeActivations: false, freezeAt: null },
    { method: 'uniform', uniformBits: 2 },
  ]);
  const base = res[0].secondsPerEpoch;
  for (const r of res) console.log(`${r.method.padEnd(48)} ${Math.round(r.samplesPerSecond).toString().padStart(7)} samples/s  ${r.secondsPerEpoch.toFixed(2)} s/epoch  ${(r.secondsPerEpoch / base).toFixed(2)}x fp32`);
  console.log(`node ${process.version}, ${process.arch}; 54->256->256->7, batch 256, Adam`);
}
