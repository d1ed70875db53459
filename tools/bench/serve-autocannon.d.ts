/** @fileoverview The part of autocannon's API that serve.ts uses (the package ships no types). */
declare module 'autocannon' {
  interface Histogram { average: number; mean: number; total: number; p50: number; p99: number; max: number }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
  }
  interface Options {
    url: string;
    method?: string;
    body?: string;
    headers?: Record<string, string>;
    connections?: number;
    duration?: number;
    amount?: number;
    overallRate?: number;
    timeout?: number;
    requests?: unknown[];
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
