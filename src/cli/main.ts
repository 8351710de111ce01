#!/usr/bin/env node
/**
 * `acd`: the command line of ACD. Each sub-command lives in src/cli/commands/ and has its own --help.
 */
import { Command } from 'commander';
import { commandModules } from './commands/index.js';
import { AcdError } from '../shared/errors.js';

export async function buildProgram(): Promise<Command> {
  const program = new Command('acd')
    .description('ACD — active cyber defence platform: lawful flow-metadata selection, detection, sharing, neutralisation and oversight')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', '\nExamples:\n  $ acd demo                 start the demo on the embedded store\n  $ acd serve --port 8080    start the server\n  $ acd <command> --help     help for one command');
  for (const load of commandModules) (await load()).register(program);
  return program;
}

async function main(): Promise<void> {
  const program = await buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof AcdError) {
      console.error(`acd: ${err.message} [${err.code}]`);
      process.exit(2);
    }
    throw err;
  }
}

// Run only when executed as the program, not when imported by a test.
const invoked = process.argv[1] ?? '';
if (invoked.endsWith('/cli/main.ts') || invoked.endsWith('/cli/main.js') || invoked.endsWith('/acd')) {
  void main();
}
