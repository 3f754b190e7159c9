/**
 * Redis connections: a Redis URL turned into ioredis options, and the two
 * kinds of client the pipeline uses (long-lived ones that wait out an
 * outage, short-lived ones that fail fast).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { InputError } from '../input-error.ts';
import { REDIS_URL_FORM, redisUrlProblem } from './redis-url.ts';

/**
 * ioredis options for `redis://[user:password@]host[:port][/db]` or
 * `rediss://…` (TLS).
 */
export function redisOptions(url: string): RedisOptions {
  const problem = redisUrlProblem(url);
  if (problem) {
    throw new InputError(
      `Redis URL "${safeUrl(url)}": ${problem}; expected ${REDIS_URL_FORM}`,
    );
  }
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '');
  const options: RedisOptions = {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
  };
  if (parsed.username) options.username = decodeURIComponent(parsed.username);
  if (parsed.password) options.password = decodeURIComponent(parsed.password);
  if (db) options.db = Number(db);
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}

/** Options of a client that waits out a Redis outage, reconnecting. */
export function durableOptions(url: string): RedisOptions {
  return {
    ...redisOptions(url),
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  };
}

/**
 * A client for one command-line operation: gives up after a few seconds
 * when Redis cannot be reached, with an error naming the URL.
 */
export async function connectOnce(url: string): Promise<Redis> {
  const client = new Redis({
    ...redisOptions(url),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    retryStrategy: (times) => (times > 3 ? null : 200 * times),
  });
  // After its retries ioredis rejects with "Connection is closed."; the
  // socket's own error (ECONNREFUSED, ENOTFOUND, …) says what went wrong.
  let cause: Error | undefined;
  client.on('error', (error: Error) => {
    cause = error;
  });
  // A server that takes the connection and never answers (wedged, or not
  // Redis at all) would keep ioredis waiting for ever: give up after a
  // while, saying so.
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `no answer within ${ANSWER_MS / 1000} s (is it a Redis ` +
              'server, and is it not stuck?)',
          ),
        ),
      ANSWER_MS,
    );
  });
  try {
    await Promise.race([client.connect(), silent]);
  } catch (error) {
    client.disconnect();
    const reason = cause ?? error;
    const why = reason instanceof Error ? reason.message : String(reason);
    throw new Error(`cannot reach Redis at ${safeUrl(url)}: ${why}`);
  } finally {
    clearTimeout(timer);
  }
  await selectOrRefuse(client, url);
  return client;
}

/** How long `connectOnce` waits for a connected server to answer, ms. */
const ANSWER_MS = 10_000;

/**
 * Throws an InputError when the server refuses the URL's database number
 * (`ERR DB index is out of range`); ioredis would otherwise go on in
 * database 0, where other sweeps' queues may live. Unreachable servers,
 * and servers that take the connection but do not answer within
 * `CHECK_MS`, pass: the caller's own connection reports or waits them out
 * (a worker says it waits for Redis, and stops on a signal meanwhile).
 */
export async function checkRedisDatabase(url: string): Promise<void> {
  if (!redisOptions(url).db) return;
  const client = new Redis({
    ...redisOptions(url),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: CHECK_MS,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<'silent'>((resolve) => {
    timer = setTimeout(() => resolve('silent'), CHECK_MS);
  });
  try {
    const answer = await Promise.race([
      client.connect().then(() => 'ready' as const),
      silent,
    ]);
    if (answer === 'silent') {
      client.disconnect();
      return;
    }
  } catch {
    client.disconnect();
    return;
  } finally {
    clearTimeout(timer);
  }
  await selectOrRefuse(client, url);
  client.disconnect();
}

/** How long `checkRedisDatabase` waits for the server, ms. */
const CHECK_MS = 5000;

async function selectOrRefuse(client: Redis, url: string): Promise<void> {
  const db = redisOptions(url).db;
  if (!db) return;
  try {
    await client.select(db);
  } catch (error) {
    client.disconnect();
    const why = error instanceof Error ? error.message : String(error);
    if (!/DB index/i.test(why)) throw error;
    throw new InputError(
      `Redis at ${safeUrl(url)} refuses database ${db} (${why}): ` +
        'use a database number the server has (0 to 15 by default, ' +
        'its `databases` setting)',
    );
  }
}

/** The URL without its password, for messages and logs. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
