/**
 * Starts and stops the dashboard: checks the bind address and token, opens
 * the store read-only, starts the queue watch and the live hub, listens.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Request } from 'express';
import { InputError } from '../coordinator/input-error.ts';
import { DEFAULT_HOST, DEFAULT_PORT } from './address.ts';
import { createApp } from './app.ts';
import { isLoopback, MIN_TOKEN_LENGTH } from './auth.ts';
import { LiveHub } from './live.ts';
import { type QueueStatus, QueueWatch } from './queue-watch.ts';
import {
  type ConsoleLimits,
  DEFAULT_CONSOLE_LIMITS,
  SqlConsole,
} from './sql-console.ts';
import { StoreView } from './store-view.ts';

export { DEFAULT_HOST, DEFAULT_PORT };

/** Characters a token may use (URL- and cookie-safe). */
const TOKEN_CHARS = /^[A-Za-z0-9._~+/=-]+$/;

/** How to run the dashboard. */
export interface DashboardOptions {
  /** The results store; it must exist. */
  dbPath: string;
  /** Bind address (default 127.0.0.1). Anything else needs `token`. */
  host?: string;
  /** TCP port (default 7600; 0 picks a free one). */
  port?: number;
  /** Secret every request must carry (at least 16 characters). */
  token?: string;
  /** Redis to show live queue state from; absent in local mode. */
  redisUrl?: string;
  /** Most staleness of what pages show, and the live poll interval, ms
   * (default 1000). */
  refreshMs?: number;
  /**
   * Whether answers are cached per store change (default true); false
   * recomputes everything for every request, only to measure the caches.
   */
  caching?: boolean;
  /** Interval between polls of Redis, ms (default 2000). */
  queuePollMs?: number;
  /**
   * How long Redis has to answer a first time before the dashboard says
   * it is unreachable, ms (default 5000).
   */
  queueConnectGraceMs?: number;
  /** Limits of the SQL console. */
  console?: Partial<ConsoleLimits>;
  /** Called with internal errors (500s); the entry point logs them. */
  onError?: (error: unknown, req: Request) => void;
  /** Called when Redis becomes reachable or unreachable. */
  onQueueChange?: (status: QueueStatus) => void;
}

/** A running dashboard. */
export interface RunningDashboard {
  /** `http://HOST:PORT/`. */
  url: string;
  host: string;
  port: number;
  view: StoreView;
  live: LiveHub;
  queue: QueueWatch;
  /** Stops serving and closes everything. */
  close(): Promise<void>;
}

/**
 * Checks the bind address against the token.
 *
 * @throws InputError when binding beyond loopback without a usable token
 */
export function checkAccess(host: string, token: string | undefined): void {
  if (token !== undefined) {
    if (token.length < MIN_TOKEN_LENGTH || !TOKEN_CHARS.test(token)) {
      throw new InputError(
        `--token: must be at least ${MIN_TOKEN_LENGTH} characters of ` +
          `A-Z a-z 0-9 . _ ~ + / = -, got ${token.length} characters; ` +
          'make one with `openssl rand -hex 16`',
      );
    }
    return;
  }
  if (!isLoopback(host)) {
    throw new InputError(
      `--host ${host}: serving beyond this machine needs a token; ` +
        'add --token TOKEN (or $SWEEP_DASHBOARD_TOKEN), e.g. from ' +
        '`openssl rand -hex 16`, or bind 127.0.0.1',
    );
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Starts the dashboard and resolves once it listens. */
export async function startDashboard(
  options: DashboardOptions,
): Promise<RunningDashboard> {
  const host = options.host ?? DEFAULT_HOST;
  const refreshMs = options.refreshMs ?? 1000;
  checkAccess(host, options.token);
  if (!existsSync(options.dbPath)) {
    throw new InputError(
      `--db ${options.dbPath}: no results store there; run a sweep first ` +
        '(`sweep run SPEC`) or point --db at its file',
    );
  }
  const view = await StoreView.open(
    options.dbPath,
    refreshMs,
    options.caching ?? true,
  );
  const queue = new QueueWatch(
    options.redisUrl,
    options.queuePollMs ?? 2000,
    options.onQueueChange,
    options.queueConnectGraceMs,
  );
  const live = new LiveHub(view, queue, refreshMs);
  const sqlConsole = new SqlConsole(options.dbPath, {
    ...DEFAULT_CONSOLE_LIMITS,
    ...options.console,
  });
  const app = createApp({
    view,
    queue,
    live,
    sqlConsole,
    dbPath: options.dbPath,
    token: options.token,
    onError: options.onError,
  });
  const sockets = new Set<Socket>();
  const http = createServer(app);
  http.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await queue.start();
  live.start();
  try {
    await listen(http, options.port ?? DEFAULT_PORT, host);
  } catch (error) {
    live.stop();
    queue.stop();
    await view.close();
    throw listenError(error, host, options.port ?? DEFAULT_PORT);
  }
  const port = (http.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    host,
    port,
    view,
    live,
    queue,
    async close() {
      live.stop();
      queue.stop();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await view.close();
    },
  };
}

function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'EADDRINUSE') {
    return new InputError(
      `--port ${port}: already in use on ${host}; choose another port`,
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new InputError(`--host ${host}: not an address of this machine`);
  }
  if (code === 'EACCES') {
    return new InputError(`--port ${port}: not allowed for this user`);
  }
  return error;
}
