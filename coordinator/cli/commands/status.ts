/**
 * `sweep status [SWEEP]`: every sweep with its progress, or one sweep's
 * counts per state, failure table and the settings that fail or are slow.
 */
import type { Command } from 'commander';
import type { GlobalOptions } from '../common.ts';
import type { RegisterCommand } from './index.ts';

/** Registers `sweep status [SWEEP]`. */
export const register: RegisterCommand = (program) => {
  program
    .command('status')
    .summary('show the progress of every sweep, or one in detail')
    .argument('[sweep]', 'a sweep name; without it, every sweep')
    .description(
      'Progress of every sweep, or one sweep in detail: counts per ' +
        'state, the failure table and the settings that fail or are slow',
    )
    .action(async (name: string | undefined, _opts, command: Command) => {
      const { status } = await import('../actions/status.ts');
      await status(name, command.optsWithGlobals<GlobalOptions>());
    });
};
