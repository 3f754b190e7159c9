/**
 * `sweep cancel SWEEP`: every run without a final result ends `cancelled`;
 * queued jobs are removed and tries in flight are stopped (workers through
 * Redis, a local `sweep run` by reading the store within a second).
 */
import type { Command } from 'commander';
import type { GlobalOptions } from '../common.ts';
import type { RegisterCommand } from './index.ts';

/** Registers `sweep cancel`. */
export const register: RegisterCommand = (program) => {
  program
    .command('cancel')
    .summary('stop a sweep: unfinished runs end cancelled')
    .description(
      'Give every run of SWEEP without a final result the result ' +
        '`cancelled`. A local `sweep run` of it notices within a second ' +
        'and stops its tries; with --redis, queued jobs are removed and ' +
        'workers stop the tries they run. `sweep retry SWEEP --status ' +
        'cancelled` runs them again.',
    )
    .argument('<sweep>', 'sweep name')
    .action(async (name: string, _flags: unknown, command: Command) => {
      const { cancel } = await import('../actions/cancel.ts');
      await cancel(name, command.optsWithGlobals<GlobalOptions>());
    });
};
