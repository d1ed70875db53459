/**
 * @fileoverview Prometheus text exposition (format 0.0.4) for the service: counters, gauges and histograms with labels,
 * rendered on demand. Small on purpose: prom-client is Node-only (it reads `process` and `cluster`) and this service
 * must run unchanged on Deno; the format itself is `# HELP`, `# TYPE` and one `name{label="v"} value` line per series.
 */

type Labels = Record<string, string | number>;

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabel(v: string): string {
  // Almost every value (routes, codes, model names) needs nothing: test before three replaces (per request, measurable).
  return NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v;
}

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const parts: string[] = [];
  if (labels) for (const k of Object.keys(labels)) parts.push(`${k}="${escapeLabel(String(labels[k]))}"`);
  if (extra) parts.push(`${extra[0]}="${extra[1]}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
}

/** A labelled counter. Series keep insertion order; the key is the rendered label text. */
export class Counter {
  readonly type = 'counter';
  readonly #series = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels?: Labels, by = 1): void {
    const k = labelText(labels);
    this.#series.set(k, (this.#series.get(k) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.#series.get(labelText(labels)) ?? 0;
  }
  render(out: string[]): void {
    for (const [k, v] of this.#series) out.push(`${this.name}${k} ${num(v)}`);
  }
}

/** A gauge whose series are read when scraped (memory, loaded models), so it never goes stale. */
export class Gauge {
  readonly type = 'gauge';
  constructor(readonly name: string, readonly help: string, readonly collect: () => Iterable<[Labels | undefined, number]>) {}
  render(out: string[]): void {
    for (const [labels, v] of this.collect()) out.push(`${this.name}${labelText(labels)} ${num(v)}`);
  }
}

/** A labelled histogram with fixed upper bounds (`le`), cumulative on output as Prometheus expects. */
export class Histogram {
  readonly type = 'histogram';
  readonly #series = new Map<string, { labels: Labels | undefined; counts: Float64Array; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly bounds: readonly number[]) {}
  observe(v: number, labels?: Labels): void {
    const k = labelText(labels);
    let s = this.#series.get(k);
    if (!s) this.#series.set(k, (s = { labels, counts: new Float64Array(this.bounds.length), sum: 0, count: 0 }));
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) if (v <= b[i]) { s.counts[i]++; break; }
    s.sum += v;
    s.count++;
  }
  /** Observations so far for these labels. */
  count(labels?: Labels): number {
    return this.#series.get(labelText(labels))?.count ?? 0;
  }
  render(out: string[]): void {
    for (const s of this.#series.values()) {
      let c = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        c += s.counts[i];
        out.push(`${this.name}_bucket${labelText(s.labels, ['le', num(this.bounds[i])])} ${c}`);
      }
      out.push(`${this.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${num(s.sum)}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
  }
}

/** The metrics of one service, in exposition order. */
export class Registry {
  readonly #metrics: (Counter | Gauge | Histogram)[] = [];
  counter(name: string, help: string): Counter {
    return this.#add(new Counter(name, help));
  }
  gauge(name: string, help: string, collect: Gauge['collect']): Gauge {
    return this.#add(new Gauge(name, help, collect));
  }
  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    return this.#add(new Histogram(name, help, bounds));
  }
  #add<T extends Counter | Gauge | Histogram>(m: T): T {
    this.#metrics.push(m);
    return m;
  }
  /** The whole exposition, ending with a newline. */
  render(): string {
    const out: string[] = [];
    for (const m of this.#metrics) {
      out.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${m.name} ${m.type}`);
      m.render(out);
    }
    return out.join('\n') + '\n';
  }
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
