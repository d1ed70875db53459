/** @fileoverview The deploy check compares the trainer's integer forward with every backend, and it has teeth. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDeployment } from '../../../tools/pipeline/deploy.js';
import { uniformInputs } from '../../../tools/pipeline/inputs.js';
import { randomModel } from '../../../formats/testdata/random.js';
import { encodeModel } from '../../../formats/write.js';
import { readModel } from '../../../formats/read.js';
import type { Dataset } from '../../../tools/train/data.js';

const mi = randomModel({ seed: 5, widths: [23, 37, 19, 5] });
const bytes = encodeModel(mi);
const dataset = (rows: number): Dataset => ({ x: uniformInputs(rows, 23, 3), rows, features: 23 } as Dataset);

test('deploy › a model equals itself on every backend: 0 mismatches over rows x outputs', async () => {
  const check = await checkDeployment({ model: readModel(bytes), bytes }, dataset(40));
  assert.deepEqual(check, { rows: 40, outputs: 5, mismatches: 0, backends: ['simd', 'scalar'] });
});

test('deploy › a trainer model that differs from the file by one bias is caught', async () => {
  const model = readModel(bytes);
  const last = model.layers[model.layers.length - 1];
  const tampered = { ...model, layers: [...model.layers.slice(0, -1), { ...last, bias: Int32Array.from(last.bias, (b, j) => (j === 2 ? b + 1 : b)) }] };
  const check = await checkDeployment({ model: tampered, bytes }, dataset(40));
  assert.equal(check.mismatches, 2 * 40, 'output 2 of every row, on both backends');
});

test('deploy › comparing nothing is an error, not a pass', async () => {
  await assert.rejects(checkDeployment({ model: readModel(bytes), bytes }, dataset(0)), /test split is empty/);
});
