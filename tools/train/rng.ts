/**
 * @fileoverview Seeded pseudo-random numbers (xoshiro128**, seeded by splitmix32) with a serialisable state, so a run
 * and a resumed run draw the same numbers bit for bit.
 */

/** xoshiro128**: 32-bit state words, period 2^128 - 1; uses only Math.imul and shifts (deterministic everywhere). */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number | Uint32Array) {
    if (seed instanceof Uint32Array) {
      this.s = new Uint32Array(seed);
    } else {
      // splitmix32 expands the seed so nearby seeds give unrelated streams.
      let x = seed >>> 0;
      this.s = new Uint32Array(4);
      for (let i = 0; i < 4; i++) {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        this.s[i] = (z ^ (z >>> 16)) >>> 0;
      }
      if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    }
  }

  /** Copy of the state (for checkpoints). */
  state(): Uint32Array {
    return new Uint32Array(this.s);
  }

  /** Continues from a state returned by state(). */
  setState(state: Uint32Array): void {
    if (state.length !== 4) throw new RangeError(`Rng state has ${state.length} words, expected 4`);
    this.s = new Uint32Array(state);
  }

  /** Next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n) (n <= 2^32; the modulo bias is below 2^-20 for the sizes used here). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller, one value per call). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle(a: Int32Array | Uint32Array | number[]): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
