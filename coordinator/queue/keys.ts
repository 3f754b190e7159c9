/**
 * Names shared by everything that talks to Redis: the BullMQ queue, the
 * events stream, the cancel flag and channel.
 */

/** Prefix of every key pinn-sweep writes in Redis. */
export const PREFIX = 'pinn-sweep';

/** BullMQ queue of runs to train. */
export const QUEUE = 'train';

/** Stream of worker events (start, retry, final) awaiting the recorder. */
export const EVENTS_STREAM = `${PREFIX}:events`;

/** Consumer group of the recorder on `EVENTS_STREAM`. */
export const RECORDER_GROUP = 'recorder';

/** Set of cancelled sweep names. */
export const CANCELLED_SET = `${PREFIX}:cancelled`;

/** Pub/sub channel announcing a change of `CANCELLED_SET`. */
export const CANCEL_CHANNEL = `${PREFIX}:cancel`;

/**
 * The BullMQ job id of a run: `run-` and the run id. BullMQ refuses job
 * ids that read as integers, which a hex run id occasionally does.
 */
export function jobIdOf(runId: string): string {
  return `run-${runId}`;
}

/** Redis key of a job's hash. */
export function jobKey(runId: string): string {
  return `${PREFIX}:${QUEUE}:${jobIdOf(runId)}`;
}
