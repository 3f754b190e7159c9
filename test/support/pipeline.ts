/**
 * Building blocks of the pipeline's end-to-end tests: a sweep recorded in a
 * fresh SQLite file, worker processes, and reads of the store's tables.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpecFile, type SweepPlan } from '../../coordinator/spec/index.ts';
import { openStore, type Store } from '../../coordinator/store/index.ts';
import { runReadOnlyQuery } from '../../coordinator/store/read-only-query.ts';
import { FAULTS_ENV } from '../../workers/faults.ts';
import {
  type SpawnOptions,
  type SweepProcess,
  spawnSweep,
} from './processes.ts';

/** A sweep recorded in its own store, in its own temp dir. */
export interface SweepFixture {
  dir: string;
  dbPath: string;
  specPath: string;
  store: Store;
  plan: SweepPlan;
  sweepId: number;
  /** Closes the store and removes the temp dir. */
  close(): Promise<void>;
}

/**
 * Writes `spec` as JSON to a temp dir and records it in a fresh store
 * there (as `sweep run` does before enqueueing).
 */
export async function sweepFixture(spec: object): Promise<SweepFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'pinn-pipeline-'));
  const specPath = join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const dbPath = join(dir, 'sweeps.sqlite');
  const plan = await loadSpecFile(specPath);
  const store = await openStore(dbPath);
  const { sweepId } = await store.createSweep(plan);
  return {
    dir,
    dbPath,
    specPath,
    store,
    plan,
    sweepId,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A temp dir holding a spec file and nothing else (for `sweep run`). */
export function specDir(spec: object): {
  dir: string;
  specPath: string;
  dbPath: string;
  close(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'pinn-pipeline-'));
  const specPath = join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify(spec));
  return {
    dir,
    specPath,
    dbPath: join(dir, 'sweeps.sqlite'),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Options of `spawnWorker`. */
export interface WorkerSpawnOptions {
  threads?: number;
  /** `--lock-ms`; short so that a dead worker's runs return fast. */
  lockMs?: number;
  graceMs?: number;
  /** `PINN_SWEEP_FAULTS` rules for this worker. */
  faults?: string;
  threadHeapMb?: number;
  /** Prefix for echoing the worker's output (debugging). */
  echo?: string;
  /** The test that owns it: the worker is killed when that test ends. */
  owner?: { after(fn: () => Promise<unknown>): void };
}

/** Starts `sweep worker` on `redisUrl`; wait for its "joined" line. */
export function spawnWorker(
  redisUrl: string,
  options: WorkerSpawnOptions = {},
): SweepProcess {
  const args = ['worker', '--redis', redisUrl];
  args.push('--threads', String(options.threads ?? 1));
  if (options.lockMs) args.push('--lock-ms', String(options.lockMs));
  if (options.graceMs !== undefined) {
    args.push('--grace-ms', String(options.graceMs));
  }
  if (options.threadHeapMb) {
    args.push('--thread-heap-mb', String(options.threadHeapMb));
  }
  const spawnOptions: SpawnOptions = { echo: options.echo };
  if (options.faults) spawnOptions.env = { [FAULTS_ENV]: options.faults };
  const worker = spawnSweep(args, spawnOptions);
  options.owner?.after(() => worker.kill());
  return worker;
}

/** Polls `check` every 50 ms until true; rejects after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Rows of a read-only SQL query on the store file, as objects. */
export async function rows(
  dbPath: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const result = await runReadOnlyQuery(dbPath, sql, {
    timeoutMs: 10_000,
    maxRows: 1_000_000,
  });
  return result.rows.map((row) =>
    Object.fromEntries(result.columns.map((c, i) => [c, row[i]])),
  );
}

/** Runs of the sweep that have a final result. */
export async function finals(fixture: {
  store: Store;
  sweepId: number;
}): Promise<number> {
  const counts = await fixture.store.statusCounts(fixture.sweepId);
  return (
    counts.done +
    counts.inaccurate +
    counts.diverged +
    counts.crashed +
    counts.timeout +
    counts.cancelled
  );
}

/** A small spec: `seeds` runs of `steps` steps on a tiny network. */
export function smallSpec(
  name: string,
  seeds: number,
  extra: Record<string, unknown> = {},
): object {
  return {
    name,
    settings: { problem: 'sine', activation: 'tanh', width: 4, steps: 20 },
    seeds,
    retries: 1,
    timeout: '60s',
    ...extra,
  };
}
