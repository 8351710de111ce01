/**
 * Every `acd` sub-command, one module each; a module exports `register(program)`.
 * To add a command: write src/cli/commands/NAME.ts and add it to this list.
 */
import type { Command } from 'commander';

type Register = (program: Command) => void;

export const commandModules: Array<() => Promise<{ register: Register }>> = [
  () => import('./serve.js'),
  () => import('./admin.js'),
  () => import('./demo.js'),
  () => import('./analyze.js'),
  () => import('./import.js'),
  () => import('./collect.js'),
  () => import('./audit.js'),
  () => import('./worker.js'),
  () => import('./operations.js'),
  () => import('./approvals.js'),
  () => import('./witness.js'),
  () => import('./advisories.js'),
];
