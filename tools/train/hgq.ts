/**
 * @fileoverview The `hgq` allocator of `nmp` (after HGQ, arXiv 2405.00645): every neuron has a continuous width beta,
 * the forward pass uses round(beta), and beta learns from a surrogate gradient — for weights, the rounding error
 * delta = Weff − W with d delta / d bits ≈ −ln 2 · delta (one more bit halves the error); for activations, the clipped
 * samples, whose clip s (2^a − 1) grows by s 2^a ln 2 per bit — plus a price per bit that a controller holds at the
 * budget. When the widths freeze, rounding is corrected to meet the budget exactly.
 */

import type { Network } from './network.js';

/** Adam on one parameter vector (the allocator keeps its own: widths are not part of the model). */
class AdamVector {
  readonly m: Float32Array;
  readonly v: Float32Array;
  t = 0;
  constructor(readonly p: Float32Array, readonly lr: number, readonly lo: number, readonly hi: number) {
    this.m = new Float32Array(p.length);
    this.v = new Float32Array(p.length);
  }
  step(g: Float32Array): void {
    this.t++;
    const c1 = 1 - 0.9 ** this.t, c2 = 1 - 0.999 ** this.t;
    for (let i = 0; i < this.p.length; i++) {
      this.m[i] = 0.9 * this.m[i] + 0.1 * g[i];
      this.v[i] = 0.999 * this.v[i] + 0.001 * g[i] * g[i];
      const x = this.p[i] - (this.lr * (this.m[i] / c1)) / (Math.sqrt(this.v[i] / c2) + 1e-8);
      this.p[i] = x < this.lo ? this.lo : x > this.hi ? this.hi : x;
    }
  }
}

/** Multiplicative price controller (as budget.ts): grows while over the target, becomes a subsidy below it. */
function nextPrice(lam: number, excess: number): number {
  const f = Math.exp(0.2 * Math.min(1, Math.abs(excess)));
  const dir = excess > 0 ? 1 : -1;
  if (Math.sign(lam) === dir) return dir * Math.min(1e2, Math.abs(lam) * f);
  return dir * 1e-6;
}

export class HgqAllocator {
  readonly weightBeta: Float32Array[];
  readonly actBeta: Float32Array[];
  readonly #gw: Float32Array[];
  readonly #ga: Float32Array[];
  readonly #adamW: AdamVector[];
  readonly #adamA: AdamVector[];
  #priceW = 1e-4;
  #priceA = 1e-4;
  readonly #wMin: number;
  readonly #wMax: number;
  readonly #aMin: number;
  readonly #aMax: number;

  /**
   * @param targetBits average weight bits (over all weights) the widths must meet
   * @param targetActBits average activation bits over hidden neurons (null: activation widths stay as they are)
   */
  constructor(readonly net: Network, readonly targetBits: number, readonly targetActBits: number | null, lr = 0.02) {
    const r = net.r;
    this.#wMin = r.weightBitsMenu[0];
    this.#wMax = r.weightBitsMenu[r.weightBitsMenu.length - 1];
    this.#aMin = r.actBitsMenu[0];
    this.#aMax = r.actBitsMenu[r.actBitsMenu.length - 1];
    const last = net.layers.length - 1;
    // Start every neuron at the budget; output neurons are never pruned (a class or target would be lost).
    this.weightBeta = net.layers.map((st, l) => new Float32Array(st.out).fill(Math.max(targetBits, l === last ? 1 : this.#wMin)));
    this.actBeta = net.layers.filter((st) => st.hidden).map((st) => new Float32Array(st.out).fill(targetActBits ?? 0));
    this.#gw = this.weightBeta.map((b) => new Float32Array(b.length));
    this.#ga = this.actBeta.map((b) => new Float32Array(b.length));
    this.#adamW = this.weightBeta.map((b, l) => new AdamVector(b, lr, l === last ? Math.max(1, this.#wMin) : this.#wMin - 0.49, this.#wMax + 0.49));
    this.#adamA = this.actBeta.map((b) => new AdamVector(b, lr, this.#aMin - 0.49, this.#aMax + 0.49));
    this.applyWidths();
  }

  /** Hard widths = round(beta), clamped to the menus. */
  applyWidths(): void {
    const wm = this.net.r.weightBitsMenu, am = this.net.r.actBitsMenu;
    const near = (menu: number[], x: number) => menu.reduce((a, b) => (Math.abs(b - x) < Math.abs(a - x) ? b : a));
    this.net.layers.forEach((st, l) => {
      for (let j = 0; j < st.out; j++) st.weightBits[j] = near(wm, this.weightBeta[l][j]);
    });
    if (this.targetActBits === null) return;
    this.net.layers.filter((st) => st.hidden).forEach((st, l) => {
      for (let j = 0; j < st.out; j++) st.actBits[j] = near(am, this.actBeta[l][j]);
    });
  }

  /** After a backward pass of M rows: the surrogate gradients of every width, plus the bit prices. */
  accumulate(M: number): void {
    const net = this.net, LN2 = Math.LN2;
    const meanFan = net.totalWeights / net.layers.reduce((a, st) => a + st.out, 0);
    net.layers.forEach((st, l) => {
      const fin = st.in, g = this.#gw[l];
      for (let j = 0; j < st.out; j++) {
        let s = 0;
        for (let k = 0; k < fin; k++) s += st.gW[j * fin + k] * (st.Weff[j * fin + k] - st.W[j * fin + k]);
        // d loss / d bits = sum g * d delta / d bits = -ln 2 * sum g * delta; the price is per weight of the row.
        g[j] = -LN2 * s + this.#priceW * (fin / meanFan);
      }
    });
    if (this.targetActBits === null) return;
    net.layers.filter((st) => st.hidden).forEach((st, l) => {
      const N = st.out, g = this.#ga[l];
      g.fill(0);
      for (let j = 0; j < N; j++) {
        const s = net.actStep(st.alpha[j], st.actBits[j]);
        const clip = s * (2 ** st.actBits[j] - 1), dclip = s * 2 ** st.actBits[j] * LN2;
        let acc = 0;
        for (let i = j; i < M * N; i += N) if (st.Z[i] >= clip) acc += st.dA[i];
        g[j] = acc * dclip + this.#priceA;
      }
    });
  }

  /** One update of every width after an optimiser step; the prices move toward the budgets. */
  step(): void {
    this.#adamW.forEach((a, l) => a.step(this.#gw[l]));
    if (this.targetActBits !== null) this.#adamA.forEach((a, l) => a.step(this.#ga[l]));
    this.applyWidths();
    const avgW = this.#avg(true), avgA = this.#avg(false);
    this.#priceW = nextPrice(this.#priceW, (avgW - this.targetBits) / Math.max(this.targetBits, 0.5));
    if (this.targetActBits !== null) this.#priceA = nextPrice(this.#priceA, (avgA - this.targetActBits) / this.targetActBits);
  }

  #avg(weights: boolean): number {
    let s = 0, n = 0;
    for (const st of this.net.layers) {
      if (weights) for (let j = 0; j < st.out; j++) { s += st.weightBits[j] * st.in; n += st.in; }
      else if (st.hidden) for (let j = 0; j < st.out; j++) { s += st.actBits[j]; n++; }
    }
    return n ? s / n : 0;
  }

  /**
   * Freezes: widths move one menu step at a time until they meet `capacity` (weights: sum of fan-in x bits; activations:
   * sum of bits) exactly from below — down first where beta is closest to rounding down, then up while a move fits,
   * where beta is closest to rounding up. Returns the moves, for the run log.
   */
  finish(weightCapacity: number, actCapacity: number | null): string[] {
    const notes: string[] = [];
    const net = this.net, r = net.r, last = net.layers.length - 1;
    const fix = (what: string, menu: number[], bits: Uint8Array[], beta: Float32Array[], cost: (l: number) => number, capacity: number, floor: (l: number) => number) => {
      let used = 0;
      bits.forEach((b, l) => { for (let j = 0; j < b.length; j++) used += b[j] * cost(l); });
      let moved = 0;
      const pick = (down: boolean) => {
        let best: [number, number] | null = null, bestKey = Infinity;
        bits.forEach((b, l) => {
          for (let j = 0; j < b.length; j++) {
            const i = menu.indexOf(b[j]), to = menu[i + (down ? -1 : 1)];
            if (to === undefined || to < floor(l)) continue;
            if (!down && used + (to - b[j]) * cost(l) > capacity) continue;
            const key = down ? beta[l][j] - to : to - beta[l][j];
            if (key < bestKey) { bestKey = key; best = [l, j]; }
          }
        });
        return best as [number, number] | null;
      };
      for (let p = pick(true); used > capacity && p; p = pick(true)) {
        const [l, j] = p, to = menu[menu.indexOf(bits[l][j]) - 1];
        used -= (bits[l][j] - to) * cost(l);
        bits[l][j] = to;
        moved++;
      }
      for (let p = pick(false); p; p = pick(false)) {
        const [l, j] = p, to = menu[menu.indexOf(bits[l][j]) + 1];
        used += (to - bits[l][j]) * cost(l);
        bits[l][j] = to;
        moved++;
      }
      if (moved) notes.push(`freeze: ${moved} ${what} width moves to meet the budget exactly`);
    };
    fix('weight', r.weightBitsMenu, net.layers.map((st) => st.weightBits), this.weightBeta, (l) => net.layers[l].in, weightCapacity, (l) => (l === last ? 1 : 0));
    if (actCapacity !== null && this.targetActBits !== null) {
      const hidden = net.layers.filter((st) => st.hidden);
      fix('activation', r.actBitsMenu, hidden.map((st) => st.actBits), this.actBeta, () => 1, actCapacity, () => 0);
    }
    return notes;
  }
}
