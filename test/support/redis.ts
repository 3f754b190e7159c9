/**
 * A real, throw-away `redis-server` for tests: its own free port on
 * 127.0.0.1, its own temp dir, no persistence. Never the machine's Redis.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running test Redis. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** The TCP port, kept across `restart()`. */
  readonly port: number;
  /** Graceful stop (SIGTERM), then removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Crash it (SIGKILL) and wait until it is gone; `restart()` revives it. */
  kill(): Promise<void>;
  /**
   * Kill it if running, stay down `downMs` milliseconds (default 0), then
   * start again on the same port. It comes back EMPTY (nothing persisted).
   */
  restart(downMs?: number): Promise<void>;
  /** Whether the server process is currently up. */
  readonly running: boolean;
  /** Process id of the running server (for CPU accounting). */
  readonly pid: number | undefined;
}

const READY_LINE = /Ready to accept connections/;
const START_TIMEOUT_MS = 10_000;
const live = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A port that was free a moment ago (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
  ];
  const child = spawn('redis-server', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on ${port} not ready: ${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!READY_LINE.test(output)) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `redis-server on ${port} exited (${code ?? signal}): ${output}`,
        ),
      );
    });
  });
}

function waitExit(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/**
 * Starts `redis-server` on a free 127.0.0.1 port with `--save ''` and
 * `--appendonly no`, in a fresh temp dir. Retries a few ports when one is
 * taken between picking and binding.
 */
export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pinn-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  for (let tries = 0; !child; tries++) {
    port = await freePort();
    try {
      child = await launch(port, dir);
    } catch (error) {
      if (tries >= 4) throw error;
    }
  }
  let current: ChildProcess | undefined = child;
  let stopped = false;

  const kill = async () => {
    if (current) await waitExit(current, 'SIGKILL');
    current = undefined;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get running() {
      return current !== undefined && current.exitCode === null;
    },
    get pid() {
      return current?.pid;
    },
    kill,
    async restart(downMs = 0) {
      await kill();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      current = await launch(port, dir);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (current) await waitExit(current, 'SIGTERM');
      current = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
