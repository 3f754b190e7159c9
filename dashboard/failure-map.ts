/**
 * The failure map of a sweep: runs counted over two chosen settings, with
 * the failure rate and the counts per failure class of every cell, and a
 * per-setting summary of which values fail. Pure roll-ups of a grid cube.
 */
import { zeroCounts } from '../coordinator/store/sweep-queries.ts';
import type { StatusCounts } from '../coordinator/store/types.ts';
import { FAILURE_STATUSES } from '../workers/result.ts';
import { CUBE_COLUMNS, type CubeRow, type GridCube } from './grid-cube.ts';
import type { SettingName, SettingValue } from './settings.ts';

/** Allowed values per filtered setting; runs must match every entry. */
export type Filters = Map<SettingName, SettingValue[]>;

/** Runs of one group, by state, with the failure rate. */
export interface Tally {
  /** Runs in the group. */
  runs: number;
  /** Runs with a final result other than `cancelled`. */
  finals: number;
  /** Runs that ended inaccurate, diverged, crashed or timeout. */
  failed: number;
  /** failed / finals, or null while no run has finished. */
  failureRate: number | null;
  /** Runs per state (every state present). */
  counts: StatusCounts;
}

/** One cell of the map. */
export interface MapCell extends Tally {
  x: SettingValue;
  y: SettingValue;
}

/** One value of a setting in the per-setting summary. */
export interface ValueTally extends Tally {
  value: SettingValue;
}

/** How the failure rate varies over one setting's values. */
export interface AxisSummary {
  axis: SettingName;
  /**
   * Largest minus smallest failure rate over the values with finished
   * runs: 0 when the setting makes no difference, 1 when one value always
   * fails and another never does. Null with fewer than two such values.
   */
  spread: number | null;
  values: ValueTally[];
}

/** The map: cells over `y` (rows) × `x` (columns), with margins. */
export interface FailureMapData {
  x: { axis: SettingName; values: SettingValue[] };
  y: { axis: SettingName; values: SettingValue[] };
  /** Every combination of x and y values, row by row (y outer). */
  cells: MapCell[];
  /** Totals per column (x value) and per row (y value). */
  columnTotals: ValueTally[];
  rowTotals: ValueTally[];
  /** All runs that pass the filters. */
  total: Tally;
}

/** A tally with no runs. */
export function emptyTally(): Tally {
  return {
    runs: 0,
    finals: 0,
    failed: 0,
    failureRate: null,
    counts: zeroCounts(),
  };
}

function add(tally: Tally, row: CubeRow): void {
  tally.counts[row.status] += row.n;
  tally.runs += row.n;
}

/** Fills `finals`, `failed` and `failureRate` from the counts. */
export function finishTally<T extends Tally>(tally: T): T {
  const c = tally.counts;
  tally.failed = FAILURE_STATUSES.reduce((sum, s) => sum + c[s], 0);
  tally.finals = tally.failed + c.done;
  tally.failureRate = tally.finals === 0 ? null : tally.failed / tally.finals;
  return tally;
}

/** Cube rows that pass every filter on a cube column. */
export function filterRows(cube: GridCube, filters: Filters): CubeRow[] {
  const checks = [...filters]
    .map(([name, allowed]) => ({
      at: CUBE_COLUMNS.indexOf(name),
      allowed: new Set(allowed),
    }))
    .filter((check) => check.at !== -1);
  if (checks.length === 0) return cube.rows;
  return cube.rows.filter((row) =>
    checks.every((c) => c.allowed.has(row.values[c.at])),
  );
}

/**
 * The map of `rows` over two settings.
 *
 * @param rows counted rows
 * @param at where each row holds the x and the y value
 * @param x, y the settings and the values shown, in order (rows with
 *   other values are left out)
 */
export function buildMap(
  rows: readonly CubeRow[],
  at: { x: number; y: number },
  x: { axis: SettingName; values: SettingValue[] },
  y: { axis: SettingName; values: SettingValue[] },
): FailureMapData {
  const columns = new Map(x.values.map((v) => [v, valueTally(v)]));
  const rowsBy = new Map(y.values.map((v) => [v, valueTally(v)]));
  const grid = new Map(
    y.values.map((yv) => [
      yv,
      new Map(x.values.map((xv) => [xv, { x: xv, y: yv, ...emptyTally() }])),
    ]),
  );
  const total = emptyTally();
  for (const row of rows) {
    const xv = row.values[at.x];
    const cell = grid.get(row.values[at.y])?.get(xv);
    if (!cell) continue;
    add(cell, row);
    add(columns.get(xv)!, row);
    add(rowsBy.get(cell.y)!, row);
    add(total, row);
  }
  const cells = [...grid.values()].flatMap((line) => [...line.values()]);
  return {
    x,
    y,
    cells: cells.map(finishTally),
    columnTotals: [...columns.values()].map(finishTally),
    rowTotals: [...rowsBy.values()].map(finishTally),
    total: finishTally(total),
  };
}

function valueTally(value: SettingValue): ValueTally {
  return { value, ...emptyTally() };
}

/**
 * Failure rate per value of each setting in `axes` (cube columns only),
 * over `rows` (values without runs there are left out); settings ordered
 * by spread, largest first, so the ones that predict failure come first.
 */
export function summariseAxes(
  rows: readonly CubeRow[],
  axes: readonly SettingName[],
  values: Map<SettingName, SettingValue[]>,
): AxisSummary[] {
  const summaries = axes
    .filter((axis) => CUBE_COLUMNS.includes(axis))
    .map((axis) => {
      const at = CUBE_COLUMNS.indexOf(axis);
      const byValue = new Map(
        (values.get(axis) ?? []).map((v) => [v, valueTally(v)]),
      );
      for (const row of rows) {
        const tally = byValue.get(row.values[at]);
        if (tally) add(tally, row);
      }
      const tallies = [...byValue.values()]
        .filter((t) => t.runs > 0)
        .map(finishTally);
      return { axis, spread: spreadOf(tallies), values: tallies };
    });
  return summaries.sort((a, b) => (b.spread ?? -1) - (a.spread ?? -1));
}

function spreadOf(tallies: ValueTally[]): number | null {
  const rates = tallies
    .map((t) => t.failureRate)
    .filter((r): r is number => r !== null);
  if (rates.length < 2) return null;
  return Math.max(...rates) - Math.min(...rates);
}
