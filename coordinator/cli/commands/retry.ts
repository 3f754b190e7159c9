/**
 * `sweep retry SWEEP`: runs again the runs that ended `crashed` or
 * `timeout` (or the states given with `--status`), as new tries of a new
 * generation, and records results until the sweep is complete.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { FINAL_STATUSES, type FinalStatus } from '../../../workers/result.ts';
import type { RetryOptions } from '../actions/retry.ts';
import { SESSION_EXIT_HELP } from '../common.ts';
import type { RegisterCommand } from './index.ts';

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

/** What `--status` allows, for the message that its value is missing. */
const statusListFlag = Object.assign((raw: string) => statusList(raw), {
  allowed: `a comma-separated list of ${FINAL_STATUSES.join(', ')}`,
});

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
        `final result, as \`sweep resume\` does. ${SESSION_EXIT_HELP}`,
    )
    .argument('<sweep>', 'sweep name')
    .option(
      '--status <states>',
      'final states to run again, comma-separated: ' +
        FINAL_STATUSES.join(', '),
      statusListFlag,
      DEFAULT_RETRY_STATUSES,
    )
    .option(
      '--detach',
      'enqueue the runs and return (needs --redis; workers train them)',
      false,
    )
    .action(async (name: string, _flags: unknown, command: Command) => {
      const { retry } = await import('../actions/retry.ts');
      await retry(name, command.optsWithGlobals<RetryOptions>());
    });
};
