/**
 * The results store: one SQLite file in WAL mode, written by one process
 * (the coordinator's recorder) in short `BEGIN IMMEDIATE` transactions and
 * read by any number of others.
 */
import type { RecorderEvent } from '../../workers/events.ts';
import { FINAL_STATUSES, type FinalStatus } from '../../workers/result.ts';
import type { RunConfig } from '../../workers/run-config.ts';
import { InputError } from '../input-error.ts';
import { insertRuns } from './insert-runs.ts';
import {
  appliedVersions,
  checkNotNewer,
  loadMigrations,
  MIGRATIONS_DIR,
  migrate,
} from './migrations.ts';
import { recordEventBatch } from './record-events.ts';
import { type ResultRow, readResults } from './results.ts';
import { Connection, isSqliteError } from './sqlite.ts';
import {
  selectAxisSummary,
  selectCounts,
  selectFailureTable,
  selectSweep,
  selectSweepById,
  selectSweepSummaries,
} from './sweep-queries.ts';
import type {
  AxisValueSummary,
  FailureCell,
  NewSweep,
  QueuedRun,
  StatusCounts,
  SweepRow,
  SweepSummary,
} from './types.ts';

export type { ResultRow } from './results.ts';
export type {
  AxisValueSummary,
  FailureCell,
  NewRun,
  NewSweep,
  QueuedRun,
  StatusCounts,
  SweepRow,
  SweepSummary,
} from './types.ts';

/** Options of `openStore`. */
export interface StoreOptions {
  /**
   * Open without writing: no file is created, no migration applied, and
   * every write method throws. The schema must already be current.
   */
  readOnly?: boolean;
  /** Folder of the `NNN_name.sql` migrations (default: the shipped ones). */
  migrationsDir?: string;
}

function queuedRun(row: {
  run_id: string;
  generation: number;
  config_json: string;
}): QueuedRun {
  return {
    runId: row.run_id,
    generation: row.generation,
    config: JSON.parse(row.config_json) as RunConfig,
  };
}

/**
 * A handle on the results file. Its methods run one at a time, in call
 * order, on one connection; each write is one transaction.
 */
export class Store {
  private tail: Promise<unknown> = Promise.resolve();

  /** @internal use `openStore` */
  constructor(
    private readonly db: Connection,
    /** The SQLite file. */
    readonly path: string,
    /** Whether this handle refuses writes. */
    readonly readOnly: boolean,
  ) {}

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private write<T>(task: () => Promise<T>): Promise<T> {
    if (this.readOnly) {
      return Promise.reject(new Error(`${this.path} is open read-only`));
    }
    return this.serial(() => this.db.transaction(task));
  }

  /**
   * Records a sweep and all its runs (status `queued`, generation 0) in
   * one transaction. The same name with the same spec hash changes
   * nothing and returns `created: false`.
   *
   * @param at creation time, Unix ms (default now)
   * @throws InputError when the name is taken by a different spec
   */
  createSweep(
    plan: NewSweep,
    at = Date.now(),
  ): Promise<{ sweepId: number; created: boolean }> {
    return this.write(async () => {
      const existing = await this.db.get<{
        sweep_id: number;
        spec_hash: string;
      }>('SELECT sweep_id, spec_hash FROM sweeps WHERE name = ?', [plan.name]);
      if (existing) {
        if (existing.spec_hash === plan.specHash) {
          return { sweepId: existing.sweep_id, created: false };
        }
        throw nameTaken(plan.name, this.path);
      }
      const sweepId = await this.insertSweep(plan, at);
      await insertRuns(this.db, plan.runs, sweepId, at);
      return { sweepId, created: true };
    });
  }

  private async insertSweep(plan: NewSweep, at: number): Promise<number> {
    const row = await this.db.get<{ sweep_id: number }>(
      'INSERT INTO sweeps (name, spec_json, spec_hash, axes_json, ' +
        'threshold, retries, timeout_ms, created_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING sweep_id',
      [
        plan.name,
        plan.specJson,
        plan.specHash,
        JSON.stringify(plan.axes),
        plan.threshold,
        plan.retries,
        plan.timeoutMs,
        at,
      ],
    );
    return row!.sweep_id;
  }

  /** The sweep named `name`, or undefined. */
  getSweep(name: string): Promise<SweepRow | undefined> {
    return this.serial(() => selectSweep(this.db, name));
  }

  /**
   * Every sweep, oldest first, with its counts per state, progress and
   * started/finished times.
   */
  listSweeps(): Promise<SweepSummary[]> {
    return this.serial(() => selectSweepSummaries(this.db));
  }

  /** Runs per state of a sweep; every state present (0 when none). */
  statusCounts(sweepId: number): Promise<StatusCounts> {
    return this.serial(() => selectCounts(this.db, sweepId));
  }

  /** The runs of a sweep without a final result, in grid order. */
  pendingRuns(sweepId: number): Promise<QueuedRun[]> {
    return this.serial(async () => {
      const rows = await this.db.all<{
        run_id: string;
        generation: number;
        config_json: string;
      }>(
        'SELECT run_id, generation, config_json FROM runs ' +
          "WHERE sweep_id = ? AND status IN ('queued', 'running') " +
          'ORDER BY idx',
        [sweepId],
      );
      return rows.map(queuedRun);
    });
  }

  /**
   * Puts the runs that ended in one of `statuses` back to `queued` in one
   * transaction: their metrics and curves are deleted and their
   * generation bumped, so that a late result of the old try is ignored.
   * Their attempts stay. Resetting any run lifts the sweep's cancel: a
   * cancelled sweep would stop the runs as soon as they start again.
   *
   * @param at time of the reset, Unix ms (default now)
   * @returns the runs to enqueue again, in grid order
   */
  resetForRetry(
    sweepId: number,
    statuses: readonly FinalStatus[],
    at = Date.now(),
  ): Promise<QueuedRun[]> {
    for (const status of statuses) {
      if (!(FINAL_STATUSES as readonly string[]).includes(status)) {
        throw new Error(`resetForRetry: "${status}" is not a final state`);
      }
    }
    return this.write(() => this.reset(sweepId, statuses, at));
  }

  private async reset(
    sweepId: number,
    statuses: readonly FinalStatus[],
    at: number,
  ): Promise<QueuedRun[]> {
    const params = [sweepId, JSON.stringify(statuses)];
    const chosen =
      'SELECT run_id FROM runs WHERE sweep_id = ?1 ' +
      'AND status IN (SELECT value FROM json_each(?2))';
    const rows = await this.db.all<{
      run_id: string;
      generation: number;
      config_json: string;
    }>(
      'SELECT run_id, generation + 1 AS generation, config_json FROM runs ' +
        'WHERE sweep_id = ?1 AND status IN (SELECT value FROM json_each(?2)) ' +
        'ORDER BY idx',
      params,
    );
    if (rows.length === 0) return [];
    await this.db.run(`DELETE FROM curves WHERE run_id IN (${chosen})`, params);
    await this.db.run(
      `DELETE FROM metrics WHERE run_id IN (${chosen})`,
      params,
    );
    await this.db.run(
      "UPDATE runs SET status = 'queued', generation = generation + 1, " +
        'updated_at = ?3 WHERE sweep_id = ?1 ' +
        'AND status IN (SELECT value FROM json_each(?2))',
      [...params, at],
    );
    await this.db.run(
      'UPDATE sweeps SET finished_at = NULL, cancelled_at = NULL ' +
        'WHERE sweep_id = ?',
      [sweepId],
    );
    return rows.map(queuedRun);
  }

  /**
   * Cancels a sweep in one transaction: sets `cancelled_at` (kept if
   * already set), gives every run without a final result the final result
   * `cancelled`, and ends its open tries as `cancelled`.
   *
   * @param at time of the cancel, Unix ms
   * @returns how many runs were cancelled now
   */
  cancelSweep(sweepId: number, at = Date.now()): Promise<number> {
    return this.write(async () => {
      const open = "sweep_id = ?1 AND status IN ('queued', 'running')";
      await this.db.run(
        'UPDATE sweeps SET cancelled_at = coalesce(cancelled_at, ?2) ' +
          'WHERE sweep_id = ?1',
        [sweepId, at],
      );
      await this.db.run(
        'INSERT INTO metrics (run_id, status, error, recorded_at) ' +
          `SELECT run_id, 'cancelled', 'sweep cancelled', ?2 FROM runs ` +
          `WHERE ${open} ON CONFLICT (run_id) DO NOTHING`,
        [sweepId, at],
      );
      await this.db.run(
        "UPDATE attempts SET outcome = 'cancelled', ended_at = ?2, " +
          "error = 'sweep cancelled' WHERE outcome IS NULL AND run_id IN " +
          '(SELECT run_id FROM runs WHERE sweep_id = ?1)',
        [sweepId, at],
      );
      const cancelled = await this.db.run(
        `UPDATE runs SET status = 'cancelled', updated_at = ?2 WHERE ${open}`,
        [sweepId, at],
      );
      await this.db.run(
        'UPDATE sweeps SET finished_at = coalesce(finished_at, ?2) ' +
          'WHERE sweep_id = ?1',
        [sweepId, at],
      );
      return cancelled;
    });
  }

  /**
   * Records a batch of worker events in one transaction, idempotently:
   *
   * - `start`: a new try (attempt = the run's highest + 1; a token seen
   *   before is ignored). Open tries of the same generation end `lost`;
   *   a `queued` run becomes `running`.
   * - `retry`: the try ends `crashed` with its error; the run is
   *   `queued` again until its next try starts.
   * - `handback`: the try ends `lost` (`handed back: REASON`); the run is
   *   `queued` again unless another try of it is under way.
   * - `final`: the try ends (ok, crashed, timeout or cancelled). The result
   *   is kept only if the run has none yet and the event's generation is
   *   the run's: the first final result wins and is never overwritten.
   *   NaN metrics are stored as NULL and listed in `nan_metrics`.
   *
   * A try whose start was never seen is recorded when it ends; events of
   * runs that are not in the store are skipped.
   */
  recordEvents(events: readonly RecorderEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.write(() => recordEventBatch(this.db, events));
  }

  /**
   * The failure table of a sweep: per activation × gradient method, runs,
   * failures, failure rate and median rel_l2.
   */
  failureTable(sweepId: number): Promise<FailureCell[]> {
    return this.serial(() => selectFailureTable(this.db, sweepId));
  }

  /**
   * Per value of each grid axis of a sweep: failure rate and mean wall
   * time, to see which settings fail or are slow.
   */
  axisSummary(sweepId: number): Promise<AxisValueSummary[]> {
    return this.serial(async () => {
      const sweep = await selectSweepById(this.db, sweepId);
      if (!sweep) return [];
      return selectAxisSummary(this.db, sweepId, sweep.axes);
    });
  }

  /**
   * Streams the `results` rows of a sweep in grid order (NaN restored),
   * a page at a time, from one consistent snapshot on a separate
   * read-only connection.
   */
  async *exportRows(
    sweepId: number,
    pageSize?: number,
  ): AsyncGenerator<ResultRow> {
    const sweep = await this.serial(() => selectSweepById(this.db, sweepId));
    if (!sweep) return;
    yield* readResults(this.path, sweep.name, pageSize);
  }

  /**
   * The settings of this store's connection, for diagnostics: journal
   * mode, `synchronous` (1 = NORMAL), foreign keys, busy timeout in ms.
   */
  connectionSettings(): Promise<{
    journalMode: string;
    synchronous: number;
    foreignKeys: number;
    busyTimeoutMs: number;
  }> {
    return this.serial(async () => {
      const get = async (pragma: string) => {
        const row = await this.db.get<Record<string, unknown>>(
          `PRAGMA ${pragma}`,
        );
        return Object.values(row ?? {})[0];
      };
      return {
        journalMode: String(await get('journal_mode')),
        synchronous: Number(await get('synchronous')),
        foreignKeys: Number(await get('foreign_keys')),
        busyTimeoutMs: Number(await get('busy_timeout')),
      };
    });
  }

  /** Waits for the calls under way, then closes the connection. */
  async close(): Promise<void> {
    await this.serial(() => this.db.close());
  }
}

function nameTaken(name: string, path: string): InputError {
  return new InputError(
    `sweep "${name}" already exists in ${path} with a different spec; ` +
      'rename the changed spec, or continue the recorded one with ' +
      `"sweep resume ${name}"`,
  );
}

/**
 * Opens (creating if needed) the results file at `path`: WAL journal,
 * synchronous=NORMAL, foreign keys on, a busy timeout of several seconds,
 * and every pending migration applied in order.
 *
 * @throws InputError when the file is not a SQLite database or its schema
 *   is newer than this program
 */
export async function openStore(
  path: string,
  options: StoreOptions = {},
): Promise<Store> {
  const readOnly = options.readOnly ?? false;
  const db = await Connection.open(path, {
    readOnly,
    create: !readOnly,
  }).catch((error: unknown) => {
    if (!isSqliteError(error, 'SQLITE_CANTOPEN')) throw error;
    throw new InputError(
      `cannot open results database ${path}: its folder must exist and ` +
        'be writable, and the path must not be a folder',
    );
  });
  try {
    const migrations = await loadMigrations(
      options.migrationsDir ?? MIGRATIONS_DIR,
    );
    if (readOnly) await checkCurrent(db, migrations);
    else await prepare(db, migrations);
  } catch (error) {
    await db.close().catch(() => undefined);
    if (isSqliteError(error, 'SQLITE_NOTADB')) {
      throw new InputError(`${path} is not a SQLite database`);
    }
    throw error;
  }
  return new Store(db, path, readOnly);
}

async function prepare(
  db: Connection,
  migrations: Awaited<ReturnType<typeof loadMigrations>>,
): Promise<void> {
  const mode = await db.get<{ journal_mode: string }>(
    'PRAGMA journal_mode = WAL',
  );
  if (mode?.journal_mode !== 'wal') {
    throw new Error(
      `${db.path}: could not switch to WAL mode (got ` +
        `${mode?.journal_mode}); is it on a network file system?`,
    );
  }
  await db.exec('PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
  await migrate(db, migrations);
}

async function checkCurrent(
  db: Connection,
  migrations: Awaited<ReturnType<typeof loadMigrations>>,
): Promise<void> {
  const applied = await appliedVersions(db);
  checkNotNewer(db.path, applied, migrations);
  const missing = migrations.filter((m) => !applied.includes(m.version));
  if (missing.length > 0) {
    throw new InputError(
      `${db.path}: database schema is older than this pinn-sweep ` +
        `(missing ${missing.map((m) => m.file).join(', ')}); open it ` +
        'once with a writing command (sweep run, resume) to upgrade it.',
    );
  }
}
