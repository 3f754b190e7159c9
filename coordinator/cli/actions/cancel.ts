/**
 * `sweep cancel SWEEP`: every run without a final result ends `cancelled`;
 * queued jobs are removed and tries in flight are stopped (workers through
 * Redis, a local `sweep run` by reading the store within a second).
 */
import { safeUrl } from '../../queue/connection.ts';
import { cancelQueued } from '../../queue/index.ts';
import { probeRedis } from '../../sweep-session.ts';
import type { GlobalOptions } from '../common.ts';
import { openExistingStore } from '../results-db.ts';
import { findSweep, logLine } from '../sweep-command.ts';
import { plural } from '../words.ts';

/** Cancels sweep `name`: see `sweep cancel --help`. */
export async function cancel(name: string, options: GlobalOptions) {
  const store = await openExistingStore(options.db);
  try {
    const sweep = await findSweep(store, name);
    const counts = await store.statusCounts(sweep.sweepId);
    const open = (counts.queued ?? 0) + (counts.running ?? 0);
    let cancelled = 0;
    let removed: number | undefined;
    // Redis must answer before anything is written: a cancel recorded in
    // the store but not in Redis leaves workers training the sweep.
    if (options.redis) await probeRedis(options.redis);
    if (open === 0) {
      logLine(
        `every run of sweep ${name} has a final result: nothing to cancel`,
      );
      if (options.redis) {
        // Jobs an earlier cancel could not remove (Redis was unreachable
        // then) would only be trained for results the store ignores.
        removed = await cancelQueued(options.redis, name);
        if (removed > 0) {
          logLine(
            `removed ${plural(removed, 'leftover queued job')} from ` +
              `${safeUrl(options.redis)}`,
          );
        }
      }
    } else {
      // The store first: it is the record, and a local `sweep run` stops
      // as soon as it reads it.
      cancelled = await store.cancelSweep(sweep.sweepId, Date.now());
      logLine(
        `cancelled sweep ${name} (id ${sweep.sweepId}): ` +
          `${plural(cancelled, 'run')} without a final result now cancelled`,
      );
      if (options.redis) {
        removed = await cancelQueued(options.redis, name);
        logLine(
          `removed ${plural(removed, 'queued job')} from ` +
            `${safeUrl(options.redis)}; workers stop the running tries`,
        );
      }
    }
    if (options.json) {
      const summary = { sweep: name, sweepId: sweep.sweepId, cancelled };
      const withQueue = removed === undefined ? {} : { removed };
      process.stdout.write(`${JSON.stringify({ ...summary, ...withQueue })}\n`);
    }
  } finally {
    await store.close();
  }
}
