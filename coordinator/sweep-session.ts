/**
 * What `sweep run`, `resume` and `retry` share once they know which runs
 * to do: record → enqueue → record results until every run of the sweep
 * has a final result, locally (one process, no Redis) or through Redis
 * (the coordinator records, `sweep worker` processes train).
 */
import type { RecorderEvent } from '../workers/events.ts';
import { createTrainPool } from '../workers/pool.ts';
import { RUN_STATUSES } from '../workers/result.ts';
import type { StatusCounts } from './cli/progress.ts';
import { clause } from './cli/words.ts';
import { runLocal } from './local-runner.ts';
import { connectOnce, safeUrl } from './queue/connection.ts';
import {
  EnqueueError,
  enqueueRuns,
  queueCounts,
  type Recorder,
  startRecorder,
  unfinishedOnly,
} from './queue/index.ts';
import type { Store } from './store/store.ts';
import type { QueuedRun, SweepRow } from './store/types.ts';

/** Where runs train. */
export type SessionMode =
  | { kind: 'local'; threads: number }
  | { kind: 'distributed'; redisUrl: string };

/** Something that happened, for the command to log. */
export type SessionNotice =
  | {
      kind: 'enqueued';
      count: number;
      of: number;
      /** A Ctrl-C stopped enqueueing before the end. */
      stopped?: boolean;
    }
  | {
      kind: 'retry';
      runId: string;
      error: string;
      /** Where it crashed, when another process reported it. */
      worker?: string;
      /** Local mode: which try crashed, of how many, and the backoff. */
      attempt?: number;
      attempts?: number;
      delayMs?: number;
    }
  | { kind: 'cancel-noticed' }
  | { kind: 'redis-lost'; url: string }
  | { kind: 'redis-back'; url: string; enqueued: number }
  | { kind: 'no-workers'; url: string }
  | { kind: 'error'; message: string };

/** How a session ended. */
export type SessionOutcome =
  | 'complete'
  | 'cancelled'
  | 'interrupted'
  | 'detached';

/** What a session did. */
export interface SessionResult {
  outcome: SessionOutcome;
  /** Runs handed to the queue (distributed) or the pool (local). */
  enqueued: number;
  /** Tries started in this process (local mode), else undefined. */
  tries?: number;
  /** Counts per state at the end. */
  counts: StatusCounts;
  /** Wall time of the session, milliseconds. */
  elapsedMs: number;
}

/** Options of `openSession`. */
export interface SessionOptions {
  store: Store;
  sweep: SweepRow;
  mode: SessionMode;
  /** Fires on Ctrl-C: stop now; a later `sweep resume` continues. */
  interrupt?: AbortSignal;
  /** Latest counts per state, throttled to a few per second. */
  onCounts?: (counts: StatusCounts) => void;
  onNotice?: (notice: SessionNotice) => void;
}

/** A sweep session: `prepare`, then `execute` once, then `close`. */
export interface SweepSession {
  /**
   * Distributed: checks that Redis answers and records every result still
   * waiting in Redis, so that the store says which runs are unfinished.
   * Local: nothing to do.
   */
  prepare(): Promise<void>;
  /**
   * Hands `runs` to the workers and waits until every run of the sweep has
   * a final result (or the sweep is cancelled, or `interrupt` fires). With
   * `detach`, returns once the runs are enqueued.
   */
  execute(runs: QueuedRun[], detach?: boolean): Promise<SessionResult>;
  /** Stops the recorder (distributed). Idempotent. */
  close(): Promise<void>;
}

/** Opens a session for one sweep; see `SweepSession`. */
export function openSession(options: SessionOptions): SweepSession {
  return options.mode.kind === 'local'
    ? localSession(options, options.mode.threads)
    : distributedSession(options, options.mode.redisUrl);
}

/** Counts with every state present (0 when absent). */
export function fullCounts(counts: Partial<StatusCounts>): StatusCounts {
  const out = {} as StatusCounts;
  for (const state of RUN_STATUSES) out[state] = counts[state] ?? 0;
  return out;
}

/** True when no run of the sweep is `queued` or `running`. */
export function isComplete(counts: StatusCounts): boolean {
  return counts.queued === 0 && counts.running === 0;
}

/**
 * Reads the counts at most every `minMs`, however often it is poked, and
 * reports them.
 */
function countWatcher(
  store: Store,
  sweepId: number,
  report: (counts: StatusCounts) => void,
  minMs = 200,
) {
  let last = 0;
  let pending: NodeJS.Timeout | undefined;
  let reading: Promise<StatusCounts> | undefined;
  const read = async () => {
    last = Date.now();
    const counts = fullCounts(await store.statusCounts(sweepId));
    report(counts);
    return counts;
  };
  /** Reads now (one read at a time) and returns the counts. */
  const now = (): Promise<StatusCounts> => {
    reading ??= read().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  /** Schedules a read within `minMs`. */
  const poke = (): void => {
    if (pending) return;
    const wait = Math.max(0, last + minMs - Date.now());
    pending = setTimeout(() => {
      pending = undefined;
      now().catch(() => {});
    }, wait);
  };
  const stop = () => clearTimeout(pending);
  return { now, poke, stop };
}

function localSession(options: SessionOptions, threads: number) {
  const { store, sweep } = options;
  return {
    async prepare() {},
    async execute(runs: QueuedRun[]): Promise<SessionResult> {
      const started = Date.now();
      const counts = countWatcher(store, sweep.sweepId, (c) =>
        options.onCounts?.(c),
      );
      await counts.now();
      const pool = createTrainPool({ threads });
      try {
        const local = await runLocal({
          store,
          pool,
          sweep,
          runs,
          concurrency: threads,
          interrupt: options.interrupt,
          onRecorded: () => counts.poke(),
          onRetry: (notice) => options.onNotice?.({ kind: 'retry', ...notice }),
          onCancel: () => options.onNotice?.({ kind: 'cancel-noticed' }),
        });
        const final = await counts.now();
        return {
          outcome: local.outcome,
          enqueued: runs.length,
          tries: local.tries,
          counts: final,
          elapsedMs: Date.now() - started,
        };
      } finally {
        counts.stop();
        await pool.close();
      }
    },
    async close() {},
  };
}

/**
 * Checks that Redis answers at `url` within a few seconds.
 *
 * @throws Error naming the URL (password hidden), the reason and the fix
 */
export async function probeRedis(url: string): Promise<void> {
  try {
    const client = await connectOnce(url);
    try {
      await client.ping();
    } finally {
      client.disconnect();
    }
  } catch (error) {
    const why = clause(error instanceof Error ? error.message : String(error));
    const where = why.includes('cannot reach Redis')
      ? why
      : `cannot reach Redis at ${safeUrl(url)}: ${why}`;
    // Not "leave out --redis": for a sweep that workers have been
    // training, that would train it all again in this process.
    throw new Error(
      `${where}; is redis-server running there, and is the URL right?`,
    );
  }
}

/** How often runs waiting for an old job to go are checked, ms. */
const DEFERRED_CHECK_MS = 1000;

function distributedSession(
  options: SessionOptions,
  url: string,
): SweepSession {
  const { store, sweep } = options;
  const notify = (notice: SessionNotice) => options.onNotice?.(notice);
  let recorder: Recorder | undefined;
  let poke = () => {};
  let closed = false;
  const queueSweep = {
    name: sweep.name,
    threshold: sweep.threshold,
    timeoutMs: sweep.timeoutMs,
    retries: sweep.retries,
  };
  // Runs whose job of an older generation is still being trained: each
  // is enqueued again once that job is gone (see `enqueueDeferred`).
  const deferred = new Map<string, number>();
  let requeueing = false;
  const onDeferred = (runs: { runId: string; generation: number }[]) => {
    for (const run of runs) deferred.set(run.runId, run.generation);
  };
  // A run whose job finished after the store was read is not added again.
  const confirm = () => ({
    onDeferred,
    ...(recorder ? { confirm: unfinishedOnly(recorder) } : {}),
    ...(options.interrupt ? { signal: options.interrupt } : {}),
  });

  /**
   * Enqueues the deferred runs still waiting in the store at the same
   * generation. Their old job's stale result lands in Redis before BullMQ
   * removes the job, so a run whose job is still there is simply deferred
   * again and tried on the next call. Resolves with the jobs added.
   */
  const enqueueDeferred = async (): Promise<number> => {
    if (deferred.size === 0 || requeueing) return 0;
    requeueing = true;
    const wanted = new Map(deferred);
    deferred.clear();
    try {
      const runs = (await store.pendingRuns(sweep.sweepId)).filter(
        (run) => wanted.get(run.runId) === run.generation,
      );
      return runs.length > 0
        ? await enqueueRuns(url, queueSweep, runs, confirm())
        : 0;
    } catch (error) {
      // Tried again on the next call.
      for (const [runId, generation] of wanted) {
        if (!deferred.has(runId)) deferred.set(runId, generation);
      }
      throw error;
    } finally {
      requeueing = false;
    }
  };

  const onRecorded = (events: readonly RecorderEvent[]) => {
    poke();
    for (const event of events) {
      if (event.kind !== 'retry') continue;
      const { runId, error, worker } = event;
      notify({ kind: 'retry', runId, error, worker });
    }
  };

  // Redis may have come back empty (restarted without persistence): what
  // the store still lacks is enqueued again; jobs that survived are kept.
  const reenqueue = async (tries = 10): Promise<void> => {
    if (closed) return;
    try {
      await recorder?.drain();
      const runs = await store.pendingRuns(sweep.sweepId);
      const enqueued =
        runs.length > 0
          ? await enqueueRuns(url, queueSweep, runs, confirm())
          : 0;
      notify({ kind: 'redis-back', url, enqueued });
    } catch (error) {
      if (tries <= 1) throw error;
      await sleep(1000);
      return reenqueue(tries - 1);
    }
  };

  const onRedis = (state: 'lost' | 'back') => {
    if (state === 'lost') {
      notify({ kind: 'redis-lost', url });
      return;
    }
    reenqueue().catch((error: unknown) =>
      notify({ kind: 'error', message: messageOf(error) }),
    );
  };

  return {
    async prepare() {
      await probeRedis(url);
      recorder = await startRecorder(url, store, {
        onRecorded,
        onRedis,
        onError: (error) => notify({ kind: 'error', message: error.message }),
      });
      await recorder.drain();
    },

    async execute(runs: QueuedRun[], detach = false) {
      const started = Date.now();
      let enqueued = 0;
      let lostWhileEnqueueing = false;
      try {
        if (runs.length > 0) {
          enqueued = await enqueueRuns(url, queueSweep, runs, confirm());
        }
      } catch (error) {
        // Redis went away while enqueueing. Staying, the recorder waits
        // for it and enqueues what has no result when it is back, as for
        // any outage; a detached command cannot stay.
        const lost = error instanceof EnqueueError && error.connectionLost;
        if (detach || !lost) throw error;
        lostWhileEnqueueing = true;
        notify({
          kind: 'error',
          message:
            `${messageOf(error)}; the runs without a job are enqueued ` +
            'when Redis is back',
        });
      }
      const stopped = options.interrupt?.aborted === true;
      if (!lostWhileEnqueueing) {
        notify({ kind: 'enqueued', count: enqueued, of: runs.length, stopped });
      }
      const counts = countWatcher(store, sweep.sweepId, (c) =>
        options.onCounts?.(c),
      );
      if (detach) {
        // Nobody stays to enqueue the runs whose old job is still being
        // trained: wait here until it is gone.
        while (deferred.size > 0 && !options.interrupt?.aborted) {
          await sleep(DEFERRED_CHECK_MS, options.interrupt);
          enqueued += await enqueueDeferred();
        }
        // A Ctrl-C while enqueueing left runs without a job: not detached.
        return {
          outcome: stopped ? ('interrupted' as const) : ('detached' as const),
          enqueued,
          counts: await counts.now(),
          elapsedMs: Date.now() - started,
        };
      }
      poke = () => counts.poke();
      const hint = setTimeout(() => hintWorkers(url, notify), 3000);
      const requeue = setInterval(() => {
        enqueueDeferred().then(
          (added) => {
            enqueued += added;
          },
          (error: unknown) =>
            notify({ kind: 'error', message: messageOf(error) }),
        );
      }, DEFERRED_CHECK_MS);
      try {
        const outcome = await waitForFinals(options, counts);
        return {
          outcome,
          enqueued,
          counts: await counts.now(),
          elapsedMs: Date.now() - started,
        };
      } finally {
        clearTimeout(hint);
        clearInterval(requeue);
        poke = () => {};
        counts.stop();
      }
    },

    async close() {
      closed = true;
      const running = recorder;
      recorder = undefined;
      await running?.stop();
    },
  };
}

/** Tells the user when no worker is connected to the queue. */
function hintWorkers(url: string, notify: (notice: SessionNotice) => void) {
  queueCounts(url).then(
    (counts) => {
      if (counts.workers === 0) notify({ kind: 'no-workers', url });
    },
    () => {},
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Waits until the store shows no queued or running run (then: `cancelled`
 * if the sweep was cancelled, else `complete`) or `interrupt` fires. Reads
 * the counts every half second besides the recorder's pokes, so that
 * writes by other processes (`sweep cancel`) are seen too.
 */
async function waitForFinals(
  options: SessionOptions,
  counts: ReturnType<typeof countWatcher>,
): Promise<SessionOutcome> {
  const { store, sweep, interrupt } = options;
  let latest = await counts.now();
  while (true) {
    if (interrupt?.aborted) return 'interrupted';
    if (isComplete(latest)) {
      const row = await store.getSweep(sweep.name);
      return row?.cancelledAt != null ? 'cancelled' : 'complete';
    }
    await sleep(500, interrupt);
    latest = await counts.now();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
