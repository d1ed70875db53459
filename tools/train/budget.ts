/**
 * @fileoverview The bit budget: average weight and activation bits of the current widths, the price controller that
 * holds them at their targets while widths learn, and the enforcement (and 'fill' top-up) at the freeze.
 */

import { bitsHistogram, rowBytes } from '../../formats/index.js';
import type { LayerState, Network } from './network.js';

export interface LayerHistogram {
  /** Weight width -> number of neurons. */
  weights: Record<string, number>;
  /** Activation width -> number of neurons (hidden layers). */
  acts: Record<string, number>;
}

/** Budget state of one run: the prices (lambda) and the effective weight-bits target. */
export class Budget {
  /** Price of one expected weight bit (negative: a subsidy, 'fill' below target). */
  lambda = 1e-4;
  /** Price of one expected activation bit. */
  lambdaAct = 1e-4;
  readonly #meanFanIn: number;
  readonly #hiddenNeurons: number;

  /**
   * @param targetBits average weight bits the budget allows (targetBits, or targetBytes converted), or null
   * @param overheadBytes encoded size of the model with every neuron pruned (0 without targetBytes)
   */
  constructor(readonly net: Network, public targetBits: number | null, readonly overheadBytes: number) {
    const layers = net.layers;
    this.#meanFanIn = net.totalWeights / layers.reduce((a, l) => a + l.out, 0);
    this.#hiddenNeurons = layers.reduce((a, st) => a + (st.hidden ? st.out : 0), 0);
  }

  /**
   * Price per expected bit of a neuron of fan-in `fanIn` (null without a weight budget). A neuron's cost is its fan-in,
   * so the penalty scales with it. A negative lambda ('fill', below target) is a subsidy; scaled the same way it would
   * favour the most expensive neurons, so it scales inversely (unless subsidy is 'cost').
   */
  weightPrice(fanIn: number): number | null {
    if (this.targetBits === null) return null;
    const m = this.#meanFanIn;
    return this.lambda * (this.lambda > 0 || this.net.r.subsidy === 'cost' ? fanIn / m : m / fanIn);
  }

  /** Price per expected activation bit (null without an activation budget). */
  actPrice(): number | null {
    return this.net.r.targetActBits !== null ? this.lambdaAct : null;
  }

  /** Average hard weight bits over all weights (pruned neurons count 0). */
  avgWeightBits(): number {
    let s = 0;
    for (const st of this.net.layers) for (let j = 0; j < st.out; j++) s += st.weightBits[j] * st.in;
    return s / this.net.totalWeights;
  }

  /** Average activation bits over hidden neurons (0 when there are none; 32 per neuron for float activations). */
  avgActBits(): number {
    let s = 0;
    let n = 0;
    for (const st of this.net.layers) if (st.hidden) for (let j = 0; j < st.out; j++) { s += this.net.r.quantA ? st.actBits[j] : 32; n++; }
    return n ? s / n : 0;
  }

  /** True when the current widths meet every target. */
  met(): boolean {
    const r = this.net.r;
    return (this.targetBits === null || this.avgWeightBits() <= this.targetBits + 1e-9) && (r.targetActBits === null || this.avgActBits() <= r.targetActBits + 1e-9);
  }

  /** Neurons per width of every layer ("32" for float layers). */
  histogram(): LayerHistogram[] {
    const r = this.net.r;
    const byWidth = (h: number[]) => Object.fromEntries(h.flatMap((n, b) => (n ? [[String(b), n]] : [])));
    return this.net.layers.map((st) => ({
      weights: r.quantW ? byWidth(bitsHistogram(st.weightBits, 9)) : { '32': st.out },
      acts: !st.hidden ? {} : r.quantA ? byWidth(bitsHistogram(st.actBits, 17)) : { '32': st.out },
    }));
  }

  /** After every step while widths learn: moves the prices toward the targets. */
  control(): void {
    const r = this.net.r;
    const fill = r.budgetMode === 'fill';
    // Multiplicative in |lambda| while the error keeps its sign (scale-free: the strengths' Adam normalises gradients
    // anyway), reset to the floor when it changes sign (no wind-up: measured, a slowly unwinding lambda overshot
    // Covertype from 2.2 to 4.7 bits in one epoch). 'cap': lambda > 0 only pushes down; 'fill' also pushes up.
    const next = (lam: number, ex: number) => {
      const f = Math.exp(r.budgetRate * Math.min(1, Math.abs(ex)) * 4);
      const dir = ex > 0 ? 1 : -1;
      if (!fill && dir < 0) return 1e-6;
      if (Math.sign(lam) === dir) return dir * Math.min(1e2, Math.abs(lam) * f);
      return dir * 1e-6;
    };
    if (this.targetBits !== null && r.learnW !== 'none') {
      this.lambda = next(this.lambda, (this.avgWeightBits() - this.targetBits) / Math.max(this.targetBits, 0.5));
    }
    if (r.targetActBits !== null && r.learnA !== 'none') {
      this.lambdaAct = next(this.lambdaAct, (this.avgActBits() - r.targetActBits) / r.targetActBits);
    }
  }

  /**
   * At the freeze: if a budget is exceeded, neurons move down one band at a time, the one whose strength is closest to
   * its band's lower threshold first, until the budget holds. In 'fill' mode a budget not yet reached is topped up the
   * same way upwards (closest to its upper threshold first) while the next move still fits: with few steps before the
   * freeze the controller may not get there, and 'fill' promises the target. Returns the moves, for the run log.
   */
  enforce(): string[] {
    const net = this.net;
    const r = net.r;
    const notes: string[] = [];
    // Exact row sizes (padding included) rather than the average-bits estimate.
    const fileBytes = () => this.overheadBytes + net.layers.reduce((a, st) => a + st.weightBits.reduce((b, w) => b + rowBytes(st.in, w), 0), 0);
    /**
     * Moves neurons one width down (dir -1) or up (+1), each time the one nearest the threshold it crosses, while
     * `more()` holds and some neuron's move passes `fits(layer, from, to)`.
     */
    const move = (which: 'W' | 'A', dir: -1 | 1, more: () => boolean, fits: (st: LayerState, from: number, to: number) => boolean) => {
      const menu = which === 'W' ? r.weightBitsMenu : r.actBitsMenu;
      const thr = which === 'W' ? r.weightThresholds : r.actThresholds;
      let moved = 0;
      while (more()) {
        let best: [LayerState, number] | null = null;
        let bestGap = Infinity;
        for (const st of net.layers) {
          if (which === 'A' && !st.hidden) continue;
          const bits = which === 'W' ? st.weightBits : st.actBits;
          const s = which === 'W' ? st.weightStrength : st.actStrength;
          for (let j = 0; j < st.out; j++) {
            const i = menu.indexOf(bits[j]);
            // Pruned neurons (width 0) stay pruned.
            if (i < 0 || i + dir < 0 || i + dir >= menu.length || (dir > 0 && menu[i] === 0)) continue;
            if (!fits(st, menu[i], menu[i + dir])) continue;
            const gap = dir < 0 ? s[j] - thr[i - 1] : thr[i] - s[j];
            if (gap < bestGap) { bestGap = gap; best = [st, j]; }
          }
        }
        if (!best) break;
        const [st, j] = best;
        const bits = which === 'W' ? st.weightBits : st.actBits;
        const i = menu.indexOf(bits[j]);
        bits[j] = menu[i + dir];
        (which === 'W' ? st.weightStrength : st.actStrength)[j] = dir < 0 ? thr[i - 1] - 1e-3 : Math.min(1, thr[i] + 1e-3);
        moved++;
      }
      const what = which === 'W' ? 'weight' : 'activation';
      if (moved) notes.push(dir < 0 ? `freeze: ${moved} neurons moved down one ${what} width to meet the budget` : `freeze: ${moved} neurons moved up one ${what} width to fill the budget`);
    };
    const any = () => true;
    const targetW = this.targetBits;
    if (r.learnW !== 'none' && targetW !== null) move('W', -1, () => this.avgWeightBits() > targetW + 1e-9, any);
    if (r.learnW !== 'none' && r.targetBytes !== null) move('W', -1, () => fileBytes() > r.targetBytes!, any);
    if (r.learnA !== 'none' && r.targetActBits !== null) move('A', -1, () => this.avgActBits() > r.targetActBits! + 1e-9, any);
    // 'fill': top up while the next move still fits (averages, and bytes when targetBytes is set). Per neuron only:
    // one neuron's move would break a layer-level tie.
    if (r.budgetMode === 'fill') {
      let avgNow = 0;
      let bytesNow = 0;
      if (r.learnW === 'neuron' && targetW !== null) {
        // What one move adds to the average: the neuron's fan-in over all weights.
        const fits = (st: LayerState, from: number, to: number) =>
          avgNow + ((to - from) * st.in) / net.totalWeights <= targetW + 1e-9 && (r.targetBytes === null || bytesNow + rowBytes(st.in, to) - rowBytes(st.in, from) <= r.targetBytes);
        move('W', 1, () => ((avgNow = this.avgWeightBits()), (bytesNow = r.targetBytes === null ? 0 : fileBytes()), true), fits);
      }
      if (r.learnA === 'neuron' && r.targetActBits !== null) {
        const fits = (_st: LayerState, from: number, to: number) => avgNow + (to - from) / this.#hiddenNeurons <= r.targetActBits! + 1e-9;
        move('A', 1, () => ((avgNow = this.avgActBits()), true), fits);
      }
    }
    return notes;
  }
}
