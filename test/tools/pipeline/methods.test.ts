/** @fileoverview The method table: every listed name maps to trainer options; anything else is a RangeError naming the choices. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { methodOptions, METHODS, optionsFor } from '../../../tools/pipeline/methods.js';

test('methods › every listed name maps to trainer options', () => {
  assert.deepEqual(METHODS.map(methodOptions), [
    { method: 'nmp' }, { method: 'fp32' },
    { method: 'uniform', uniformBits: 1 }, { method: 'uniform', uniformBits: 1.58 }, { method: 'uniform', uniformBits: 2 },
    { method: 'uniform', uniformBits: 3 }, { method: 'uniform', uniformBits: 4 }, { method: 'uniform', uniformBits: 8 },
    { method: 'layer' }, { method: 'nmp-paper' },
  ]);
});

test('methods › optionsFor: fixed-width methods drop budgets; fp32 trains as the others\' float phase', () => {
  const o = { targetBits: 1.5, targetActBits: 3, allocator: 'hgq' as const, epochs: 7, floatEpochs: 4, distill: 0.8, seed: 2 };
  assert.deepEqual(optionsFor('nmp', o), { ...o, method: 'nmp' });
  assert.deepEqual(optionsFor('uniform:2', o), { epochs: 7, floatEpochs: 4, distill: 0.8, seed: 2, method: 'uniform', uniformBits: 2 });
  assert.deepEqual(optionsFor('fp32', o), { epochs: 4, seed: 2, method: 'fp32' });
});

test('methods › an unknown name is a RangeError listing the choices (not a CLI error type)', () => {
  for (const bad of ['uniform:5', 'NMP', 'uniform', '']) {
    assert.throws(() => methodOptions(bad), (e: Error) => e.constructor === RangeError && e.message === `unknown method '${bad}' - expected one of ${METHODS.join(', ')}`);
  }
});
