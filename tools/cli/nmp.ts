#!/usr/bin/env node
/** @fileoverview `nmp` command line: dispatches to one command per file under tools/cli/. */

const [command] = process.argv.slice(2);

if (command === 'demo' || command === undefined) {
  console.log('nmp: the main job (train NMP-QAT on the embedded Letter data set) is coming soon.');
  process.exit(0);
}
console.error(`nmp: unknown command '${command}'`);
process.exit(2);
