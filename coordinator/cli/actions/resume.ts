/**
 * `sweep resume SWEEP`: runs again exactly the runs of a sweep that have no
 * final result (after a crash, Ctrl-C or a Redis outage) and records
 * results until the sweep is complete.
 */

import type { GlobalOptions } from '../common.ts';
import { openExistingStore } from '../results-db.ts';
import {
  checkDetach,
  findSweep,
  modeOf,
  runSessionCommand,
} from '../sweep-command.ts';
import { plural } from '../words.ts';

/** Options of `sweep resume`. */
export interface ResumeOptions extends GlobalOptions {
  detach: boolean;
}

/** Resumes sweep `name`: see `sweep resume --help`. */
export async function resume(name: string, options: ResumeOptions) {
  checkDetach(options.detach, modeOf(options));
  const store = await openExistingStore(options.db);
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
