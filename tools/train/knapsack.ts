/**
 * @fileoverview Multiple-choice knapsack: pick one option per item (a neuron's width) to minimise the summed cost
 * estimate (loss increase) under a capacity (bits or file bytes). Greedy over the items' lower convex hulls in order of
 * efficiency — the Lagrangian relaxation's solution, whose gap to the optimum is at most one hull step — then a fill
 * pass that spends what is left on the best single moves, hull or not.
 */

/** One item: option i costs `cost[i]` (integer units) and is expected to add `loss[i]` to the loss. */
export interface KnapsackItem {
  cost: ArrayLike<number>;
  loss: ArrayLike<number>;
}

export interface KnapsackResult {
  /** Chosen option index per item. */
  choice: Int32Array;
  /** Total cost and loss of the choice. */
  cost: number;
  loss: number;
}

/** Smallest total cost any choice can have (every item at its cheapest option). */
export function minimumCost(items: readonly KnapsackItem[]): number {
  let s = 0;
  for (const it of items) {
    let m = Infinity;
    for (let i = 0; i < it.cost.length; i++) m = Math.min(m, it.cost[i]);
    s += m;
  }
  return s;
}

/** Indices of the lower convex hull of (cost, loss), by increasing cost and strictly decreasing loss. */
function hull(it: KnapsackItem): number[] {
  const idx = Array.from({ length: it.cost.length }, (_, i) => i)
    .filter((i) => Number.isFinite(it.loss[i]))
    .sort((a, b) => it.cost[a] - it.cost[b] || it.loss[a] - it.loss[b]);
  const h: number[] = [];
  for (const i of idx) {
    if (h.length && it.cost[i] === it.cost[h[h.length - 1]]) continue; // same cost, larger loss
    if (h.length && it.loss[i] >= it.loss[h[h.length - 1]]) continue; // costs more, saves nothing
    // Drop the last point while it lies on or above the segment from its predecessor to i.
    while (h.length >= 2) {
      const a = h[h.length - 2], b = h[h.length - 1];
      const lhs = (it.loss[a] - it.loss[b]) * (it.cost[i] - it.cost[b]);
      const rhs = (it.loss[b] - it.loss[i]) * (it.cost[b] - it.cost[a]);
      if (lhs <= rhs) h.pop();
      else break;
    }
    h.push(i);
  }
  return h;
}

/**
 * Minimises sum loss subject to sum cost <= capacity. Throws RangeError when even the cheapest choice exceeds the
 * capacity (the message gives the smallest feasible capacity).
 */
export function solveKnapsack(items: readonly KnapsackItem[], capacity: number): KnapsackResult {
  const need = minimumCost(items);
  if (need > capacity) throw new RangeError(`capacity ${capacity} is below the smallest feasible total ${need}`);
  const hulls = items.map(hull);
  const choice = Int32Array.from(hulls, (h) => h[0]);
  const at = new Int32Array(items.length); // position on each hull
  let used = 0;
  for (let j = 0; j < items.length; j++) used += items[j].cost[choice[j]];
  // Upgrades along each hull have decreasing efficiency, so one heap of "next step per item" visits all steps in order.
  const eff = (j: number) => {
    const h = hulls[j], p = at[j];
    if (p + 1 >= h.length) return -Infinity;
    const it = items[j];
    return (it.loss[h[p]] - it.loss[h[p + 1]]) / (it.cost[h[p + 1]] - it.cost[h[p]]);
  };
  const heap = new MaxHeap(items.length);
  for (let j = 0; j < items.length; j++) if (hulls[j].length > 1) heap.push(j, eff(j));
  while (heap.size) {
    const j = heap.pop();
    const h = hulls[j], it = items[j];
    const step = it.cost[h[at[j] + 1]] - it.cost[h[at[j]]];
    if (used + step > capacity) continue; // this item stops here; smaller steps of other items may still fit
    used += step;
    at[j]++;
    choice[j] = h[at[j]];
    if (at[j] + 1 < h.length) heap.push(j, eff(j));
  }
  // Fill: any single move (off the hull too) that lowers the loss and fits, best loss saved per unit cost first.
  for (;;) {
    let best = -1, bestOpt = -1, bestGain = 0;
    for (let j = 0; j < items.length; j++) {
      const it = items[j], c0 = it.cost[choice[j]], l0 = it.loss[choice[j]];
      for (let i = 0; i < it.cost.length; i++) {
        const dc = it.cost[i] - c0, dl = l0 - it.loss[i];
        if (dl <= 0 || used + dc > capacity) continue;
        const gain = dc <= 0 ? Infinity : dl / dc;
        if (gain > bestGain) { bestGain = gain; best = j; bestOpt = i; }
      }
    }
    if (best < 0) break;
    used += items[best].cost[bestOpt] - items[best].cost[choice[best]];
    choice[best] = bestOpt;
  }
  let loss = 0;
  for (let j = 0; j < items.length; j++) loss += items[j].loss[choice[j]];
  return { choice, cost: used, loss };
}

/** Binary max-heap of item indices keyed by a number. */
class MaxHeap {
  readonly #ids: Int32Array;
  readonly #keys: Float64Array;
  size = 0;
  constructor(n: number) {
    this.#ids = new Int32Array(n);
    this.#keys = new Float64Array(n);
  }
  push(id: number, key: number): void {
    let i = this.size++;
    const ids = this.#ids, keys = this.#keys;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p] >= key) break;
      ids[i] = ids[p];
      keys[i] = keys[p];
      i = p;
    }
    ids[i] = id;
    keys[i] = key;
  }
  pop(): number {
    const ids = this.#ids, keys = this.#keys;
    const top = ids[0];
    const n = --this.size;
    const id = ids[n], key = keys[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && keys[c + 1] > keys[c]) c++;
      if (keys[c] <= key) break;
      ids[i] = ids[c];
      keys[i] = keys[c];
      i = c;
    }
    ids[i] = id;
    keys[i] = key;
    return top;
  }
}
