/**
 * `sweep retry SWEEP`: runs again the runs that ended `crashed` or
 * `timeout` (or the states given with `--status`), as new tries of a new
 * generation, and records results until the sweep is complete.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { FINAL_STATUSES, type FinalStatus } from '../../../workers/result.ts';
import { clearCancelled } from '../../queue/index.ts';
import { openStore } from '../../store/store.ts';
import type { GlobalOptions } from '../common.ts';
import {
  findSweep,
  modeOf,
  plural,
  runSessionCommand,
} from '../sweep-command.ts';
import type { RegisterCommand } from './index.ts';

interface RetryOptions extends GlobalOptions {
  status: FinalStatus[];
}

/** Default states that `sweep retry` runs again. */
export const DEFAULT_RETRY_STATUSES: FinalStatus[] = ['crashed', 'timeout'];

/** Commander parser of `--status a,b`: final states, named if wrong. */
export function statusList(raw: string): FinalStatus[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const allowed = FINAL_STATUSES as readonly string[];
  const bad = names.filter((name) => !allowed.includes(name));
  if (names.length === 0 || bad.length > 0) {
    throw new InvalidArgumentError(
      `expected a comma-separated list of ${FINAL_STATUSES.join(', ')}; ` +
        `got "${raw}"`,
    );
  }
  return [...new Set(names)] as FinalStatus[];
}

/** Registers `sweep retry`. */
export const register: RegisterCommand = (program) => {
  program
    .command('retry')
    .summary('run again the runs that crashed or timed out')
    .description(
      'Put the runs of SWEEP that ended in one of --status back to work: ' +
        'their results are deleted, their tries kept, and each trains ' +
        'again as a new try (a late result of an old try is ignored). ' +
        'Lifts a cancel of the sweep. Then records until every run has a ' +
        'final result, as `sweep resume` does.',
    )
    .argument('<sweep>', 'sweep name')
    .option(
      '--status <states>',
      'final states to run again, comma-separated: ' +
        FINAL_STATUSES.join(', '),
      statusList,
      DEFAULT_RETRY_STATUSES,
    )
    .action(async (name: string, _flags: unknown, command: Command) => {
      await retry(name, command.optsWithGlobals<RetryOptions>());
    });
};

async function retry(name: string, options: RetryOptions) {
  const mode = modeOf(options);
  const states = options.status.join(' or ');
  const store = await openStore(options.db);
  try {
    const sweep = await findSweep(store, name);
    await runSessionCommand({
      store,
      sweep,
      options,
      verb: 'retry',
      detach: false,
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
