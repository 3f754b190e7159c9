/**
 * `sweep resume SWEEP`: runs again exactly the runs of a sweep that have no
 * final result (after a crash, Ctrl-C or a Redis outage) and records
 * results until the sweep is complete.
 */
import type { Command } from 'commander';
import { openStore } from '../../store/store.ts';
import type { GlobalOptions } from '../common.ts';
import {
  checkDetach,
  findSweep,
  modeOf,
  plural,
  runSessionCommand,
} from '../sweep-command.ts';
import type { RegisterCommand } from './index.ts';

interface ResumeOptions extends GlobalOptions {
  detach: boolean;
}

/** Registers `sweep resume`. */
export const register: RegisterCommand = (program) => {
  program
    .command('resume')
    .summary('continue a sweep: run the runs without a final result')
    .description(
      'Record the results still waiting in Redis (with --redis), then run ' +
        'exactly the runs of SWEEP without a final result and record ' +
        'results until every run has one, as `sweep run` does. A complete ' +
        'sweep runs nothing.',
    )
    .argument('<sweep>', 'sweep name')
    .option(
      '--detach',
      'enqueue the runs and return (needs --redis; workers train them)',
      false,
    )
    .action(async (name: string, _flags: unknown, command: Command) => {
      await resume(name, command.optsWithGlobals<ResumeOptions>());
    });
};

async function resume(name: string, options: ResumeOptions) {
  checkDetach(options.detach, modeOf(options));
  const store = await openStore(options.db);
  try {
    const sweep = await findSweep(store, name);
    await runSessionCommand({
      store,
      sweep,
      options,
      verb: 'resume',
      detach: options.detach,
      select: async () => {
        const runs = await store.pendingRuns(sweep.sweepId);
        const note =
          runs.length === 0
            ? `every run of sweep ${name} has a final result: ` +
              'nothing to enqueue'
            : `resuming sweep ${name} (id ${sweep.sweepId}): ` +
              `${plural(runs.length, 'run')} without a final result`;
        return { runs, note };
      },
    });
  } finally {
    await store.close();
  }
}
