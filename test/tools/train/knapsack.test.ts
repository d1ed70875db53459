/** @fileoverview The width allocator's knapsack against an exact dynamic program on small random instances. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minimumCost, solveKnapsack, type KnapsackItem } from '../../../tools/train/knapsack.js';
import { Rng } from '../../../tools/train/rng.js';

/** Exact minimum loss by dynamic programming over integer costs 0..capacity. */
function exact(items: KnapsackItem[], capacity: number): number {
  let best = new Float64Array(capacity + 1).fill(Infinity);
  best[0] = 0;
  for (const it of items) {
    const next = new Float64Array(capacity + 1).fill(Infinity);
    for (let c = 0; c <= capacity; c++) {
      if (!Number.isFinite(best[c])) continue;
      for (let i = 0; i < it.cost.length; i++) {
        const c2 = c + it.cost[i];
        if (c2 <= capacity && best[c] + it.loss[i] < next[c2]) next[c2] = best[c] + it.loss[i];
      }
    }
    best = next;
  }
  return Math.min(...best);
}

/** Width-like items: option b costs fanIn x b and loses about 4^-b (quantisation error), with noise. */
function randomItems(rng: Rng, n: number): KnapsackItem[] {
  return Array.from({ length: n }, () => {
    const fanIn = 1 + rng.int(6);
    const sens = rng.next() * 10;
    const widths = [0, 1, 2, 3, 4, 8];
    return {
      cost: widths.map((b) => fanIn * b),
      loss: widths.map((b) => sens * 4 ** -b * (0.5 + rng.next())),
    };
  });
}

test('knapsack › within budget and within the largest hull step of the exact optimum on small instances', () => {
  const rng = new Rng(7);
  for (let t = 0; t < 300; t++) {
    const items = randomItems(rng, 2 + rng.int(9));
    const lo = minimumCost(items), hi = items.reduce((a, it) => a + Math.max(...Array.from(it.cost)), 0);
    const capacity = lo + rng.int(hi - lo + 1);
    const res = solveKnapsack(items, capacity);
    assert.ok(res.cost <= capacity, `cost ${res.cost} over capacity ${capacity}`);
    const opt = exact(items, capacity);
    let maxStep = 0;
    for (const it of items) for (let i = 0; i < it.loss.length; i++) maxStep = Math.max(maxStep, it.loss[0] - it.loss[i]);
    assert.ok(res.loss <= opt + maxStep + 1e-12, `trial ${t}: loss ${res.loss} vs optimum ${opt}`);
  }
});

test('knapsack › within 0.5 % of the exact optimum at the sizes of real layers (hundreds of neurons)', () => {
  const rng = new Rng(8);
  for (let t = 0; t < 6; t++) {
    const items = randomItems(rng, 200 + rng.int(200));
    const lo = minimumCost(items), hi = items.reduce((a, it) => a + Math.max(...Array.from(it.cost)), 0);
    const capacity = lo + Math.round((0.1 + 0.6 * rng.next()) * (hi - lo));
    const res = solveKnapsack(items, capacity);
    const opt = exact(items, capacity);
    assert.ok(res.cost <= capacity);
    assert.ok(res.loss <= opt * 1.005, `trial ${t}: loss ${res.loss} vs optimum ${opt} (+${(100 * (res.loss / opt - 1)).toFixed(3)} %)`);
  }
});

test('knapsack › the whole capacity buys the cheapest-loss option of every item; too little capacity is an error', () => {
  const items: KnapsackItem[] = [
    { cost: [0, 4, 8], loss: [9, 2, 1] },
    { cost: [0, 2, 4], loss: [5, 1, 0] },
  ];
  assert.deepEqual(Array.from(solveKnapsack(items, 12).choice), [2, 2]);
  assert.deepEqual(Array.from(solveKnapsack(items, 0).choice), [0, 0]);
  assert.throws(() => solveKnapsack([{ cost: [3, 5], loss: [1, 0] }], 2), /capacity 2 is below the smallest feasible total 3/);
  // An item whose wider options save nothing (a dead neuron) stays at its cheapest option and costs only that.
  const dead = solveKnapsack([{ cost: [2, 3, 4], loss: [0, 0, 0] }, { cost: [2, 3, 4], loss: [3, 2, 1] }], 7);
  assert.deepEqual([Array.from(dead.choice), dead.cost, dead.loss], [[0, 2], 6, 1]);
});
