/**
 * `sweep dashboard`: serves the web dashboard over the results store (and
 * the queue, with --redis) until stopped with Ctrl-C or SIGTERM.
 */
import type { Command } from 'commander';
import {
  checkAccess,
  DEFAULT_HOST,
  DEFAULT_PORT,
  startDashboard,
} from '../../../dashboard/server.ts';
import { safeUrl } from '../../queue/connection.ts';
import { openStore } from '../../store/store.ts';
import { type GlobalOptions, intFlag } from '../common.ts';
import type { RegisterCommand } from './index.ts';

interface DashboardFlags {
  port: number;
  host: string;
  token?: string;
}

/** Registers `sweep dashboard`. */
export const register: RegisterCommand = (program) => {
  program
    .command('dashboard')
    .summary('serve the web dashboard: progress, failure map, runs, SQL')
    .description(
      'Serve the dashboard over the results store at --db: live progress ' +
        'of every sweep, the failure map, each run with its curves, and a ' +
        'read-only SQL console. With --redis it also shows the queue. ' +
        'Binds 127.0.0.1 unless --host says otherwise; any other address ' +
        'needs --token (or $SWEEP_DASHBOARD_TOKEN), which every request ' +
        'must then carry.',
    )
    .option(
      '--port <n>',
      'TCP port (0: any free one)',
      intFlag(0, 65535),
      DEFAULT_PORT,
    )
    .option('--host <address>', 'address to bind', DEFAULT_HOST)
    .option(
      '--token <token>',
      'secret every request must carry (≥ 16 characters); default ' +
        '$SWEEP_DASHBOARD_TOKEN',
    )
    .action((_opts, cmd: Command) => serve(cmd));
};

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function serve(cmd: Command): Promise<void> {
  const options = cmd.optsWithGlobals<GlobalOptions & DashboardFlags>();
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
  const queue = options.redis ? ` and queue ${safeUrl(options.redis)}` : '';
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
