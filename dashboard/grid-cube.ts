/**
 * The grid cube of a sweep: runs counted per combination of settings
 * (every setting but the seed) and state, by one GROUP BY in SQLite. A
 * sweep of 100,000 runs over a few hundred grid points becomes a few
 * thousand rows, from which every failure map, filter and per-axis summary
 * is a cheap roll-up.
 */
import type { Connection } from '../coordinator/store/sqlite.ts';
import type { RunStatus } from '../workers/result.ts';
import {
  SETTINGS,
  type SettingName,
  type SettingValue,
  sortValues,
} from './settings.ts';

/** Settings counted in the cube: all but `seed`, in schema order. */
export const CUBE_COLUMNS: readonly SettingName[] = SETTINGS.filter(
  (s) => s !== 'seed',
);

/** Runs in one state at one grid point. */
export interface CubeRow {
  /** Setting values in `CUBE_COLUMNS` order. */
  values: SettingValue[];
  status: RunStatus;
  /** Number of runs. */
  n: number;
}

/** Counts per grid point and state, and the values each setting takes. */
export interface GridCube {
  rows: CubeRow[];
  /** Distinct values of each cube column, in display order. */
  values: Map<SettingName, SettingValue[]>;
}

/**
 * Counts the runs of `sweepId` per grid point and state; with `seeds`,
 * only runs having one of those seeds. The GROUP BY follows the column
 * order of the `runs_sweep_settings` index, so SQLite reads that index
 * alone, in order, without sorting.
 */
export async function loadGridCube(
  db: Connection,
  sweepId: number,
  seeds?: readonly number[],
): Promise<GridCube> {
  const list = CUBE_COLUMNS.join(', ');
  const seedWhere = seeds
    ? ` AND seed IN (${seeds.map(() => '?').join(',')})`
    : '';
  const raw = await db.all<Record<string, SettingValue> & { n: number }>(
    `SELECT ${list}, status, count(*) AS n FROM runs ` +
      `WHERE sweep_id = ?${seedWhere} GROUP BY ${list}, status`,
    [sweepId, ...(seeds ?? [])],
  );
  const rows = raw.map((r) => ({
    values: CUBE_COLUMNS.map((c) => r[c]),
    status: r.status as RunStatus,
    n: r.n,
  }));
  return { rows, values: distinctValues(rows) };
}

function distinctValues(rows: CubeRow[]): Map<SettingName, SettingValue[]> {
  const values = new Map<SettingName, SettingValue[]>();
  CUBE_COLUMNS.forEach((column, i) => {
    const seen = new Set<SettingValue>();
    for (const row of rows) seen.add(row.values[i]);
    values.set(column, sortValues(column, [...seen]));
  });
  return values;
}

/** The distinct seeds of a sweep's runs, ascending. */
export async function loadSeeds(
  db: Connection,
  sweepId: number,
): Promise<number[]> {
  const rows = await db.all<{ seed: number }>(
    'SELECT DISTINCT seed FROM runs WHERE sweep_id = ? ORDER BY seed',
    [sweepId],
  );
  return rows.map((r) => r.seed);
}

/**
 * Counts per value of two settings and state, straight from SQL: the
 * failure map when one of its axes is `seed` (which the cube leaves out).
 *
 * @param where extra SQL conditions on `runs` with their parameters; the
 *   column names in them come from the settings allow-list
 */
export async function loadPairCounts(
  db: Connection,
  sweepId: number,
  x: SettingName,
  y: SettingName,
  where: { sql: string; params: SettingValue[] },
): Promise<CubeRow[]> {
  const raw = await db.all<{
    x: SettingValue;
    y: SettingValue;
    status: RunStatus;
    n: number;
  }>(
    `SELECT ${x} AS x, ${y} AS y, status, count(*) AS n FROM runs ` +
      `WHERE sweep_id = ?${where.sql} GROUP BY 1, 2, 3`,
    [sweepId, ...where.params],
  );
  return raw.map((r) => ({ values: [r.x, r.y], status: r.status, n: r.n }));
}
