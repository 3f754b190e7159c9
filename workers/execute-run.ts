/**
 * One try of one run, turned into the events the recorder stores. The
 * single place where a try's outcome is decided, shared by local mode and
 * the distributed worker process.
 */
import type { RecorderEvent } from './events.ts';
import type { TrainPool } from './pool.ts';
import { type TrainResult, verdict } from './result.ts';
import type { RunConfig } from './run-config.ts';

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
   * `HandBack`, in which case the try is abandoned without any event.
   */
  signal?: AbortSignal;
}

/** How a try ended for the caller. */
export type AttemptEnd =
  /** A final event was emitted: the run is finished. */
  | 'final'
  /** A retry event was emitted: try again later. */
  | 'retry'
  /** Handed back (see `HandBack`): nothing emitted after `start`. */
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

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function armTimer(job: RunJob, controller: AbortController) {
  const ms = job.timeoutMs;
  if (!(ms > 0 && Number.isFinite(ms))) return undefined;
  return setTimeout(() => controller.abort(new TimeLimit(ms)), ms);
}

/**
 * Makes one try of `job` on `pool` and emits its events through `emit`:
 * `start`, then one of
 *
 * - `final` with the verdict (`done`, `inaccurate`, `diverged`) when
 *   training returns;
 * - `final timeout` when `job.timeoutMs` passes (the thread is stopped);
 * - `final cancelled` when `ctx.signal` aborts (nothing more when the
 *   reason is a `HandBack`);
 * - when the task throws or its thread dies: `retry` with the error unless
 *   `ctx.finalAttempt`, else `final crashed` with the error.
 *
 * Resolves once the last event's `emit` has resolved. Rejects only if
 * `emit` rejects.
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
  // The start event need not be confirmed before training begins; emitters
  // keep order, and it is awaited before the try's last event.
  const started = Promise.resolve(emit({ kind: 'start', ...base, at: now() }));
  started.catch(() => {});

  const controller = new AbortController();
  const timer = armTimer(job, controller);
  const onAbort = () => controller.abort(ctx.signal?.reason);
  if (ctx.signal?.aborted) onAbort();
  ctx.signal?.addEventListener('abort', onAbort, { once: true });

  let result: TrainResult | undefined;
  let failure: unknown;
  try {
    result = await pool.run(job.config, controller.signal);
  } catch (error) {
    failure = error;
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
  }
  await started;

  if (result) {
    const status = verdict(result, job.threshold);
    await emit({ kind: 'final', ...base, at: now(), status, result });
    return 'final';
  }
  const reason = controller.signal.aborted ? controller.signal.reason : null;
  if (reason instanceof HandBack) return 'abandoned';
  if (reason instanceof TimeLimit) {
    const error = reason.message;
    await emit({ kind: 'final', ...base, at: now(), status: 'timeout', error });
    return 'final';
  }
  if (controller.signal.aborted) {
    const error = reason ? messageOf(reason) : 'cancelled';
    const status = 'cancelled';
    await emit({ kind: 'final', ...base, at: now(), status, error });
    return 'final';
  }
  const error = messageOf(failure);
  if (!ctx.finalAttempt) {
    await emit({ kind: 'retry', ...base, at: now(), error });
    return 'retry';
  }
  await emit({ kind: 'final', ...base, at: now(), status: 'crashed', error });
  return 'final';
}

function now(): number {
  return Date.now();
}
