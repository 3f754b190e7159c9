/**
 * `sweep dashboard`: serves the web dashboard over the results store (and
 * the queue, with --redis) until stopped with Ctrl-C or SIGTERM.
 */
import { checkAccess, startDashboard } from '../../../dashboard/server.ts';
import { safeUrl } from '../../queue/connection.ts';
import { openStore } from '../../store/store.ts';
import type { GlobalOptions } from '../common.ts';

/** Flags of `sweep dashboard`. */
export interface DashboardFlags {
  port: number;
  host: string;
  token?: string;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Serves the dashboard until SIGINT or SIGTERM.
 *
 * @param redisFromEnv whether `options.redis` came from $REDIS_URL rather
 *   than --redis (the log says so: the user may not know it is set)
 */
export async function serve(
  options: GlobalOptions & DashboardFlags,
  redisFromEnv = false,
): Promise<void> {
  const token =
    options.token ?? (process.env.SWEEP_DASHBOARD_TOKEN || undefined);
  checkAccess(options.host, token);
  // The schema is brought up to date once here (creating an empty store if
  // none exists yet, so the dashboard can watch a sweep about to start);
  // the dashboard itself then only reads.
  const store = await openStore(options.db);
  await store.close();
  const dashboard = await startDashboard({
    dbPath: options.db,
    host: options.host,
    port: options.port,
    token,
    redisUrl: options.redis,
    onError: (error, req) => {
      const why =
        error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`dashboard: ${req.method} ${req.path} failed: ${why}`);
    },
    onQueueChange: (status) => {
      if (status.mode !== 'redis') return;
      log(
        status.reachable
          ? `dashboard: Redis reachable at ${status.url}`
          : `dashboard: Redis unreachable at ${status.url} ` +
              `(${status.error}); serving the store only`,
      );
    },
  });
  const link = token
    ? `${dashboard.url}?token=${encodeURIComponent(token)}`
    : dashboard.url;
  const source = redisFromEnv ? ' (from $REDIS_URL)' : '';
  const queue = options.redis
    ? ` and queue ${safeUrl(options.redis)}${source}`
    : '';
  log(`dashboard: serving ${options.db}${queue} at ${dashboard.url}`);
  process.stdout.write(`${link}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`dashboard: ${signal}, stopping`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await dashboard.close();
}
