/**
 * `sweep resume SWEEP`: runs again exactly the runs of a sweep that have no
 * final result (after a crash, Ctrl-C or a Redis outage) and records
 * results until the sweep is complete.
 */
import type { Command } from 'commander';
import type { ResumeOptions } from '../actions/resume.ts';
import { SESSION_EXIT_HELP } from '../common.ts';
import type { RegisterCommand } from './index.ts';

/** Registers `sweep resume`. */
export const register: RegisterCommand = (program) => {
  program
    .command('resume')
    .summary('continue a sweep: run the runs without a final result')
    .description(
      'Record the results still waiting in Redis (with --redis), then run ' +
        'exactly the runs of SWEEP without a final result and record ' +
        'results until every run has one, as `sweep run` does. A complete ' +
        `sweep runs nothing. ${SESSION_EXIT_HELP}`,
    )
    .argument('<sweep>', 'sweep name')
    .option(
      '--detach',
      'enqueue the runs and return (needs --redis; workers train them)',
      false,
    )
    .action(async (name: string, _flags: unknown, command: Command) => {
      const { resume } = await import('../actions/resume.ts');
      await resume(name, command.optsWithGlobals<ResumeOptions>());
    });
};
