/**
 * Live queue state for `sweep status` and the dashboard.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectOnce } from './connection.ts';
import { EVENTS_STREAM, PREFIX, QUEUE } from './keys.ts';

/** Jobs per state, and what waits to be recorded. */
export interface QueueCounts {
  /** Jobs waiting for a worker. */
  waiting: number;
  /** Jobs being trained now. */
  active: number;
  /** Jobs waiting out a retry backoff. */
  delayed: number;
  /** Jobs BullMQ failed, not yet recorded as crashed. */
  failed: number;
  /** Events in the stream not yet recorded. */
  unrecorded: number;
  /** Worker connections on the queue, in this Redis database only. */
  workers: number;
}

/**
 * Counts jobs per state in the queue. Takes a URL (connects, counts and
 * disconnects) or an open client (kept open, for frequent polling).
 */
export async function queueCounts(redis: string | Redis): Promise<QueueCounts> {
  const client = typeof redis === 'string' ? await connectOnce(redis) : redis;
  const queue = new Queue(QUEUE, { connection: client, prefix: PREFIX });
  // A connection lost mid-call rejects the call below; without a listener
  // the queue would also print the same error.
  queue.on('error', () => {});
  try {
    const counts = await queue.getJobCounts(
      'waiting',
      'prioritized',
      'active',
      'delayed',
      'failed',
    );
    const [unrecorded, workers] = await Promise.all([
      client.xlen(EVENTS_STREAM),
      workersOnDatabase(queue, client.options.db ?? 0),
    ]);
    return {
      waiting: counts.waiting + counts.prioritized,
      active: counts.active,
      delayed: counts.delayed,
      failed: counts.failed,
      unrecorded,
      workers,
    };
  } finally {
    await queue.close();
    if (typeof redis === 'string') client.disconnect();
  }
}

/**
 * Worker connections of the queue in database `db`. A worker's connection
 * name carries the queue's prefix and name but not the database number,
 * so a worker of the same queue on another database of the same server
 * has the same kind of name; the server's client list says which database
 * each connection is on (`db=`), and only those on `db` count. Entries
 * without a `db` (the placeholder BullMQ returns from servers that do
 * not list clients) are kept, as before: the count is unknown there.
 */
async function workersOnDatabase(queue: Queue, db: number): Promise<number> {
  const workers = (await queue.getWorkers()) as { db?: string }[];
  return workers.filter(
    (worker) => worker.db === undefined || Number(worker.db) === db,
  ).length;
}
