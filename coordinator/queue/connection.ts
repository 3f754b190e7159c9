/**
 * Redis connections: a Redis URL turned into ioredis options, and the two
 * kinds of client the pipeline uses (long-lived ones that wait out an
 * outage, short-lived ones that fail fast).
 */
import { Redis, type RedisOptions } from 'ioredis';

/**
 * ioredis options for `redis://[user:password@]host[:port][/db]` or
 * `rediss://…` (TLS).
 */
export function redisOptions(url: string): RedisOptions {
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
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    const reason = cause ?? error;
    const why = reason instanceof Error ? reason.message : String(reason);
    throw new Error(`cannot reach Redis at ${safeUrl(url)}: ${why}`);
  }
  return client;
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
