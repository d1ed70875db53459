#!/usr/bin/env node
/**
 * @fileoverview `nmp`: the command line. One file per command under tools/cli/commands/; this file only dispatches
 * and turns every error into one line on stderr with a non-zero exit code (NMP_DEBUG=1 adds the stack).
 */

import { ModelFormatError } from '../../formats/errors.js';
import { DataError } from '../train/data.js';
import { helpText, nearest, parseArgs, UsageError, UserError, type CommandSpec } from './args.js';
import { benchCommand } from './commands/bench.js';
import { compareCommand } from './commands/compare.js';
import { demoCommand } from './commands/demo.js';
import { evalCommand } from './commands/eval.js';
import { inspectCommand } from './commands/inspect.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { trainCommand } from './commands/train.js';

const COMMANDS: CommandSpec[] = [trainCommand, evalCommand, inspectCommand, runCommand, serveCommand, benchCommand, compareCommand, reportCommand, demoCommand];

const USAGE = `nmp: neuron-level mixed-precision models for the edge

Usage: nmp <command> [options]    (nmp <command> --help for details)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary.split('. ')[0].replace(/\.$/, '')}`).join('\n')}
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const guess = nearest(name, COMMANDS.map((c) => c.name));
    throw new UsageError(`unknown command '${name}'${guess ? ` - did you mean '${guess}'?` : ''} (see nmp --help)`);
  }
  const args = parseArgs(command, rest);
  if (args.flags.help) {
    console.log(helpText(command));
    return 0;
  }
  return (await command.run(args)) ?? 0;
}

function describe(e: unknown): { message: string; code: number } {
  if (e instanceof UsageError) return { message: e.message, code: 2 };
  if (e instanceof UserError || e instanceof DataError) return { message: e.message, code: 1 };
  if (e instanceof ModelFormatError) return { message: `not a valid nmp-edge model: ${e.message}`, code: 1 };
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return { message: `no such file or directory: ${err.path ?? ''}`, code: 1 };
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return { message: `permission denied: ${err.path ?? ''}`, code: 1 };
  if (err?.code === 'ENOSPC') return { message: `no space left on device writing ${err.path ?? 'output'}`, code: 1 };
  if (err?.code === 'EISDIR') return { message: `is a directory: ${err.path ?? ''}`, code: 1 };
  return { message: `${(e as Error)?.message ?? String(e)} (set NMP_DEBUG=1 for details)`, code: 1 };
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => {
    const { message, code } = describe(e);
    console.error(`nmp: ${message}`);
    if (process.env.NMP_DEBUG) console.error(e);
    process.exitCode = code;
  },
);
