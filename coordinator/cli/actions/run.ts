/**
 * `sweep run SPEC`: records a sweep and its runs, runs every run without a
 * final result (locally, or through Redis on `sweep worker` processes),
 * shows progress and ends with the failure table.
 */
import { loadSpecFile, type SweepPlan } from '../../spec/index.ts';
import { counted, MAX_LISTED } from '../../spec/report.ts';
import { openStore } from '../../store/store.ts';
import { probeRedis } from '../../sweep-session.ts';
import type { GlobalOptions } from '../common.ts';
import {
  checkDetach,
  logLine,
  modeOf,
  runSessionCommand,
} from '../sweep-command.ts';
import { plural } from '../words.ts';

/** Options of `sweep run`. */
export interface RunOptions extends GlobalOptions {
  detach: boolean;
}

function printPlanNotes(plan: SweepPlan): void {
  if (plan.duplicates.length > 0) {
    logLine('note: the spec says some things twice; each is kept once:');
    const listed = plan.duplicates.slice(0, MAX_LISTED);
    for (const line of listed) logLine(`  ${line}`);
    const rest = plan.duplicates.length - listed.length;
    if (rest > 0) logLine(`  … and ${counted(rest, 'more repeat')}`);
  }
  for (const line of plan.warnings) logLine(`warning: ${line}`);
}

/** Runs the sweep of the spec at `specPath`: see `sweep run --help`. */
export async function runSweep(specPath: string, options: RunOptions) {
  const mode = modeOf(options);
  checkDetach(options.detach, mode);
  const plan = await loadSpecFile(specPath);
  printPlanNotes(plan);
  // Before anything is written: a sweep that cannot be enqueued is not
  // recorded either.
  if (mode.kind === 'distributed') await probeRedis(mode.redisUrl);

  const store = await openStore(options.db);
  try {
    const { sweepId, created } = await store.createSweep(plan);
    const sweep = (await store.getSweep(plan.name))!;
    logLine(
      created
        ? `started sweep ${plan.name} (id ${sweepId}): ` +
            `${plural(plan.runs.length, 'run')}`
        : `sweep ${plan.name} (id ${sweepId}) is already recorded with ` +
            'this spec: continuing it',
    );
    await runSessionCommand({
      store,
      sweep,
      options,
      verb: 'run',
      detach: options.detach,
      extra: { created },
      select: async () => {
        const runs = await store.pendingRuns(sweepId);
        if (runs.length > 0 || created) return { runs };
        return {
          runs,
          note:
            `every run of sweep ${plan.name} has a final result: ` +
            'nothing to enqueue',
        };
      },
    });
  } finally {
    await store.close();
  }
}
