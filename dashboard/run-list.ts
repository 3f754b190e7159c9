/**
 * Pages of a sweep's runs, filtered by settings and state, in grid order
 * or by a metric: the list behind a failure-map cell.
 */
import { readMetrics } from '../coordinator/store/metric-values.ts';
import type { Connection } from '../coordinator/store/sqlite.ts';
import type { RunStatus } from '../workers/result.ts';
import type { Filters } from './failure-map.ts';
import { SETTINGS, type SettingName, type SettingValue } from './settings.ts';

/** Metrics a list can be sorted by (besides grid order, `idx`). */
export const SORT_METRICS = [
  'rel_l2',
  'rel_h1',
  'energy_gap',
  'final_loss',
  'wall_ms',
  'steps_done',
] as const;

/** What a list can be sorted by. */
export const SORT_FIELDS = ['idx', ...SORT_METRICS] as const;

/** A sort field. */
export type SortField = (typeof SORT_FIELDS)[number];

/** Which runs, in which order, which page. */
export interface RunListQuery {
  filters: Filters;
  /** Only runs in these states; empty means all. */
  statuses: RunStatus[];
  sort: SortField;
  order: 'asc' | 'desc';
  /** Rows per page. */
  limit: number;
  /** Rows skipped (any sort). */
  offset: number;
  /** Keyset cursor for `sort=idx`: only runs with a larger (or, for
   * `order=desc`, smaller) idx. */
  after?: number;
}

/** One run in a list. */
export interface RunListItem {
  runId: string;
  idx: number;
  status: RunStatus;
  settings: Record<SettingName, SettingValue>;
  /** rel_l2 (NaN when it was NaN, null when not measured). */
  rel_l2: number | null;
  rel_h1: number | null;
  energy_gap: number | null;
  final_loss: number | null;
  wall_ms: number | null;
  steps_done: number | null;
  diverged_step: number | null;
  /** Why it crashed or timed out. */
  error: string | null;
  /** Tries recorded. */
  attempts: number;
}

/**
 * SQL conditions on `runs` for settings filters and states, each starting
 * with ` AND `.
 *
 * @param alias prefix of the column names, e.g. `r.` (default none)
 */
export function whereSql(
  filters: Filters,
  statuses: readonly RunStatus[] = [],
  alias = '',
): { sql: string; params: SettingValue[] } {
  let sql = '';
  const params: SettingValue[] = [];
  for (const [name, values] of filters) {
    // `name` is a member of SETTINGS (checked at the edge): a safe column.
    sql += ` AND ${alias}${name} IN (${values.map(() => '?').join(',')})`;
    params.push(...values);
  }
  if (statuses.length > 0) {
    sql += ` AND ${alias}status IN (${statuses.map(() => '?').join(',')})`;
    params.push(...statuses);
  }
  return { sql, params };
}

function orderSql(query: RunListQuery): string {
  const dir = query.order === 'desc' ? 'DESC' : 'ASC';
  if (query.sort === 'idx') return `r.idx ${dir}`;
  return `m.${query.sort} IS NULL, m.${query.sort} ${dir}, r.idx`;
}

/**
 * One page of runs of `sweepId` matching `query`. The page is chosen first
 * (reading metrics only when sorting by one), then only its rows are
 * joined with their metrics and attempt counts, so skipping 100,000 rows
 * with an offset reads no more than it must.
 */
export async function selectRunPage(
  db: Connection,
  sweepId: number,
  query: RunListQuery,
): Promise<RunListItem[]> {
  const where = whereSql(query.filters, query.statuses, 'r.');
  const params: (SettingValue | number)[] = [sweepId, ...where.params];
  let sql = where.sql;
  if (query.after !== undefined) {
    sql += query.order === 'desc' ? ' AND r.idx < ?' : ' AND r.idx > ?';
    params.push(query.after);
  }
  const byMetric = query.sort !== 'idx';
  const rows = await db.all<Record<string, SettingValue | null>>(
    `WITH page AS (
       SELECT r.rowid AS id FROM runs r
       ${byMetric ? 'LEFT JOIN metrics m ON m.run_id = r.run_id' : ''}
       WHERE r.sweep_id = ?${sql}
       ORDER BY ${orderSql(query)} LIMIT ? OFFSET ?)
     SELECT r.run_id, r.idx, r.status,
       ${SETTINGS.map((s) => `r.${s}`).join(', ')},
       m.rel_l2, m.rel_h1, m.energy_gap, m.final_loss, m.wall_ms,
       m.steps_done, m.diverged_step, m.nan_metrics, m.error,
       (SELECT count(*) FROM attempts a WHERE a.run_id = r.run_id) AS attempts
     FROM page JOIN runs r ON r.rowid = page.id
     LEFT JOIN metrics m ON m.run_id = r.run_id
     ORDER BY ${orderSql(query)}`,
    [...params, query.limit, query.offset],
  );
  return rows.map(toItem);
}

function toItem(raw: Record<string, SettingValue | null>): RunListItem {
  const row = readMetrics(raw as Record<string, unknown>) as Record<
    string,
    never
  >;
  const settings = {} as Record<SettingName, SettingValue>;
  for (const s of SETTINGS) settings[s] = row[s];
  return {
    runId: row.run_id,
    idx: row.idx,
    status: row.status,
    settings,
    rel_l2: row.rel_l2,
    rel_h1: row.rel_h1,
    energy_gap: row.energy_gap,
    final_loss: row.final_loss,
    wall_ms: row.wall_ms,
    steps_done: row.steps_done,
    diverged_step: row.diverged_step,
    error: row.error,
    attempts: row.attempts,
  };
}

/** Number of runs of `sweepId` matching the filters and states. */
export async function countRuns(
  db: Connection,
  sweepId: number,
  filters: Filters,
  statuses: readonly RunStatus[],
): Promise<number> {
  const where = whereSql(filters, statuses);
  const row = await db.get<{ n: number }>(
    `SELECT count(*) AS n FROM runs WHERE sweep_id = ?${where.sql}`,
    [sweepId, ...where.params],
  );
  return row?.n ?? 0;
}
