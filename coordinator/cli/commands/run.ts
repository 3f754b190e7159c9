/**
 * `sweep run SPEC`: records a sweep and its runs, runs every run without a
 * final result (locally, or through Redis on `sweep worker` processes),
 * shows progress and ends with the failure table.
 */
import type { Command } from 'commander';
import { loadSpecFile, type SweepPlan } from '../../spec/index.ts';
import { openStore } from '../../store/store.ts';
import { probeRedis } from '../../sweep-session.ts';
import type { GlobalOptions } from '../common.ts';
import {
  checkDetach,
  logLine,
  modeOf,
  plural,
  runSessionCommand,
} from '../sweep-command.ts';
import type { RegisterCommand } from './index.ts';

interface RunOptions extends GlobalOptions {
  detach: boolean;
}

/** Registers `sweep run`. */
export const register: RegisterCommand = (program) => {
  program
    .command('run')
    .summary('run a sweep spec to the end and print the failure table')
    .description(
      'Validate the spec, record the sweep and its runs in --db, and run ' +
        'every run without a final result: in this process on --threads ' +
        'threads, or, with --redis/REDIS_URL, on `sweep worker` processes ' +
        'while this one records their results. Shows progress, ends with ' +
        'the failure table. The same spec again continues the sweep. ' +
        'Exit 0 when every run has a final result (failed configurations ' +
        'are findings), 1 when the work failed or the sweep was ' +
        'cancelled, 2 on bad input, 130 after Ctrl-C (resume continues).',
    )
    .argument('<spec>', 'sweep spec file, YAML (.yaml/.yml) or JSON (.json)')
    .option(
      '--detach',
      'enqueue the runs and return (needs --redis; workers train them)',
      false,
    )
    .action(async (spec: string, _flags: unknown, command: Command) => {
      await runSweep(spec, command.optsWithGlobals<RunOptions>());
    });
};

function printPlanNotes(plan: SweepPlan): void {
  if (plan.duplicates.length > 0) {
    logLine('note: the spec says some things twice; each is kept once:');
    for (const line of plan.duplicates) logLine(`  ${line}`);
  }
  for (const line of plan.warnings) logLine(`warning: ${line}`);
}

async function runSweep(specPath: string, options: RunOptions) {
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
