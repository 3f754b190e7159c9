/**
 * Putting a sweep's runs on the BullMQ queue, once each.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunJob } from '../../workers/execute-run.ts';
import type { RunConfig } from '../../workers/run-config.ts';
import { connectOnce } from './connection.ts';
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

async function missing(redis: Redis, runs: RunToQueue[]) {
  const pipeline = redis.pipeline();
  for (const run of runs) pipeline.exists(jobKey(run.runId));
  const replies = (await pipeline.exec()) ?? [];
  return runs.filter((_, i) => replies[i]?.[1] === 0);
}

/**
 * Adds a job per run (jobId from the run id, attempts = retries + 1,
 * exponential backoff, removed once completed). A run whose job already
 * exists is not added again; with `options.confirm`, neither is one that
 * it leaves out. Resolves with the number of jobs added.
 */
export async function enqueueRuns(
  redisUrl: string,
  sweep: QueueSweep,
  runs: readonly RunToQueue[],
  options: EnqueueOptions = {},
): Promise<number> {
  const size = options.chunkSize ?? 1000;
  const redis = await connectOnce(redisUrl);
  const queue = new Queue(QUEUE, { connection: redis, prefix: PREFIX });
  let added = 0;
  let fresh: RunToQueue[] = [];
  const flush = async () => {
    for (let from = 0; from < fresh.length; from += size) {
      const chunk = fresh.slice(from, from + size);
      await queue.addBulk(
        chunk.map((run) => runJob(sweep, run, options.backoffMs)),
      );
    }
    added += fresh.length;
    fresh = [];
  };
  try {
    for (let from = 0; from < runs.length; from += size) {
      fresh.push(...(await missing(redis, runs.slice(from, from + size))));
      // Without a confirmation, each chunk goes out as soon as it is known.
      if (!options.confirm) await flush();
    }
    if (options.confirm && fresh.length > 0) {
      fresh = await options.confirm(fresh);
    }
    await flush();
    return added;
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
