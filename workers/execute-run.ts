/**
 * One try of one run, turned into the events the recorder stores. The
 * single place where a try's outcome is decided, shared by local mode and
 * the distributed worker process.
 */
import type { RecorderEvent } from './events.ts';
import type { TrainPool } from './pool.ts';
import { type FinalStatus, type RecordedResult, verdict } from './result.ts';
import type { RunConfig } from './run-config.ts';
import { STARTED_BYTES, startedAt } from './train-task.ts';

/** A run to train: what a queued job carries. */
export interface RunJob {
  /** Sweep name. */
  sweep: string;
  runId: string;
  /** The run's generation when enqueued (bumped by `sweep retry`). */
  generation: number;
  config: RunConfig;
  /** Largest `rel_l2` that counts as `done`. */
  threshold: number;
  /** Time limit of one try, milliseconds; ≤ 0 or non-finite: none. */
  timeoutMs: number;
}

/** Who makes the try and how it may end. */
export interface AttemptContext {
  /** Unique id of this try. */
  token: string;
  /** `host:pid` of the process making it. */
  worker: string;
  /** No more tries after this one: a crash is final (`crashed`). */
  finalAttempt: boolean;
  /**
   * Aborting it stops the try: it ends `cancelled`, unless the reason is a
   * `HandBack`, in which case the try is abandoned without a result.
   */
  signal?: AbortSignal;
}

/** How a try ended for the caller. */
export type AttemptEnd =
  /** A final event was emitted: the run is finished. */
  | 'final'
  /** A retry event was emitted: try again later. */
  | 'retry'
  /** Handed back (see `HandBack`): `handback` emitted if it had begun. */
  | 'abandoned';

/**
 * Abort reason meaning "stop, but this is not the run's fault": the try is
 * abandoned without a final or retry event, so its run will be tried again
 * (a stopping worker hands its work back to the queue).
 */
export class HandBack extends Error {
  constructor(message = 'handed back') {
    super(message);
    this.name = 'HandBack';
  }
}

class TimeLimit extends Error {
  constructor(ms: number) {
    super(`stopped at the time limit of ${ms} ms`);
    this.name = 'TimeLimit';
  }
}

/** How often a queued task is checked for having begun, milliseconds. */
const WAIT_POLL_MS = 25;

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/**
 * Aborts `controller` once the task has run `ms` milliseconds, counted
 * from when a thread began it (not while it waited for a thread or for a
 * fresh thread to load). Returns a function that disarms it.
 */
function armTimeLimit(
  ms: number,
  started: SharedArrayBuffer,
  controller: AbortController,
): () => void {
  if (!(ms > 0 && Number.isFinite(ms))) return () => {};
  let timer: NodeJS.Timeout;
  const check = () => {
    const since = startedAt(started);
    // Not begun yet: look again soon; the limit has not started to run.
    const left = since === undefined ? ms : since + ms - Date.now();
    if (since !== undefined && left <= 0) {
      controller.abort(new TimeLimit(ms));
      return;
    }
    timer = setTimeout(check, since === undefined ? WAIT_POLL_MS : left);
  };
  timer = setTimeout(check, ms);
  return () => clearTimeout(timer);
}

/**
 * Makes one try of `job` on `pool` and emits its events through `emit`:
 * `start` when a thread takes the run (none when the try is stopped while
 * the run still waits for a thread), then one of
 *
 * - `final` with the verdict (`done`, `inaccurate`, `diverged`) when
 *   training returns;
 * - `final timeout` when `job.timeoutMs` passes (the thread is stopped);
 * - `final cancelled` when `ctx.signal` aborts; `handback` instead when
 *   the reason is a `HandBack` (nothing when no thread had taken the run);
 * - when the task throws or its thread dies: `retry` with the error unless
 *   `ctx.finalAttempt`, else `final crashed` with the error.
 *
 * Events are emitted in that order, each without waiting for the one
 * before to be confirmed. Resolves once every `emit` has resolved; rejects
 * only if one rejects.
 */
export async function executeAttempt(
  pool: TrainPool,
  job: RunJob,
  ctx: AttemptContext,
  emit: (event: RecorderEvent) => void | Promise<void>,
): Promise<AttemptEnd> {
  const base = {
    runId: job.runId,
    generation: job.generation,
    token: ctx.token,
    worker: ctx.worker,
  };
  // The start is announced when a thread takes the run (it may wait in
  // line first), and neither event waits for the one before to be
  // confirmed: emitters keep order, and may send a short try's two events
  // together.
  let announced: Promise<void> | undefined;
  const announce = () => {
    announced = Promise.resolve(emit({ kind: 'start', ...base, at: now() }));
    announced.catch(() => {});
  };

  const ending = await train(pool, job, ctx.signal, announce);
  const last = lastEvent(ending, ctx.finalAttempt, job.threshold);
  if (!last) {
    // Handed back: a try that had begun says so, so that the store does
    // not show it running until the run's next try.
    if (announced) {
      const reason = messageOf((ending as { reason: unknown }).reason);
      const handback = emit({ kind: 'handback', ...base, at: now(), reason });
      await Promise.all([announced, handback]);
    }
    return 'abandoned';
  }
  const ended = emit({ ...base, at: now(), ...last } as RecorderEvent);
  await Promise.all([announced, ended]);
  return last.kind === 'retry' ? 'retry' : 'final';
}

/** How the training of one try ended. */
type Ending =
  | { result: RecordedResult }
  | { failure: unknown; aborted: boolean; reason: unknown };

/**
 * Trains in the pool under the time limit and `signal`; `onBegin` is
 * called when a thread takes the run.
 */
async function train(
  pool: TrainPool,
  job: RunJob,
  signal: AbortSignal | undefined,
  onBegin: () => void,
): Promise<Ending> {
  const controller = new AbortController();
  const began = new SharedArrayBuffer(STARTED_BYTES);
  const disarm = armTimeLimit(job.timeoutMs, began, controller);
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const options = { signal: controller.signal, started: began, onBegin };
    return { result: await pool.run(job.config, options) };
  } catch (failure) {
    const { aborted, reason } = controller.signal;
    return { failure, aborted, reason: aborted ? reason : undefined };
  } finally {
    disarm();
    signal?.removeEventListener('abort', onAbort);
  }
}

type LastEvent =
  | {
      kind: 'final';
      status: FinalStatus;
      result?: RecordedResult;
      error?: string;
    }
  | { kind: 'retry'; error: string };

/** The event that ends the try, or none for a hand-back. */
function lastEvent(
  ending: Ending,
  finalAttempt: boolean,
  threshold: number,
): LastEvent | undefined {
  if ('result' in ending) {
    const { result } = ending;
    return { kind: 'final', status: verdict(result, threshold), result };
  }
  const { reason } = ending;
  if (reason instanceof HandBack) return undefined;
  if (reason instanceof TimeLimit) {
    return { kind: 'final', status: 'timeout', error: reason.message };
  }
  if (ending.aborted) {
    const error = reason ? messageOf(reason) : 'cancelled';
    return { kind: 'final', status: 'cancelled', error };
  }
  const error = messageOf(ending.failure);
  if (!finalAttempt) return { kind: 'retry', error };
  return { kind: 'final', status: 'crashed', error };
}

function now(): number {
  return Date.now();
}
