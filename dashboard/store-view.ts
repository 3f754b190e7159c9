/**
 * The dashboard's read-only view of the results store: two read-only
 * connections (one for aggregates, one for quick lookups, so a slow
 * roll-up never queues a page behind it) and caches keyed by the store's
 * change counter, so an answer is computed once per change however many
 * people look at it.
 */
import type { Connection } from '../coordinator/store/sqlite.ts';
import { VersionedCache } from './cache.ts';
import { openReadOnlyConnection, StoreVersion } from './db.ts';
import { ParamError } from './errors.ts';
import type { Filters } from './failure-map.ts';
import {
  type CubeRow,
  type GridCube,
  loadGridCube,
  loadPairCounts,
  loadSeeds,
} from './grid-cube.ts';
import {
  type Neighbour,
  type RunDetail,
  selectNeighbours,
  selectRun,
} from './run-detail.ts';
import {
  countRuns,
  type RunListItem,
  type RunListQuery,
  selectRunPage,
  whereSql,
} from './run-list.ts';
import type { SettingName } from './settings.ts';
import { type SweepProgress, selectSweepProgress } from './sweep-progress.ts';

/** How often progress is recomputed without a change, ms. */
const PROGRESS_TICK_MS = 5000;

/** Read-only, cached access to one results file. */
export class StoreView {
  private readonly cache = new VersionedCache<unknown>(512);
  private readonly seedCache = new VersionedCache<number[]>(64);

  private constructor(
    /** Quick lookups: runs, pages, counts, the change counter. */
    private readonly light: Connection,
    /** Aggregates over whole sweeps. */
    private readonly heavy: Connection,
    private readonly changes: StoreVersion,
    private readonly caching: boolean,
  ) {}

  /**
   * Opens `dbPath` read-only.
   *
   * @param refreshMs how stale an answer may be, ms: the change counter is
   *   read at most this often
   * @param caching false computes every answer afresh for every request
   *   (only to measure what the caches save)
   */
  static async open(
    dbPath: string,
    refreshMs: number,
    caching = true,
  ): Promise<StoreView> {
    const light = await openReadOnlyConnection(dbPath);
    const heavy = await openReadOnlyConnection(dbPath).catch(async (e) => {
      await light.close();
      throw e;
    });
    const changes = new StoreVersion(light, refreshMs);
    return new StoreView(light, heavy, changes, caching);
  }

  /** The store's change counter (see `StoreVersion`). */
  version(): Promise<number> {
    return this.changes.get();
  }

  private async cached<T>(
    key: string,
    compute: () => Promise<T>,
    fresh?: { maxAgeMs?: number; staleMs?: number },
  ): Promise<T> {
    if (!this.caching) return compute();
    const version = await this.changes.get();
    return this.cache.get(key, version, compute, fresh) as Promise<T>;
  }

  /** Every sweep with its progress, newest first. */
  sweeps(): Promise<SweepProgress[]> {
    return this.memo('sweeps', () => selectSweepProgress(this.heavy));
  }

  /**
   * A whole answer (a page's data) computed once per store change;
   * concurrent callers with the same key share one computation. While a
   * sweep is being recorded the store changes every second or so: an
   * answer less than 5 s old is then still served while the new one is
   * computed in the background, so viewers never wait for a recount and
   * see the store at most a few seconds late. Answers older than 5 s are
   * refreshed the same way (throughput and ETA change with time alone).
   */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
    return this.cached(key, compute, {
      maxAgeMs: PROGRESS_TICK_MS,
      staleMs: PROGRESS_TICK_MS,
    });
  }

  /**
   * The sweep named `name`.
   *
   * @throws ParamError (404) naming the known sweeps when there is none
   */
  async sweep(name: string, parameter = 'sweep'): Promise<SweepProgress> {
    const sweeps = await this.sweeps();
    const found = sweeps.find((s) => s.name === name);
    if (found) return found;
    const known = sweeps.map((s) => s.name);
    throw new ParamError(parameter, name, known, 404, 'no sweep has this name');
  }

  /** The grid cube of a sweep, optionally of some seeds only. */
  cube(sweepId: number, seeds?: readonly number[]): Promise<GridCube> {
    const key = `cube:${sweepId}:${seeds?.join(',') ?? '*'}`;
    return this.cached(key, () => loadGridCube(this.heavy, sweepId, seeds));
  }

  /** The seeds of a sweep (its runs never change, so cached for good). */
  seeds(sweepId: number): Promise<number[]> {
    return this.seedCache.get(`${sweepId}`, 0, () =>
      loadSeeds(this.heavy, sweepId),
    );
  }

  /** Counts over two settings, one of them `seed` (see loadPairCounts). */
  pairCounts(
    sweepId: number,
    x: SettingName,
    y: SettingName,
    filters: Filters,
  ): Promise<CubeRow[]> {
    const key = `pair:${sweepId}:${x}:${y}:${filterKey(filters)}`;
    return this.cached(key, () =>
      loadPairCounts(this.heavy, sweepId, x, y, whereSql(filters)),
    );
  }

  /** One page of a sweep's runs. */
  runPage(sweepId: number, query: RunListQuery): Promise<RunListItem[]> {
    const key = `page:${sweepId}:${JSON.stringify({
      ...query,
      filters: filterKey(query.filters),
    })}`;
    const db = query.sort === 'idx' ? this.light : this.heavy;
    return this.cached(key, () => selectRunPage(db, sweepId, query));
  }

  /** How many runs a list has in all. */
  runCount(sweepId: number, query: RunListQuery): Promise<number> {
    const key = `count:${sweepId}:${filterKey(query.filters)}:${query.statuses}`;
    return this.cached(key, () =>
      countRuns(this.heavy, sweepId, query.filters, query.statuses),
    );
  }

  /**
   * The run with id `runId`.
   *
   * @throws ParamError (404) when there is none
   */
  async run(runId: string, parameter = 'run'): Promise<RunDetail> {
    const run = await this.cached(`run:${runId}`, () =>
      selectRun(this.light, runId),
    );
    if (run) return run;
    throw new ParamError(
      parameter,
      runId,
      'the id of a recorded run',
      404,
      'no run has this id',
    );
  }

  /** Runs of the same sweep differing from `run` in one setting. */
  async neighbours(run: RunDetail): Promise<Neighbour[]> {
    const cube = await this.cube(run.sweepId);
    return this.cached(`near:${run.runId}`, () =>
      selectNeighbours(this.light, run, cube.values),
    );
  }

  /** Tables and views a console user can query, with their columns. */
  schema(): Promise<SchemaTable[]> {
    return this.cached('schema', async () => {
      const tables = await this.light.all<{ name: string; type: string }>(
        "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')" +
          " AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table', name",
      );
      return Promise.all(
        tables.map(async (t) => ({
          ...t,
          columns: (
            await this.light.all<{ name: string }>(
              'SELECT name FROM pragma_table_info(?)',
              [t.name],
            )
          ).map((c) => c.name),
        })),
      );
    });
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    await Promise.all([this.light.close(), this.heavy.close()]);
  }
}

/** A table or view of the store. */
export interface SchemaTable {
  name: string;
  /** `table` or `view`. */
  type: string;
  columns: string[];
}

/** A stable text key of filters. */
export function filterKey(filters: Filters): string {
  return JSON.stringify([...filters].sort(([a], [b]) => a.localeCompare(b)));
}
