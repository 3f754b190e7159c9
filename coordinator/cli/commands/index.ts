/**
 * Every subcommand of `sweep`, each registering itself on the program: its
 * flags and help only. What a command does (`../actions/`) is imported when
 * it runs, so that a command loads only the modules it uses.
 */
import type { Command } from 'commander';
import { register as bench } from './bench.ts';
import { register as cancel } from './cancel.ts';
import { register as dashboard } from './dashboard.ts';
import { register as exportResults } from './export.ts';
import { register as gradcheck } from './gradcheck.ts';
import { register as query } from './query.ts';
import { register as resume } from './resume.ts';
import { register as retry } from './retry.ts';
import { register as run } from './run.ts';
import { register as status } from './status.ts';
import { register as train } from './train.ts';
import { register as worker } from './worker.ts';

/** Adds one subcommand to the program. */
export type RegisterCommand = (program: Command) => void;

/** All subcommands, in the order `sweep --help` lists them. */
export const commands: RegisterCommand[] = [
  run,
  worker,
  status,
  resume,
  retry,
  cancel,
  query,
  exportResults,
  train,
  gradcheck,
  bench,
  dashboard,
];
