/** @fileoverview The one histogram of bit-widths, and the summary built on it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bitsHistogram, summarizeModel } from '../../formats/summary.js';
import { readModel } from '../../formats/read.js';
import { testdataDir } from '../support/paths.js';

test('summary › bitsHistogram counts each width; a width outside the histogram is a RangeError', () => {
  assert.deepEqual(bitsHistogram(Uint8Array.of(1, 8, 0, 1, 2, 1), 9), [1, 3, 1, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(bitsHistogram([], 3), [0, 0, 0]);
  assert.throws(() => bitsHistogram(Uint8Array.of(9), 9), /bits\[0\] is 9, expected an integer 0\.\.8/);
  assert.throws(() => bitsHistogram([1, 0.5], 9), RangeError);
  assert.throws(() => bitsHistogram([-1], 9), RangeError);
});

test('summary › per-layer histograms, averages and pruned neurons of a model with every width', () => {
  const bytes = new Uint8Array(readFileSync(`${testdataDir}pruned.nmp`));
  const m = readModel(bytes);
  const s = summarizeModel(m, bytes.length);
  let slots = 0, bitSum = 0, pruned = 0;
  m.layers.forEach((l, i) => {
    const wh = s.layers[i].weightBitsHistogram;
    for (let b = 0; b <= 8; b++) assert.equal(wh[b], l.weightBits.filter((x) => x === b).length);
    if (l.act) for (let b = 0; b <= 16; b++) assert.equal(s.layers[i].actBitsHistogram![b], l.act.bits.filter((x) => x === b).length);
    else assert.equal(s.layers[i].actBitsHistogram, null);
    slots += l.inFeatures * l.outFeatures;
    bitSum += l.weightBits.reduce((a, b) => a + b * l.inFeatures, 0);
    pruned += l.weightBits.filter((b) => b === 0).length;
  });
  assert.ok(pruned > 0, 'the vector has pruned neurons');
  assert.equal(s.prunedNeurons, pruned);
  assert.equal(s.avgWeightBits, bitSum / slots);
});
