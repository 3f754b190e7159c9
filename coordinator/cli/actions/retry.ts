/**
 * `sweep retry SWEEP`: runs again the runs that ended `crashed` or
 * `timeout` (or the states given with `--status`), as new tries of a new
 * generation, and records results until the sweep is complete.
 */
import type { FinalStatus } from '../../../workers/result.ts';
import { clearCancelled } from '../../queue/index.ts';
import type { GlobalOptions } from '../common.ts';
import { openExistingStore } from '../results-db.ts';
import {
  checkDetach,
  findSweep,
  modeOf,
  runSessionCommand,
} from '../sweep-command.ts';
import { plural } from '../words.ts';

/** Options of `sweep retry`. */
export interface RetryOptions extends GlobalOptions {
  status: FinalStatus[];
  /** Return once enqueued (needs Redis). */
  detach: boolean;
}

/** Retries runs of sweep `name`: see `sweep retry --help`. */
export async function retry(name: string, options: RetryOptions) {
  const mode = modeOf(options);
  checkDetach(options.detach, mode);
  const states = options.status.join(' or ');
  const store = await openExistingStore(options.db);
  try {
    const sweep = await findSweep(store, name);
    await runSessionCommand({
      store,
      sweep,
      options,
      verb: 'retry',
      detach: options.detach,
      extra: { statuses: options.status },
      select: async () => {
        const reset = await store.resetForRetry(sweep.sweepId, options.status);
        // Runs that are to run again must not be stopped by an earlier
        // cancel of the sweep (resetForRetry lifts it in the store).
        if (reset.length > 0 && mode.kind === 'distributed') {
          await clearCancelled(mode.redisUrl, name);
        }
        const runs = await store.pendingRuns(sweep.sweepId);
        const others = runs.length - reset.length;
        const note =
          reset.length === 0
            ? `no run of sweep ${name} ended ${states}: nothing to retry`
            : `retrying ${plural(reset.length, 'run')} of sweep ${name} ` +
              `that ended ${states}` +
              (others > 0 ? ` (and ${others} without a final result)` : '');
        return { runs, note };
      },
    });
  } finally {
    await store.close();
  }
}
