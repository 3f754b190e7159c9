/**
 * What every `sweep` subcommand shares: exit codes, the usage error, the
 * global options and flag parsers that name the flag and the allowed values.
 */
import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from 'commander';
import {
  hidePassword,
  REDIS_URL_FORM,
  redisUrlProblem,
} from '../queue/redis-url.ts';

/**
 * Exit codes of the CLI: 0 ok, 1 the work failed, 2 bad input, and 130
 * when `run`, `resume` or `retry` was stopped by Ctrl-C or SIGTERM (128 +
 * SIGINT, as shells report an interrupted command, so that a script can
 * tell an interruption from a failure).
 */
export const EXIT = {
  ok: 0,
  workFailed: 1,
  badInput: 2,
  interrupted: 130,
} as const;

/** How `run`, `resume` and `retry` end, for their help. */
export const SESSION_EXIT_HELP =
  'Exit 0 when every run has a final result (failed configurations are ' +
  'findings), 1 when the work failed or the sweep was cancelled, 2 on ' +
  'bad input, 130 after Ctrl-C or SIGTERM: the runs without a final ' +
  'result are left for `sweep resume` (with --redis, workers go on and ' +
  'their results wait in Redis).';

/** Bad input from the user: printed without a stack, exit code 2. */
export { InputError as UsageError } from '../input-error.ts';

/** Options every command accepts (DESIGN.md, "CLI"). */
export interface GlobalOptions {
  /** SQLite file; default `./sweeps.sqlite` or `$SWEEP_DB`. */
  db: string;
  /** Redis URL; absent means local mode. Default `$REDIS_URL`. */
  redis?: string;
  /** Piscina threads; default: the number of cores. */
  threads: number;
  /** Machine-readable output. */
  json: boolean;
}

/** Default database path: `$SWEEP_DB` or `./sweeps.sqlite`. */
export function defaultDbPath(): string {
  return process.env.SWEEP_DB || './sweeps.sqlite';
}

/** Default Redis URL: `$REDIS_URL`, or undefined for local mode. */
export function defaultRedisUrl(): string | undefined {
  return process.env.REDIS_URL || undefined;
}

/** Default thread count: the machine's cores. */
export function defaultThreads(): number {
  return availableParallelism();
}

/**
 * Commander parser for an integer flag within [min, max]; its `allowed`
 * says so in words.
 */
export function intFlag(min: number, max: number) {
  const parse = (raw: string): number => {
    const value = Number(raw);
    if (!/^\s*[+-]?\d+\s*$/.test(raw) || value < min || value > max) {
      throw new InvalidArgumentError(
        `expected an integer from ${min} to ${max}, got "${raw}".`,
      );
    }
    return value;
  };
  return Object.assign(parse, { allowed: `an integer from ${min} to ${max}` });
}

/** Commander parser for a Redis URL flag; `allowed` says what is. */
export const redisUrlFlag = Object.assign(parseRedisUrlFlag, {
  allowed: REDIS_URL_FORM,
});

function parseRedisUrlFlag(raw: string): string {
  const problem = /^rediss?:\/\//.test(raw)
    ? redisUrlProblem(raw)
    : 'not a Redis URL';
  if (problem) {
    throw new InvalidArgumentError(
      `${problem}; expected ${REDIS_URL_FORM}, got "${hidePassword(raw)}".`,
    );
  }
  return raw;
}

/** The commands that use the Redis URL, when one is given. */
export const REDIS_COMMANDS: ReadonlySet<string> = new Set([
  'run',
  'resume',
  'retry',
  'status',
  'cancel',
  'worker',
  'dashboard',
]);
