/**
 * Putting a sweep's runs on the BullMQ queue, once each.
 */
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunJob } from '../../workers/execute-run.ts';
import type { RunConfig } from '../../workers/run-config.ts';
import { count, plural } from '../cli/words.ts';
import { InputError } from '../input-error.ts';
import { connectOnce, safeUrl } from './connection.ts';
import { jobIdOf, jobKey, PREFIX, QUEUE } from './keys.ts';
import type { Recorder } from './recorder.ts';

/** The sweep settings a job needs. */
export interface QueueSweep {
  /** Sweep name. */
  name: string;
  /** Largest `rel_l2` that counts as `done`. */
  threshold: number;
  /** Time limit of one try, milliseconds. */
  timeoutMs: number;
  /** Extra tries after a crash (attempts = retries + 1). */
  retries: number;
}

/** A run to enqueue (the store's `QueuedRun`). */
export interface RunToQueue {
  runId: string;
  generation: number;
  config: RunConfig;
}

/** Options of `enqueueRuns`. */
export interface EnqueueOptions {
  /** Jobs per addBulk call (default 1000). */
  chunkSize?: number;
  /** First retry delay, milliseconds, doubled per retry (default 1000). */
  backoffMs?: number;
  /**
   * Called once with the runs found to have no job, before any is added;
   * resolves with those that still need one. A job that finished between
   * the caller's reading of the store and this check has put its result in
   * Redis first, so recording what waits there now (`recorder.drain()`)
   * and leaving out the runs it just recorded a final result for closes
   * that window: no finished run is trained again. See `unfinishedOnly`.
   */
  confirm?: (missing: RunToQueue[]) => Promise<RunToQueue[]>;
  /**
   * Called with the runs left without a job because a job of an older
   * generation of theirs is still in Redis and could not be replaced
   * (a worker is training it, or BullMQ failed it and the recorder has
   * not removed it yet). Its result will be ignored as stale: enqueue
   * these runs again once that job is gone. Without this option they are
   * silently left out.
   */
  onDeferred?: (runs: RunToQueue[]) => void;
  /**
   * Stops enqueueing (a Ctrl-C): no chunk is added once it fires; resolves
   * with the jobs added until then. The runs left out stay without a job,
   * for `sweep resume`.
   */
  signal?: AbortSignal;
}

/** Why `enqueueRuns` stopped part way, and whether Redis went away. */
export class EnqueueError extends Error {
  constructor(
    message: string,
    /** The connection to Redis was lost or refused (not a bad job, say). */
    readonly connectionLost: boolean,
  ) {
    super(message);
    this.name = 'EnqueueError';
  }
}

/** Whether an error message from ioredis says the connection went away. */
export function isConnectionLoss(message: string): boolean {
  return /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|connection (is )?clos|max retries per request/i.test(
    message,
  );
}

/** Default first retry delay, milliseconds. */
export const DEFAULT_BACKOFF_MS = 1000;

/** The job of one run, as BullMQ's addBulk takes it. */
export function runJob(
  sweep: QueueSweep,
  run: RunToQueue,
  backoffMs = DEFAULT_BACKOFF_MS,
) {
  const data: RunJob = {
    sweep: sweep.name,
    runId: run.runId,
    generation: run.generation,
    config: run.config,
    threshold: sweep.threshold,
    timeoutMs: sweep.timeoutMs,
  };
  return {
    name: sweep.name,
    data,
    opts: {
      jobId: jobIdOf(run.runId),
      attempts: sweep.retries + 1,
      backoff: { type: 'exponential', delay: backoffMs },
      removeOnComplete: true,
      removeOnFail: false,
    },
  };
}

/** States in which a job waits for a worker and may be removed. */
const UNSTARTED = new Set(['waiting', 'delayed', 'prioritized', 'wait']);

/**
 * Sorts `runs` into those that need a job and those whose job of an older
 * generation is still in Redis and cannot be replaced now. A job of the
 * run's generation (or a newer one) counts as its job; one of an older
 * generation (left by a `sweep cancel` that could not reach Redis, say)
 * would only deliver a result the store ignores, so it is removed when no
 * worker has started it, and otherwise left to finish.
 */
async function missing(
  redis: Redis,
  queue: Queue,
  runs: RunToQueue[],
): Promise<{ fresh: RunToQueue[]; deferred: RunToQueue[] }> {
  const pipeline = redis.pipeline();
  for (const run of runs) {
    // No job can be older than generation 0: existence is enough there.
    if (run.generation === 0) pipeline.exists(jobKey(run.runId));
    else pipeline.hget(jobKey(run.runId), 'data');
  }
  const replies = (await pipeline.exec()) ?? [];
  const fresh: RunToQueue[] = [];
  const stale: RunToQueue[] = [];
  runs.forEach((run, i) => {
    const reply = replies[i]?.[1];
    if (reply === 0 || reply === null) fresh.push(run);
    else if (typeof reply === 'string' && generationOf(reply) < run.generation)
      stale.push(run);
  });
  const deferred: RunToQueue[] = [];
  for (const run of stale) {
    if (await removeUnstarted(queue, run.runId)) fresh.push(run);
    else deferred.push(run);
  }
  return { fresh, deferred };
}

function generationOf(data: string): number {
  try {
    const generation = (JSON.parse(data) as Partial<RunJob>).generation;
    return typeof generation === 'number' ? generation : 0;
  } catch {
    return 0;
  }
}

/**
 * Removes the job of `runId` if no worker has started it. Resolves with
 * whether the run is free of a job now. BullMQ refuses to remove a job a
 * worker holds the lock of, so a job taken between the state check and
 * the removal is kept.
 */
async function removeUnstarted(queue: Queue, runId: string): Promise<boolean> {
  const job = await Job.fromId(queue, jobIdOf(runId));
  if (!job) return true;
  const state = await job.getState();
  if (!UNSTARTED.has(state)) return state === 'unknown';
  try {
    await job.remove();
    return true;
  } catch {
    return false;
  }
}

/**
 * Adds a job per run (jobId from the run id, attempts = retries + 1,
 * exponential backoff, removed once completed). A run whose job already
 * exists is not added again; with `options.confirm`, neither is one that
 * it leaves out. A job of an older generation is replaced if no worker has
 * started it, else the run goes to `options.onDeferred`. Resolves with the
 * number of jobs added (fewer when `options.signal` stops it).
 */
export async function enqueueRuns(
  redisUrl: string,
  sweep: QueueSweep,
  runs: readonly RunToQueue[],
  options: EnqueueOptions = {},
): Promise<number> {
  const size = options.chunkSize ?? 1000;
  const redis = await connectOnce(redisUrl).catch((error: unknown) => {
    // A database the server refuses is bad input; anything else here is
    // Redis out of reach.
    if (error instanceof InputError) throw error;
    throw new EnqueueError(String((error as Error)?.message ?? error), true);
  });
  const queue = new Queue(QUEUE, { connection: redis, prefix: PREFIX });
  // A lost connection rejects the command under way, which is reported;
  // the queue's own 'error' events would otherwise end the process.
  queue.on('error', () => {});
  let added = 0;
  let fresh: RunToQueue[] = [];
  const deferred: RunToQueue[] = [];
  const stopped = () => options.signal?.aborted === true;
  const flush = async () => {
    for (let from = 0; from < fresh.length && !stopped(); from += size) {
      const chunk = fresh.slice(from, from + size);
      await queue.addBulk(
        chunk.map((run) => runJob(sweep, run, options.backoffMs)),
      );
      added += chunk.length;
    }
    fresh = [];
  };
  try {
    for (let from = 0; from < runs.length && !stopped(); from += size) {
      const found = await missing(redis, queue, runs.slice(from, from + size));
      fresh.push(...found.fresh);
      deferred.push(...found.deferred);
      // Without a confirmation, each chunk goes out as soon as it is known.
      if (!options.confirm) await flush();
    }
    if (options.confirm && fresh.length > 0 && !stopped()) {
      fresh = await options.confirm(fresh);
    }
    await flush();
    if (deferred.length > 0) options.onDeferred?.(deferred);
    return added;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const lost = isConnectionLoss(message);
    // ioredis words a lost connection after its one retry this way.
    const why = /max retries per request/i.test(message)
      ? 'the connection was lost'
      : message;
    throw new EnqueueError(
      `enqueueing stopped after ${count(added)} of ` +
        `${plural(runs.length, 'run')} ` +
        `(Redis at ${safeUrl(redisUrl)}: ${why})`,
      lost,
    );
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/**
 * The `confirm` of `enqueueRuns` for a coordinator that records with
 * `recorder`: records what waits in Redis now, then leaves out the runs
 * whose final result it has recorded (this generation's).
 */
export function unfinishedOnly(
  recorder: Pick<Recorder, 'drain' | 'hasFinal'>,
): (missing: RunToQueue[]) => Promise<RunToQueue[]> {
  return async (missing) => {
    await recorder.drain();
    return missing.filter(
      (run) => !recorder.hasFinal(run.runId, run.generation),
    );
  };
}
