/**
 * The part of `sweep run`, `resume` and `retry` that talks to the user:
 * opening the store, finding a sweep by name, the progress display, log
 * lines, Ctrl-C, the final failure table, the summary and the exit code.
 */
import { InputError } from '../input-error.ts';
import { safeUrl } from '../queue/connection.ts';
import type { Store } from '../store/store.ts';
import type { QueuedRun, SweepRow } from '../store/types.ts';
import {
  fullCounts,
  openSession,
  type SessionMode,
  type SessionNotice,
  type SessionResult,
  type SweepSession,
} from '../sweep-session.ts';
import { defaultDbPath, EXIT, type GlobalOptions } from './common.ts';
import { renderFailureTable } from './failure-table.ts';
import { stringifyJson } from './json-numbers.ts';
import {
  finalCount,
  formatCounts,
  formatDuration,
  formatRate,
  type Progress,
  type StatusCounts,
  startProgress,
  totalCount,
} from './progress.ts';
import { clause, count, plural } from './words.ts';

/** Crashed tries logged one by one; past this, one line says so. */
const MAX_RETRY_LINES = 20;

/** Exit code after Ctrl-C or SIGTERM (128 + SIGINT), as shells expect. */
export const EXIT_INTERRUPTED = EXIT.interrupted;

/** Writes one log line to stderr. */
export function logLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Local (threads) or distributed (Redis URL) mode, from global options. */
export function modeOf(options: GlobalOptions): SessionMode {
  return options.redis
    ? { kind: 'distributed', redisUrl: options.redis }
    : { kind: 'local', threads: options.threads };
}

/** `local mode, 2 threads` or `distributed through redis://…`. */
export function describeMode(mode: SessionMode): string {
  return mode.kind === 'local'
    ? `local mode, ${mode.threads} thread${mode.threads === 1 ? '' : 's'}`
    : `distributed through ${safeUrl(mode.redisUrl)}`;
}

/**
 * The sweep called `name`.
 *
 * @throws InputError listing the known sweeps when there is none
 */
export async function findSweep(store: Store, name: string) {
  const sweep = await store.getSweep(name);
  if (sweep) return sweep;
  const known = (await store.listSweeps()).map((s) => s.name);
  const list = known.length > 0 ? known.join(', ') : 'none yet';
  throw new InputError(
    `no sweep named "${name}" in this database; known sweeps: ${list}`,
  );
}

/** `--detach` needs Redis: refuses it in local mode, before any work. */
export function checkDetach(detach: boolean, mode: SessionMode): void {
  if (!detach || mode.kind === 'distributed') return;
  throw new InputError(
    '--detach needs --redis URL (or REDIS_URL): in local mode the runs ' +
      'train inside this process, so it cannot return before they finish; ' +
      'drop --detach, or start Redis and `sweep worker` processes',
  );
}

/** A `run`, `resume` or `retry` invocation, ready to go. */
export interface SessionCommand {
  store: Store;
  sweep: SweepRow;
  options: GlobalOptions;
  /** `run`, `resume` or `retry`, for the `--json` summary. */
  verb: string;
  /** Return once enqueued (distributed only). */
  detach: boolean;
  /**
   * Chooses the runs to do, once results waiting in Redis are recorded,
   * with an optional log line saying what it chose.
   */
  select: () => Promise<{ runs: QueuedRun[]; note?: string }>;
  /** Extra fields of the `--json` summary. */
  extra?: Record<string, unknown>;
}

/**
 * Runs a session for a command end to end and sets `process.exitCode`:
 * 0 when every run has a final result (or detached), 1 when the sweep was
 * cancelled, 130 after Ctrl-C; throws (exit 1) when the work failed.
 * After Ctrl-C nothing new is enqueued, reset or trained: the runs without
 * a final result are left for `sweep resume`.
 */
export async function runSessionCommand(
  command: SessionCommand,
): Promise<void> {
  const { store, sweep, options } = command;
  const mode = modeOf(options);
  const interrupt = new AbortController();
  let progress: Progress | undefined;
  const log = (line: string) => (progress ? progress.log(line) : logLine(line));
  const stopProgress = () => {
    progress?.stop();
    progress = undefined;
  };
  const release = onInterrupt(interrupt, log, stopProgress);
  const session = openSession({
    store,
    sweep,
    mode,
    interrupt: interrupt.signal,
    onCounts: (counts) => progress?.update(counts),
    onNotice: noticeLogger(log, sweep.name),
  });

  let result: SessionResult;
  let prepared = false;
  try {
    // Preparing waits for Redis, which may not answer: Ctrl-C must not
    // wait for it.
    prepared = await unlessAborted(session.prepare(), interrupt.signal);
    result = await selectAndExecute(command, session, interrupt.signal, {
      log,
      showProgress: () => {
        progress = startProgress({ sweep: sweep.name });
      },
    });
  } finally {
    stopProgress();
    release();
    await session.close();
  }
  await report(command, mode, result);
  // A preparation left waiting (for a Redis that does not answer) would
  // keep the process alive: there is nothing more to wait for.
  if (!prepared) exitOnceWritten();
}

/** Chooses the runs and does them, unless Ctrl-C came first. */
async function selectAndExecute(
  command: SessionCommand,
  session: SweepSession,
  interrupt: AbortSignal,
  ui: { log: (line: string) => void; showProgress: () => void },
): Promise<SessionResult> {
  const { store, sweep } = command;
  const mode = modeOf(command.options);
  const { runs, note } = interrupt.aborted
    ? { runs: [] }
    : await command.select();
  if (interrupt.aborted) {
    return idleResult(store, sweep.sweepId, 'interrupted');
  }
  if (note) ui.log(note);
  if (runs.length === 0) return idleResult(store, sweep.sweepId, 'complete');
  if (mode.kind === 'local') {
    ui.log(`training ${plural(runs.length, 'run')} (${describeMode(mode)})`);
  }
  if (!command.detach) ui.showProgress();
  return session.execute(runs, command.detach);
}

/**
 * Resolves true once `work` is done (rejecting as it does), or false as
 * soon as `signal` aborts; `work` then goes on unobserved.
 */
function unlessAborted(
  work: Promise<unknown>,
  signal: AbortSignal,
): Promise<boolean> {
  work.catch(() => {});
  if (signal.aborted) return Promise.resolve(false);
  const aborted = new Promise<boolean>((resolve) => {
    signal.addEventListener('abort', () => resolve(false), { once: true });
  });
  return Promise.race([work.then(() => true), aborted]);
}

/** Exits with `process.exitCode` once standard output is flushed. */
function exitOnceWritten(): void {
  process.stdout.write('', () => process.exit());
}

/** Logs notices, the first `MAX_RETRY_LINES` crashed tries one by one. */
function noticeLogger(log: (line: string) => void, sweep: string) {
  let retries = 0;
  return (notice: SessionNotice) => {
    if (notice.kind === 'retry' && ++retries > MAX_RETRY_LINES) {
      if (retries === MAX_RETRY_LINES + 1) {
        log('more crashed tries are not logged; their runs retry as usual');
      }
      return;
    }
    log(describeNotice(notice, sweep));
  };
}

/** The result of a session that trained nothing. */
async function idleResult(
  store: Store,
  sweepId: number,
  outcome: 'complete' | 'interrupted',
): Promise<SessionResult> {
  const counts = fullCounts(await store.statusCounts(sweepId));
  return { outcome, enqueued: 0, counts, elapsedMs: 0 };
}

/**
 * First Ctrl-C (or SIGTERM): stop cleanly through `controller`. A second
 * one removes the bar (restoring the cursor) and exits at once. Returns
 * the function that removes the handlers.
 */
function onInterrupt(
  controller: AbortController,
  log: (line: string) => void,
  stopProgress: () => void,
): () => void {
  const handler = () => {
    if (controller.signal.aborted) {
      stopProgress();
      log('interrupted again: exiting now');
      process.exit(EXIT_INTERRUPTED);
    }
    log('interrupted: stopping (Ctrl-C again to exit at once)');
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** One log line for a session notice. */
export function describeNotice(notice: SessionNotice, sweep: string): string {
  switch (notice.kind) {
    case 'enqueued': {
      if (notice.stopped) {
        return (
          `enqueued ${plural(notice.count, 'run')} of sweep ${sweep} ` +
          'before the interrupt stopped enqueueing'
        );
      }
      const already = notice.of - notice.count;
      const tail =
        already > 0 ? ` (${count(already)} were already queued)` : '';
      return `enqueued ${plural(notice.count, 'run')} of sweep ${sweep}${tail}`;
    }
    case 'retry': {
      const tries =
        notice.attempt !== undefined
          ? ` (try ${notice.attempt} of ${notice.attempts})`
          : '';
      const when =
        notice.delayMs !== undefined
          ? `; retrying in ${formatDuration(notice.delayMs)}`
          : '; retrying';
      const where = notice.worker ? ` on ${notice.worker}` : '';
      const what = `run ${notice.runId} crashed${where}${tries}`;
      return `${what}: ${clause(notice.error)}${when}`;
    }
    case 'cancel-noticed':
      return `sweep ${sweep} was cancelled: stopping the runs in flight`;
    case 'redis-lost':
      return (
        `Redis lost at ${safeUrl(notice.url)}: waiting for it to come ` +
        'back (results wait in Redis meanwhile)'
      );
    case 'redis-back':
      return (
        `Redis back at ${safeUrl(notice.url)}: re-enqueued ` +
        `${plural(notice.enqueued, 'run')} without a final result`
      );
    case 'no-workers':
      return (
        'no worker is connected to the queue: start one on any machine ' +
        `with \`sweep worker --redis ${safeUrl(notice.url)}\``
      );
    case 'error':
      return `error (going on): ${notice.message}`;
  }
}

async function report(
  command: SessionCommand,
  mode: SessionMode,
  result: SessionResult,
): Promise<void> {
  const { store, sweep, options } = command;
  const cells = await store.failureTable(sweep.sweepId);
  const summary = summaryLine(sweep.name, result);
  // A detached command (even one interrupted while enqueueing) trained
  // nothing: no table to show.
  const detached = result.outcome === 'detached' || command.detach;
  const human = [
    ...(detached ? [] : [renderFailureTable(cells), '']),
    summary,
    ...nextSteps(sweep.name, result, mode, options),
  ].join('\n');

  if (options.json) {
    logLine(human);
    const json = {
      sweep: sweep.name,
      sweepId: sweep.sweepId,
      command: command.verb,
      mode: mode.kind,
      outcome: result.outcome,
      runs: totalCount(result.counts),
      enqueued: result.enqueued,
      tries: result.tries,
      counts: result.counts,
      elapsedMs: result.elapsedMs,
      failureTable: cells,
      ...command.extra,
    };
    process.stdout.write(`${stringifyJson(json)}\n`);
  } else {
    process.stdout.write(`${human}\n`);
  }
  process.exitCode = exitCodeOf(result);
}

function exitCodeOf(result: SessionResult): number {
  if (result.outcome === 'interrupted') return EXIT_INTERRUPTED;
  if (result.outcome === 'cancelled') return EXIT.workFailed;
  return EXIT.ok;
}

/**
 * `relu-failure: 270/270 runs final in 1m 23s (3.25 runs/s) · done 180 · …`
 */
export function summaryLine(sweep: string, result: SessionResult): string {
  const { counts } = result;
  if (result.outcome === 'detached') {
    return `${sweep}: ${plural(result.enqueued, 'run')} enqueued`;
  }
  const total = totalCount(counts);
  const parts = [
    `${sweep}: ${count(finalCount(counts))}/${count(total)} runs have a final result`,
  ];
  // Only final states: after Ctrl-C, runs whose tries were abandoned still
  // read `running` in the store; the next line counts them as unfinished.
  const states = formatCounts({ ...counts, queued: 0, running: 0 });
  if (states) parts.push(states);
  if (result.outcome === 'complete' && result.enqueued > 0) {
    const rate = (1000 * result.enqueued) / Math.max(result.elapsedMs, 1);
    parts.push(
      `${plural(result.enqueued, 'run')} in ` +
        `${formatDuration(result.elapsedMs)} (${formatRate(rate)} runs/s)`,
    );
  }
  return parts.join(' · ');
}

/**
 * The flags a follow-up command needs to reach the same results file and
 * Redis as this one: `--db` unless it is the default, `--redis` always in
 * distributed mode. The URL's password is not repeated.
 */
export function sameTargetFlags(
  options: GlobalOptions,
  withRedis = true,
): string {
  const flags: string[] = [];
  if (options.db !== defaultDbPath())
    flags.push(`--db ${shellWord(options.db)}`);
  const redis = withRedis ? options.redis : undefined;
  // Always said: without it the command would quietly train in this
  // process. From the environment it is named, not copied.
  if (redis && redis === process.env.REDIS_URL)
    flags.push('--redis "$REDIS_URL"');
  else if (redis) flags.push(`--redis ${shellWord(safeUrl(redis))}`);
  return flags.map((flag) => ` ${flag}`).join('');
}

/** `word` as one shell word: quoted when it holds anything unusual. */
function shellWord(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", "'\\''")}'`;
}

function nextSteps(
  sweep: string,
  result: SessionResult,
  mode: SessionMode,
  options: GlobalOptions,
): string[] {
  const { counts } = result;
  const target = sameTargetFlags(options);
  const store = sameTargetFlags(options, false);
  const open = counts.queued + counts.running;
  switch (result.outcome) {
    case 'interrupted':
      return [
        `interrupted: ${plural(open, 'run')} without a final result; ` +
          (mode.kind === 'distributed'
            ? 'workers go on and their results wait in Redis; '
            : '') +
          `\`sweep resume ${sweep}${target}\` continues`,
      ];
    case 'cancelled':
      return [
        `sweep ${sweep} was cancelled; \`sweep retry ${sweep}${target} ` +
          '--status cancelled` runs the cancelled runs again',
      ];
    case 'detached':
      return [
        `workers train them; \`sweep resume ${sweep}${target}\` records ` +
          'the results and shows progress ' +
          `(\`sweep status ${sweep}${store}\` shows counts)`,
      ];
    default: {
      const broken = counts.crashed + counts.timeout;
      if (broken === 0) return [];
      return [
        `${plural(broken, 'run')} crashed or timed out; ` +
          `\`sweep retry ${sweep}${target}\` runs them again`,
      ];
    }
  }
}

export type { StatusCounts };
