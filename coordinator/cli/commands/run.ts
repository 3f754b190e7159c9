/**
 * `sweep run SPEC`: records a sweep and its runs, runs every run without a
 * final result (locally, or through Redis on `sweep worker` processes),
 * shows progress and ends with the failure table.
 */
import type { Command } from 'commander';
import type { RunOptions } from '../actions/run.ts';
import { SESSION_EXIT_HELP } from '../common.ts';
import type { RegisterCommand } from './index.ts';

/** Registers `sweep run`. */
export const register: RegisterCommand = (program) => {
  program
    .command('run')
    .summary('run a sweep spec to the end and print the failure table')
    .description(
      'Validate the spec, record the sweep and its runs in --db, and run ' +
        'every run without a final result: in this process on --threads ' +
        'threads, or, with --redis/REDIS_URL, on `sweep worker` processes ' +
        'while this one records their results. Shows progress, ends with ' +
        'the failure table. The same spec again continues the sweep. ' +
        SESSION_EXIT_HELP,
    )
    .argument('<spec>', 'sweep spec file, YAML (.yaml/.yml) or JSON (.json)')
    .option(
      '--detach',
      'enqueue the runs and return (needs --redis; workers train them)',
      false,
    )
    .action(async (spec: string, _flags: unknown, command: Command) => {
      const { runSweep } = await import('../actions/run.ts');
      await runSweep(spec, command.optsWithGlobals<RunOptions>());
    });
};
