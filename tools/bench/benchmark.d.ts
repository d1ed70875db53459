/** @fileoverview The slice of benchmark.js 2.1.4 (CommonJS, no bundled types, no @types package installed) used here. */

declare module 'benchmark' {
  interface Deferred {
    resolve(): void;
  }
  interface Stats {
    /** Relative margin of error, percent. */
    rme: number;
    mean: number;
    deviation: number;
    sample: number[];
  }
  interface Options {
    name?: string;
    fn?: ((deferred: Deferred) => void) | (() => void);
    defer?: boolean;
    /** Seconds of sampling (default 5). */
    maxTime?: number;
    minSamples?: number;
    /** Seconds per sampling cycle (default: from timer resolution, ~0.05). */
    minTime?: number;
    initCount?: number;
    onComplete?: () => void;
  }
  class Benchmark {
    constructor(name: string, fn: () => void, options?: Options);
    constructor(name: string, options: Options);
    hz: number;
    stats: Stats;
    error?: Error;
    aborted: boolean;
    run(options?: { async?: boolean }): this;
    on(event: 'complete' | 'error', listener: () => void): this;
  }
  export default Benchmark;
}
