/**
 * `sweep export SWEEP`: every row of the `results` view for one sweep as
 * CSV or JSON, streamed page by page so that a 100,000-run sweep never
 * sits in memory at once.
 */
import { type Command, Option } from 'commander';
import type { ExportOptions } from '../actions/export.ts';
import type { GlobalOptions } from '../common.ts';
import type { RegisterCommand } from './index.ts';

/** Output formats of `sweep export`. */
export const EXPORT_FORMATS = ['csv', 'json'] as const;

/** Registers `sweep export SWEEP`. */
export const register: RegisterCommand = (program) => {
  program
    .command('export')
    .summary('write every run of a sweep as CSV or JSON')
    .argument('<sweep>', 'the sweep to export')
    .description(
      'Write every run of a sweep (the `results` view: settings, state, ' +
        'metrics) as CSV or JSON',
    )
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(EXPORT_FORMATS)
        .default('csv'),
    )
    .option('--out <file>', 'write to FILE instead of standard output')
    .action(async (name: string, _opts, command: Command) => {
      const { exportSweep } = await import('../actions/export.ts');
      await exportSweep(
        name,
        command.optsWithGlobals<ExportOptions & GlobalOptions>(),
      );
    });
};
