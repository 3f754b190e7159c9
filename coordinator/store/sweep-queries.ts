/**
 * Read-side queries of the store: sweeps, counts per state, the failure
 * table and the per-axis summary. Each is one or two aggregate statements
 * answered from the indexes of migrations 001 and 002.
 */
import {
  FAILURE_STATUSES,
  RUN_STATUSES,
  type RunStatus,
} from '../../workers/result.ts';
import { SETTING_NAMES } from '../../workers/run-config.ts';
import type { Connection } from './sqlite.ts';
import type {
  AxisValueSummary,
  FailureCell,
  StatusCounts,
  SweepRow,
  SweepSummary,
} from './types.ts';

interface SweepRecord {
  sweep_id: number;
  name: string;
  spec_json: string;
  spec_hash: string;
  axes_json: string;
  threshold: number;
  retries: number;
  timeout_ms: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  cancelled_at: number | null;
}

const SWEEP_SELECT = 'SELECT * FROM sweeps';

function toSweepRow(r: SweepRecord): SweepRow {
  return {
    sweepId: r.sweep_id,
    name: r.name,
    specJson: r.spec_json,
    specHash: r.spec_hash,
    axes: JSON.parse(r.axes_json) as string[],
    threshold: r.threshold,
    retries: r.retries,
    timeoutMs: r.timeout_ms,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    cancelledAt: r.cancelled_at,
  };
}

/** Every state at 0. */
export function zeroCounts(): StatusCounts {
  const counts = {} as StatusCounts;
  for (const status of RUN_STATUSES) counts[status] = 0;
  return counts;
}

const OPEN: readonly RunStatus[] = ['queued', 'running'];
const FAILED: readonly RunStatus[] = FAILURE_STATUSES;

/** The sweep named `name`, or undefined. */
export async function selectSweep(
  db: Connection,
  name: string,
): Promise<SweepRow | undefined> {
  const row = await db.get<SweepRecord>(`${SWEEP_SELECT} WHERE name = ?`, [
    name,
  ]);
  return row && toSweepRow(row);
}

/** The sweep with id `sweepId`, or undefined. */
export async function selectSweepById(
  db: Connection,
  sweepId: number,
): Promise<SweepRow | undefined> {
  const row = await db.get<SweepRecord>(`${SWEEP_SELECT} WHERE sweep_id = ?`, [
    sweepId,
  ]);
  return row && toSweepRow(row);
}

/** Runs per state of one sweep. */
export async function selectCounts(
  db: Connection,
  sweepId: number,
): Promise<StatusCounts> {
  const rows = await db.all<{ status: RunStatus; n: number }>(
    'SELECT status, count(*) AS n FROM runs WHERE sweep_id = ? ' +
      'GROUP BY status',
    [sweepId],
  );
  const counts = zeroCounts();
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

/** Every sweep, oldest first, with its counts per state. */
export async function selectSweepSummaries(
  db: Connection,
): Promise<SweepSummary[]> {
  const sweeps = await db.all<SweepRecord>(`${SWEEP_SELECT} ORDER BY sweep_id`);
  const rows = await db.all<{ sweep_id: number; status: RunStatus; n: number }>(
    'SELECT sweep_id, status, count(*) AS n FROM runs ' +
      'GROUP BY sweep_id, status',
  );
  const counts = new Map<number, StatusCounts>();
  for (const row of rows) {
    const c = counts.get(row.sweep_id) ?? zeroCounts();
    c[row.status] = row.n;
    counts.set(row.sweep_id, c);
  }
  return sweeps.map((record) => {
    const c = counts.get(record.sweep_id) ?? zeroCounts();
    const total = sum(Object.values(c));
    const finals = total - c.queued - c.running;
    const progress = total === 0 ? 1 : finals / total;
    return { ...toSweepRow(record), total, finals, progress, counts: c };
  });
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function rate(failed: number, finals: number): number | null {
  return finals === 0 ? null : failed / finals;
}

/** Finished runs that count for the failure rate (not cancelled). */
function judged(counts: StatusCounts): number {
  return sum(
    RUN_STATUSES.filter((s) => !OPEN.includes(s) && s !== 'cancelled').map(
      (s) => counts[s],
    ),
  );
}

function failedOf(counts: StatusCounts): number {
  return sum(FAILED.map((s) => counts[s]));
}

/**
 * SQL: the median rel_l2 per activation × gradient of one sweep (`?1`):
 * the middle value, or the mean of the two middle values, of the runs
 * whose rel_l2 is not NULL.
 */
export const MEDIAN_REL_L2_SQL = `
WITH ranked AS (
  SELECT r.activation, r.gradient, m.rel_l2,
    row_number() OVER win AS k, count(*) OVER part AS n
  FROM runs r JOIN metrics m ON m.run_id = r.run_id
  WHERE r.sweep_id = ?1 AND m.rel_l2 IS NOT NULL
  WINDOW part AS (PARTITION BY r.activation, r.gradient),
    win AS (part ORDER BY m.rel_l2)
)
SELECT activation, gradient, avg(rel_l2) AS median
FROM ranked WHERE k IN ((n + 1) / 2, (n + 2) / 2)
GROUP BY activation, gradient`;

/**
 * The failure table of one sweep: one cell per activation × gradient
 * method present, ordered by activation then gradient.
 */
export async function selectFailureTable(
  db: Connection,
  sweepId: number,
): Promise<FailureCell[]> {
  const rows = await db.all<{
    activation: string;
    gradient: string;
    status: RunStatus;
    n: number;
  }>(
    'SELECT activation, gradient, status, count(*) AS n FROM runs ' +
      'WHERE sweep_id = ? GROUP BY activation, gradient, status',
    [sweepId],
  );
  const medians = await db.all<{
    activation: string;
    gradient: string;
    median: number | null;
  }>(MEDIAN_REL_L2_SQL, [sweepId]);
  const cells = new Map<string, FailureCell>();
  for (const row of rows) {
    const key = `${row.activation}\u0000${row.gradient}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = emptyCell(row.activation, row.gradient);
      cells.set(key, cell);
    }
    cell.counts[row.status] = row.n;
  }
  for (const cell of cells.values()) finishCell(cell);
  for (const m of medians) {
    const cell = cells.get(`${m.activation}\u0000${m.gradient}`);
    if (cell) cell.medianRelL2 = m.median ?? Number.NaN;
  }
  return [...cells.values()];
}

function emptyCell(activation: string, gradient: string): FailureCell {
  return {
    activation,
    gradient,
    runs: 0,
    finals: 0,
    failed: 0,
    failureRate: null,
    medianRelL2: null,
    counts: zeroCounts(),
  };
}

function finishCell(cell: FailureCell): void {
  cell.runs = sum(Object.values(cell.counts));
  cell.finals = judged(cell.counts);
  cell.failed = failedOf(cell.counts);
  cell.failureRate = rate(cell.failed, cell.finals);
}

/**
 * Failure rate and mean wall time per value of each grid axis of a sweep:
 * which settings predict failure, and which are slow. Axes that are not
 * run settings are skipped.
 */
export async function selectAxisSummary(
  db: Connection,
  sweepId: number,
  axes: readonly string[],
): Promise<AxisValueSummary[]> {
  const known = axes.filter((a) =>
    (SETTING_NAMES as readonly string[]).includes(a),
  );
  if (known.length === 0) return [];
  // Axis names are checked against the fixed setting names above, so
  // quoting them as identifiers here cannot inject anything. The join
  // with metrics is done once (MATERIALIZED), then grouped once per axis.
  const columns = known.map((axis) => `r."${axis}"`).join(', ');
  const parts = known.map(
    (axis) =>
      `SELECT '${axis}' AS axis, "${axis}" AS value, status, ` +
      'count(*) AS n, count(wall_ms) AS timed, avg(wall_ms) AS wall ' +
      `FROM base GROUP BY "${axis}", status`,
  );
  const rows = await db.all<{
    axis: string;
    value: number | string;
    status: RunStatus;
    n: number;
    timed: number;
    wall: number | null;
  }>(
    `WITH base AS MATERIALIZED (SELECT ${columns}, r.status, m.wall_ms ` +
      'FROM runs r LEFT JOIN metrics m ON m.run_id = r.run_id ' +
      `WHERE r.sweep_id = ?1) ${parts.join(' UNION ALL ')}`,
    [sweepId],
  );
  return summarise(rows, known);
}

function summarise(
  rows: {
    axis: string;
    value: number | string;
    status: RunStatus;
    n: number;
    timed: number;
    wall: number | null;
  }[],
  axes: readonly string[],
): AxisValueSummary[] {
  const groups = new Map<
    string,
    { summary: AxisValueSummary; counts: StatusCounts; wall: number[] }
  >();
  for (const row of rows) {
    const key = `${row.axis}\u0000${typeof row.value}\u0000${row.value}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        summary: {
          axis: row.axis,
          value: row.value,
          runs: 0,
          finals: 0,
          failed: 0,
          failureRate: null,
          meanWallMs: null,
        },
        counts: zeroCounts(),
        wall: [],
      };
      groups.set(key, group);
    }
    group.counts[row.status] = row.n;
    if (row.wall !== null) group.wall.push(row.wall, row.timed);
  }
  const out = [...groups.values()].map(({ summary, counts, wall }) => {
    summary.runs = sum(Object.values(counts));
    summary.finals = judged(counts);
    summary.failed = failedOf(counts);
    summary.failureRate = rate(summary.failed, summary.finals);
    summary.meanWallMs = weightedMean(wall);
    return summary;
  });
  return out.sort(
    (a, b) =>
      axes.indexOf(a.axis) - axes.indexOf(b.axis) || compare(a.value, b.value),
  );
}

/** Mean of [value, weight, value, weight, …], or null when empty. */
function weightedMean(pairs: number[]): number | null {
  let total = 0;
  let weight = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    total += pairs[i] * pairs[i + 1];
    weight += pairs[i + 1];
  }
  return weight === 0 ? null : total / weight;
}

function compare(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}
