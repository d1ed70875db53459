/** @fileoverview Small text helpers for CLI output: tables, byte counts, histograms. */

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/** "1b:200 2b:40 8b:6 pruned:3" from a histogram indexed by bits. */
export function formatHistogram(h: number[], zeroLabel = 'pruned'): string {
  const parts: string[] = [];
  h.forEach((count, bits) => { if (count && bits > 0) parts.push(`${bits}b:${count}`); });
  if (h[0]) parts.push(`${zeroLabel}:${h[0]}`);
  return parts.join(' ');
}

/** Left-aligned text table with a header row; numbers are right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number'));
  const line = (r: string[]) => r.map((v, c) => (numeric[c] ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(cells[0]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}
