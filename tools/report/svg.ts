/**
 * @fileoverview Inline-SVG charts for the HTML report: no scripts, no network, readable when printed.
 * Every function returns one <svg> element as a string; text is escaped.
 */

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (v: number, d = 1) => (Number.isInteger(v) ? String(v) : v.toFixed(d));

/** Styles of the charts' classes; the HTML report puts them in its stylesheet, standaloneSvg inside the file. */
export const CHART_CSS = `.chart .title{font-weight:600;font-size:13px}.chart .axis{font-size:11px;fill:#444}.chart .inbar{font-size:10px;fill:#fff}
.chart .frame{stroke:#888}.chart .grid{stroke:#eee}.chart .front{fill:none;stroke:#d73027;stroke-width:1.5;stroke-dasharray:4 3}
.chart .pt{fill:#4575b4}.chart .pt.hl{fill:#d73027}.chart .ptlabel{font-size:11px}`;

/** A chart as a file of its own (for Markdown pages): namespace, white background, its styles inside. */
export function standaloneSvg(svg: string): string {
  return svg.replace(
    /^<svg /,
    `<svg xmlns="http://www.w3.org/2000/svg" style="font-family:system-ui,sans-serif;background:#fff" `,
  ).replace(/^(<svg[^>]*>)/, `$1<style>${CHART_CSS}</style><rect width="100%" height="100%" fill="#fff"/>`);
}

/** Weight widths 0..8 (0 = pruned): cool = few bits, warm = many. */
export function weightBitColor(bits: number): string {
  return ['#d9d9d9', '#313695', '#4575b4', '#74add1', '#abd9e9', '#fee090', '#fdae61', '#f46d43', '#d73027'][bits] ?? '#000';
}
/** Activation widths 1..16, light to dark green. */
export function actBitColor(bits: number): string {
  const t = Math.min(1, Math.max(0, (bits - 1) / 15));
  const lerp = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${lerp(199, 0)},${lerp(233, 90)},${lerp(192, 50)})`;
}

export interface StackedBar {
  label: string;
  /** count per category (index = bits) */
  counts: number[];
}

/** Horizontal 100% stacked bars, one per layer, with a legend of the categories present. */
export function stackedBars(title: string, bars: StackedBar[], color: (bits: number) => string, unit: string): string {
  const W = 460, rowH = 22, left = 70, top = 28, barW = W - left - 10;
  const present = [...new Set(bars.flatMap((b) => b.counts.map((c, i) => (c ? i : -1)).filter((i) => i >= 0)))].sort((a, b) => a - b);
  const perLine = Math.floor((W - left) / 56), legendLines = Math.max(1, Math.ceil(present.length / perLine));
  const H = top + bars.length * rowH + 20 + 16 * legendLines;
  const parts = [`<svg class="chart stacked" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">`,
    `<text x="0" y="16" class="title">${esc(title)}</text>`];
  bars.forEach((b, r) => {
    const total = b.counts.reduce((s, c) => s + c, 0) || 1;
    let x = left;
    const y = top + r * rowH;
    parts.push(`<text x="${left - 6}" y="${y + 15}" text-anchor="end" class="axis">${esc(b.label)}</text>`);
    b.counts.forEach((c, bits) => {
      if (!c) return;
      const w = (c / total) * barW;
      parts.push(`<rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${rowH - 4}" fill="${color(bits)}"><title>${esc(b.label)}: ${c} neurons at ${bits === 0 && unit === 'w' ? 'pruned' : `${bits} bits`} (${((100 * c) / total).toFixed(1)}%)</title></rect>`);
      if (w > 26) parts.push(`<text x="${(x + w / 2).toFixed(1)}" y="${y + 13}" text-anchor="middle" class="inbar">${Math.round((100 * c) / total)}%</text>`);
      x += w;
    });
  });
  present.forEach((bits, i) => {
    const lx = left + (i % perLine) * 56, ly = top + bars.length * rowH + 6 + 16 * Math.floor(i / perLine);
    parts.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="${color(bits)}"/><text x="${lx + 16}" y="${ly + 10}" class="axis">${bits === 0 && unit === 'w' ? 'pruned' : `${bits}b`}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** One cell per neuron in neuron order: top half weight bits, bottom half activation bits (if any). */
export function neuronMap(title: string, weightBits: ArrayLike<number>, actBits: ArrayLike<number> | null): string {
  const cell = 6, perRow = 128, n = weightBits.length, rows = Math.ceil(n / perRow);
  const bandH = actBits ? 2 * cell : cell;
  const W = perRow * cell + 4, H = 22 + rows * (bandH + 4);
  const parts = [`<svg class="chart neurons" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">`,
    `<text x="0" y="14" class="title">${esc(title)}</text>`];
  for (let j = 0; j < n; j++) {
    const x = (j % perRow) * cell, y = 20 + Math.floor(j / perRow) * (bandH + 4);
    parts.push(`<rect x="${x}" y="${y}" width="${cell - 1}" height="${cell - 1}" fill="${weightBitColor(weightBits[j])}"><title>neuron ${j}: ${weightBits[j] ? `${weightBits[j]}-bit weights` : 'pruned'}${actBits ? `, ${actBits[j]}-bit activation` : ''}</title></rect>`);
    if (actBits) parts.push(`<rect x="${x}" y="${y + cell}" width="${cell - 1}" height="${cell - 1}" fill="${actBitColor(actBits[j])}"/>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

export interface ScatterPoint {
  label: string;
  x: number;
  y: number;
  highlight?: boolean;
}

/** Metric against model bytes (log2 x axis), with the Pareto front of the points drawn as a step line. */
export function paretoScatter(title: string, yLabel: string, points: ScatterPoint[], higherIsBetter: boolean): string {
  const W = 640, H = 360, l = 64, r = 20, t = 30, b = 44;
  if (points.length === 0) return '';
  const lx = points.map((p) => Math.log2(p.x));
  let x0 = Math.floor(Math.min(...lx)), x1 = Math.ceil(Math.max(...lx));
  if (x1 === x0) x1 = x0 + 1;
  let y0 = Math.min(...points.map((p) => p.y)), y1 = Math.max(...points.map((p) => p.y));
  const pad = (y1 - y0) * 0.1 || Math.abs(y1) * 0.05 || 1;
  y0 -= pad; y1 += pad;
  const X = (v: number) => l + ((Math.log2(v) - x0) / (x1 - x0)) * (W - l - r);
  const Y = (v: number) => H - b - ((v - y0) / (y1 - y0)) * (H - t - b);
  const parts = [`<svg class="chart pareto" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">`,
    `<text x="0" y="16" class="title">${esc(title)}</text>`,
    `<line x1="${l}" y1="${H - b}" x2="${W - r}" y2="${H - b}" class="frame"/><line x1="${l}" y1="${t}" x2="${l}" y2="${H - b}" class="frame"/>`];
  for (let e = x0; e <= x1; e++) {
    const x = X(2 ** e);
    const label = 2 ** e >= 1048576 ? `${2 ** (e - 20)} MiB` : 2 ** e >= 1024 ? `${2 ** (e - 10)} KiB` : `${2 ** e} B`;
    parts.push(`<line x1="${x}" y1="${H - b}" x2="${x}" y2="${H - b + 4}" class="frame"/><text x="${x}" y="${H - b + 16}" text-anchor="middle" class="axis">${label}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const v = y0 + ((y1 - y0) * i) / 4;
    parts.push(`<line x1="${l - 4}" y1="${Y(v)}" x2="${W - r}" y2="${Y(v)}" class="grid"/><text x="${l - 8}" y="${Y(v) + 4}" text-anchor="end" class="axis">${fmt(v, 3)}</text>`);
  }
  parts.push(`<text x="${(l + W - r) / 2}" y="${H - 6}" text-anchor="middle" class="axis">model file bytes (log scale)</text>`,
    `<text transform="translate(14 ${(t + H - b) / 2}) rotate(-90)" text-anchor="middle" class="axis">${esc(yLabel)}</text>`);
  // Pareto front: sorted by bytes, keep points that improve on every smaller model.
  const sorted = [...points].sort((a, c) => a.x - c.x);
  const front: ScatterPoint[] = [];
  for (const p of sorted) if (!front.length || (higherIsBetter ? p.y > front[front.length - 1].y : p.y < front[front.length - 1].y)) front.push(p);
  if (front.length > 1) {
    const d = front.map((p, i) => `${i ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" class="front"/>`);
  }
  for (const p of points) {
    parts.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="${p.highlight ? 6 : 4.5}" class="${p.highlight ? 'pt hl' : 'pt'}"><title>${esc(p.label)}: ${fmt(p.y, 4)} at ${p.x} bytes</title></circle>`,
      // Labels near the right edge go to the left of their point so they stay inside the chart.
      X(p.x) > W * 0.6
        ? `<text x="${(X(p.x) - 7).toFixed(1)}" y="${(Y(p.y) - 7).toFixed(1)}" text-anchor="end" class="ptlabel">${esc(p.label)}</text>`
        : `<text x="${(X(p.x) + 7).toFixed(1)}" y="${(Y(p.y) - 7).toFixed(1)}" class="ptlabel">${esc(p.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
