/**
 * Cancelling a sweep in Redis: the flag workers check before starting a
 * job, the message that makes them stop the tries they are running, and
 * the removal of the sweep's jobs that have not started.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectOnce } from './connection.ts';
import { CANCEL_CHANNEL, CANCELLED_SET, PREFIX, QUEUE } from './keys.ts';

const key = (state: string) => `${PREFIX}:${QUEUE}:${state}`;

/** Ids of the jobs in the lists and sets of the given states. */
async function jobIds(redis: Redis, states: string[]): Promise<string[]> {
  const pipeline = redis.pipeline();
  for (const state of states) {
    const k = key(state);
    if (state === 'wait' || state === 'paused' || state === 'active') {
      pipeline.lrange(k, 0, -1);
    } else {
      pipeline.zrange(k, 0, -1);
    }
  }
  const replies = (await pipeline.exec()) ?? [];
  return replies.flatMap(([, ids]) => (ids as string[] | null) ?? []);
}

/** The ids among `ids` whose job belongs to `sweep` (its job name). */
async function ofSweep(redis: Redis, ids: string[], sweep: string) {
  const found: string[] = [];
  for (let from = 0; from < ids.length; from += 1000) {
    const chunk = ids.slice(from, from + 1000);
    const pipeline = redis.pipeline();
    for (const id of chunk) pipeline.hget(`${PREFIX}:${QUEUE}:${id}`, 'name');
    const names = (await pipeline.exec()) ?? [];
    chunk.forEach((id, i) => {
      if (names[i]?.[1] === sweep) found.push(id);
    });
  }
  return found;
}

/**
 * Marks `sweepName` cancelled (workers start none of its jobs and stop
 * those they run) and removes its jobs that are waiting or delayed.
 * Resolves with the number of jobs removed.
 */
export async function cancelQueued(
  redisUrl: string,
  sweepName: string,
): Promise<number> {
  const redis = await connectOnce(redisUrl);
  const queue = new Queue(QUEUE, { connection: redis, prefix: PREFIX });
  try {
    await redis.sadd(CANCELLED_SET, sweepName);
    const states = ['wait', 'paused', 'delayed', 'prioritized'];
    const queued = await ofSweep(redis, await jobIds(redis, states), sweepName);
    const results = await Promise.all(queued.map((id) => queue.remove(id)));
    // Announced only now: workers told earlier would end their tries and
    // take (and skip) queued jobs while these are being removed.
    await redis.publish(CANCEL_CHANNEL, sweepName);
    return results.filter((r) => r === 1).length;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/** Lifts the cancel flag of `sweepName` (before it is resumed). */
export async function clearCancelled(
  redisUrl: string,
  sweepName: string,
): Promise<void> {
  const redis = await connectOnce(redisUrl);
  try {
    await redis.srem(CANCELLED_SET, sweepName);
    await redis.publish(CANCEL_CHANNEL, sweepName);
  } finally {
    redis.disconnect();
  }
}
