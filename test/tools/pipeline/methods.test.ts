/** @fileoverview The method table: every listed name maps to trainer options; anything else is a RangeError naming the choices. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { methodOptions, METHODS } from '../../../tools/pipeline/methods.js';

test('methods › every listed name maps to trainer options', () => {
  assert.deepEqual(METHODS.map(methodOptions), [
    { method: 'nmp' }, { method: 'fp32' },
    { method: 'uniform', uniformBits: 1 }, { method: 'uniform', uniformBits: 1.58 }, { method: 'uniform', uniformBits: 2 },
    { method: 'uniform', uniformBits: 4 }, { method: 'uniform', uniformBits: 8 }, { method: 'layer' },
  ]);
});

test('methods › an unknown name is a RangeError listing the choices (not a CLI error type)', () => {
  for (const bad of ['uniform:3', 'NMP', 'uniform', '']) {
    assert.throws(() => methodOptions(bad), (e: Error) => e.constructor === RangeError && e.message === `unknown method '${bad}' - expected one of ${METHODS.join(', ')}`);
  }
});
