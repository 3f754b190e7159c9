/**
 * `sweep` subcommands as real child processes for end-to-end tests: spawn,
 * wait for a log line, send signals (kill -9 included), collect output.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `sweep` entry point. */
export const SWEEP_BIN = join(ROOT, 'bin', 'sweep.mjs');

/** How a child process ended. */
export interface Exit {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of `spawnSweep`. */
export interface SpawnOptions {
  /** Extra environment; REDIS_URL, SWEEP_DB and PINN_SWEEP_FAULTS are
   * never inherited from the test process, only taken from here. */
  env?: Record<string, string | undefined>;
  /** Working directory; default the repository root. */
  cwd?: string;
  /** Echo every line to the test's stderr with this prefix and the
   * milliseconds since spawning (debugging). */
  echo?: string;
}

/** A running `sweep` subcommand. */
export interface SweepProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything printed so far, stdout and stderr interleaved by line. */
  readonly lines: readonly string[];
  /** Stdout so far. */
  stdout(): string;
  /** Stderr so far. */
  stderr(): string;
  /**
   * Resolves with the first line (at index ≥ `from`, default 0) matching
   * `pattern`; rejects after `timeoutMs` (default 30 s) or when the process
   * exits without printing it. The error shows the output.
   */
  waitFor(
    pattern: RegExp | string,
    options?: { timeoutMs?: number; from?: number },
  ): Promise<string>;
  /** How many lines so far match `pattern`. */
  count(pattern: RegExp | string): number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** Sends `signal` (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
}

const live = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

const INHERIT_NOT = ['REDIS_URL', 'SWEEP_DB', 'PINN_SWEEP_FAULTS'];

function childEnv(extra: SpawnOptions['env'] = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERIT_NOT) delete env[name];
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

function matches(line: string, pattern: RegExp | string): boolean {
  return typeof pattern === 'string'
    ? line.includes(pattern)
    : pattern.test(line);
}

/** Starts `node bin/sweep.mjs ...args` and follows its output by line. */
export function spawnSweep(
  args: string[],
  options: SpawnOptions = {},
): SweepProcess {
  const child = spawn(process.execPath, [SWEEP_BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const spawnedAt = Date.now();
  const lines: string[] = [];
  const out = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  let exit: Exit | undefined;

  const follow = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    child[stream]?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      out[stream] += text;
      partial += text;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (options.echo) {
          const ms = Date.now() - spawnedAt;
          process.stderr.write(`${options.echo} +${ms}ms ${line}\n`);
        }
      }
      for (const wake of waiters) wake();
    });
    child[stream]?.on('end', () => {
      if (partial) lines.push(partial);
      partial = '';
    });
  };
  follow('stdout');
  follow('stderr');

  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      live.delete(child);
      exit = { code, signal };
      resolve(exit);
      for (const wake of waiters) wake();
    });
  });

  const waitFor: SweepProcess['waitFor'] = (pattern, opts = {}) => {
    const { timeoutMs = 30_000, from = 0 } = opts;
    return new Promise((resolve, reject) => {
      const done = () => {
        waiters.delete(check);
        clearTimeout(timer);
      };
      const fail = (why: string) => {
        done();
        reject(
          new Error(
            `${why} waiting for ${String(pattern)} from sweep ` +
              `${args.join(' ')}:\n${lines.join('\n')}`,
          ),
        );
      };
      const check = () => {
        for (let i = from; i < lines.length; i++) {
          if (!matches(lines[i], pattern)) continue;
          done();
          resolve(lines[i]);
          return;
        }
        if (exit) fail(`exited (${exit.code ?? exit.signal})`);
      };
      const timer = setTimeout(() => fail(`timed out`), timeoutMs);
      waiters.add(check);
      check();
    });
  };

  return {
    child,
    pid: child.pid ?? -1,
    lines,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    waitFor,
    count: (pattern) => lines.filter((l) => matches(l, pattern)).length,
    exited,
    async kill(signal = 'SIGKILL') {
      if (!exit) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `sweep ...args` to the end; resolves with its exit and output. */
export async function runSweep(
  args: string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<Exit & { stdout: string; stderr: string }> {
  const proc = spawnSweep(args, options);
  const timer = setTimeout(
    () => proc.child.kill('SIGKILL'),
    options.timeoutMs ?? 60_000,
  );
  const exit = await proc.exited;
  clearTimeout(timer);
  return { ...exit, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** Kills (SIGKILL) every child these helpers started and still running. */
export async function killAll(): Promise<void> {
  const waits = [...live].map(
    (child) =>
      new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}
