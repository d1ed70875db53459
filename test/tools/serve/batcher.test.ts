import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher, type BatchModel } from '../../../tools/serve/batcher.js';

/** y = [sum of row, call number] per row; records each call's row count. */
function fakeModel(): BatchModel & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    info: { features: 2, outputs: 2 },
    predictBatch(xs, n) {
      calls.push(n);
      const y = new Float32Array(n * 2);
      for (let r = 0; r < n; r++) { y[2 * r] = xs[2 * r] + xs[2 * r + 1]; y[2 * r + 1] = calls.length; }
      return y;
    },
  };
}

test('serve › batcher › requests submitted in one turn share one predictBatch call, each gets its own rows', async () => {
  const m = fakeModel();
  const b = new Batcher(m, { windowMs: 0, maxRows: 256 });
  const ys = await Promise.all([b.submit(Float32Array.of(1, 2), 1), b.submit(Float32Array.of(3, 4, 5, 6), 2), b.submit(Float32Array.of(7, 8), 1)]);
  assert.deepEqual(m.calls, [4]);
  assert.deepEqual(ys.map((y) => Array.from(y)), [[3, 1], [7, 1, 11, 1], [15, 1]]);
  // A later lone request runs at once in its own batch.
  assert.deepEqual(Array.from(await b.submit(Float32Array.of(1, 1), 1)), [2, 2]);
  assert.deepEqual(m.calls, [4, 1]);
});

test('serve › batcher › a batch runs as soon as it holds maxRows', async () => {
  const m = fakeModel();
  const b = new Batcher(m, { windowMs: 0, maxRows: 2 });
  const p = [b.submit(Float32Array.of(1, 1), 1), b.submit(Float32Array.of(1, 1), 1)];
  assert.deepEqual(m.calls, [2]); // ran synchronously in the second submit
  const q = b.submit(Float32Array.of(2, 2), 1);
  assert.equal(b.pendingRows, 1);
  await Promise.all([...p, q]);
  assert.deepEqual(m.calls, [2, 1]);
});

test('serve › batcher › while busy, the window gathers rows that arrive over several turns', async () => {
  const m = fakeModel();
  const b = new Batcher(m, { windowMs: 30, maxRows: 256 });
  await b.submit(Float32Array.of(1, 1), 1); // idle: runs at the end of the turn
  const p1 = b.submit(Float32Array.of(1, 1), 1); // busy now: waits for the window
  await new Promise((r) => setImmediate(r));
  const p2 = b.submit(Float32Array.of(1, 1), 1);
  await Promise.all([p1, p2]);
  assert.deepEqual(m.calls, [1, 2]);
});

test('serve › batcher › a failing batch rejects its requests, drained() waits for the queue', async () => {
  const b = new Batcher({ info: { features: 1, outputs: 1 }, predictBatch() { throw new Error('boom'); } }, { windowMs: 0, maxRows: 9 });
  const p = b.submit(Float32Array.of(1), 1);
  let drained = false;
  const d = b.drained().then(() => { drained = true; });
  assert.equal(drained, false);
  await assert.rejects(p, /boom/);
  await d;
  assert.equal(drained, true);
  await b.drained(); // idle: resolves at once
});
