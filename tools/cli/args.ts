/**
 * @fileoverview Argument parsing for `nmp`: declared flags only, typed values, and a suggestion for every typo
 * (users of a CLI they run rarely mistype flags more than they misuse them).
 */

export class UsageError extends Error {
  override readonly name = 'UsageError';
}
/** A mistake in what the user asked for (missing file, bad data): exit code 1, one line, no stack. */
export class UserError extends Error {
  override readonly name = 'UserError';
}

export interface FlagSpec {
  name: string;
  type: 'string' | 'number' | 'boolean';
  help: string;
  alias?: string;
  /** Shown in --help; the parser does not apply it (commands do, so they can tell "not given"). */
  default?: string | number | boolean;
  /** Several occurrences allowed; the value is an array. */
  repeatable?: boolean;
  /** Heading the flag is listed under in --help (commands with many flags: data, model, training, ...). */
  group?: string;
}

export interface PositionalSpec {
  name: string;
  help: string;
  /** Takes all remaining positionals. */
  variadic?: boolean;
  optional?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  positionals: PositionalSpec[];
  flags: FlagSpec[];
  examples?: string[];
  run(args: ParsedArgs): Promise<number | void>;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | number | boolean | string[] | undefined>;
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** The closest candidate within a small distance, or undefined. */
export function nearest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const c of candidates) {
    const dist = editDistance(word, c);
    if (dist < bestD) { best = c; bestD = dist; }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

const COMMON_FLAGS: FlagSpec[] = [
  { name: 'help', alias: 'h', type: 'boolean', help: 'show this help' },
];

export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const flags = [...spec.flags, ...COMMON_FLAGS];
  const byName = new Map(flags.map((f) => [f.name, f]));
  const byAlias = new Map(flags.filter((f) => f.alias).map((f) => [f.alias!, f]));
  const out: ParsedArgs = { positionals: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { out.positionals.push(...argv.slice(i + 1)); break; }
    if (arg.startsWith('-') && arg !== '-') {
      const long = arg.startsWith('--');
      const [rawName, inline] = long ? arg.slice(2).split(/=(.*)/s, 2) : [arg.slice(1), undefined];
      const flag = long ? byName.get(rawName) : byAlias.get(rawName);
      if (!flag) {
        const guess = nearest(rawName, long ? [...byName.keys()] : [...byAlias.keys()]);
        throw new UsageError(`unknown option ${arg} for 'nmp ${spec.name}'${guess ? ` - did you mean ${long ? '--' : '-'}${guess}?` : ''} (see nmp ${spec.name} --help)`);
      }
      let value: string | number | boolean;
      if (flag.type === 'boolean') {
        if (inline !== undefined) throw new UsageError(`option --${flag.name} takes no value`);
        value = true;
      } else {
        const raw = inline ?? argv[++i];
        if (raw === undefined) throw new UsageError(`option --${flag.name} needs a value`);
        if (flag.type === 'number') {
          value = Number(raw);
          if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`option --${flag.name} needs a number, got '${raw}'`);
        } else value = raw;
      }
      if (flag.repeatable) ((out.flags[flag.name] as string[] | undefined) ?? (out.flags[flag.name] = [] as string[]) as string[]).push(String(value));
      else out.flags[flag.name] = value;
    } else {
      out.positionals.push(arg);
    }
  }
  if (out.flags.help) return out;
  const required = spec.positionals.filter((p) => !p.optional);
  if (out.positionals.length < required.length) {
    throw new UsageError(`'nmp ${spec.name}' needs ${required.map((p) => `<${p.name}>`).join(' ')} (see nmp ${spec.name} --help)`);
  }
  if (!spec.positionals.some((p) => p.variadic) && out.positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument '${out.positionals[spec.positionals.length]}' for 'nmp ${spec.name}'`);
  }
  return out;
}

/** The order of flag groups in --help: what a user decides first comes first. */
const GROUP_ORDER = ['data', 'model', 'quantisation', 'budget', 'training', 'output'];

export function helpText(spec: CommandSpec): string {
  const pos = spec.positionals.map((p) => (p.optional ? `[${p.name}${p.variadic ? '...' : ''}]` : `<${p.name}>${p.variadic ? '...' : ''}`)).join(' ');
  const lines = [`nmp ${spec.name} ${pos} [options]`, '', spec.summary, ''];
  if (spec.positionals.length) {
    lines.push('Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(22)} ${p.help}`);
    lines.push('');
  }
  // Flags by group, groups in order of first appearance; ungrouped flags (and --help) last, under "Options".
  const groups = new Map<string, FlagSpec[]>();
  for (const f of [...spec.flags, ...COMMON_FLAGS]) {
    const g = f.group ?? '';
    groups.set(g, [...(groups.get(g) ?? []), f]);
  }
  const ungrouped = groups.get('') ?? [];
  groups.delete('');
  const rank = (g: string) => (GROUP_ORDER.indexOf(g) + GROUP_ORDER.length + 1) % (GROUP_ORDER.length + 1); // unknown groups last
  const sections: [string, FlagSpec[]][] = [...groups].sort(([a], [b]) => rank(a) - rank(b)).map(([g, fs]) => [`${g[0].toUpperCase()}${g.slice(1)} options:`, fs]);
  sections.push([groups.size ? 'Other options:' : 'Options:', ungrouped]);
  sections.forEach(([heading, fs], i) => {
    if (i > 0) lines.push('');
    lines.push(heading);
    for (const f of fs) {
      const name = `${f.alias ? `-${f.alias}, ` : ''}--${f.name}${f.type === 'boolean' ? '' : ` <${f.type === 'number' ? 'n' : 'value'}>`}`;
      lines.push(`  ${name.padEnd(23)} ${f.help}${f.default !== undefined ? ` (default: ${f.default})` : ''}`);
    }
  });
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}
