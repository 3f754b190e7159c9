/**
 * Everything about one run: its settings, verdict, metrics (NaN restored),
 * attempts, loss curve and solution samples, and the runs of its sweep that
 * differ from it in exactly one setting.
 */
import { nonFiniteReviver } from '../coordinator/cli/json-numbers.ts';
import {
  METRIC_NAMES,
  readMetrics,
} from '../coordinator/store/metric-values.ts';
import type { Connection } from '../coordinator/store/sqlite.ts';
import type { RunStatus } from '../workers/result.ts';
import { CUBE_COLUMNS } from './grid-cube.ts';
import { SETTINGS, type SettingName, type SettingValue } from './settings.ts';

/** One try of a run. */
export interface AttemptRow {
  attempt: number;
  generation: number;
  /** Worker `host:pid`. */
  worker: string;
  /** Unix ms. */
  startedAt: number;
  /** Unix ms, null while under way. */
  endedAt: number | null;
  /** ok | crashed | timeout | cancelled | lost, null while under way. */
  outcome: string | null;
  error: string | null;
}

/** Loss per step, and u, u* on [0, 1]. */
export interface RunCurves {
  loss: { step: number[]; loss: number[] } | null;
  samples: { x: number[]; u: number[]; u_star: number[] } | null;
}

/** A run as its page shows it. */
export interface RunDetail {
  runId: string;
  sweep: string;
  sweepId: number;
  idx: number;
  status: RunStatus;
  generation: number;
  /** The rel_l2 threshold of the sweep's verdict. */
  threshold: number;
  /** The sweep's grid axes, in spec order. */
  axes: string[];
  settings: Record<SettingName, SettingValue>;
  /** Scalar metrics (NaN restored), null before a final result. */
  metrics: Record<string, number | null> | null;
  /** Why it crashed or timed out, from the final result. */
  error: string | null;
  worker: string | null;
  /** When the final result was recorded, Unix ms. */
  recordedAt: number | null;
  updatedAt: number;
  attempts: AttemptRow[];
  curves: RunCurves;
}

/** The run with id `runId`, or undefined. */
export async function selectRun(
  db: Connection,
  runId: string,
): Promise<RunDetail | undefined> {
  const run = await db.get<Record<string, never>>(
    `SELECT r.*, s.name AS sweep_name, s.threshold, s.axes_json
     FROM runs r JOIN sweeps s ON s.sweep_id = r.sweep_id
     WHERE r.run_id = ?`,
    [runId],
  );
  if (!run) return undefined;
  const [metrics, attempts, curves] = await Promise.all([
    db.get<Record<string, never>>('SELECT * FROM metrics WHERE run_id = ?', [
      runId,
    ]),
    selectAttempts(db, runId),
    selectCurves(db, runId),
  ]);
  const settings = {} as Record<SettingName, SettingValue>;
  for (const s of SETTINGS) settings[s] = run[s];
  return {
    runId,
    sweep: run.sweep_name,
    sweepId: run.sweep_id,
    idx: run.idx,
    status: run.status,
    generation: run.generation,
    threshold: run.threshold,
    axes: parseAxes(run.axes_json),
    settings,
    metrics: metrics ? metricValues(metrics) : null,
    error: metrics?.error ?? null,
    worker: metrics?.worker ?? null,
    recordedAt: metrics?.recorded_at ?? null,
    updatedAt: run.updated_at,
    attempts,
    curves,
  };
}

function parseAxes(text: string): string[] {
  try {
    const axes = JSON.parse(text);
    return Array.isArray(axes) ? axes.map(String) : [];
  } catch {
    return [];
  }
}

function metricValues(
  row: Record<string, number | string | null>,
): Record<string, number | null> {
  const restored = readMetrics(row as { nan_metrics: string | null }) as Record<
    string,
    unknown
  >;
  const out: Record<string, number | null> = {};
  for (const name of METRIC_NAMES) {
    const value = restored[name];
    out[name] = typeof value === 'number' ? value : null;
  }
  return out;
}

async function selectAttempts(
  db: Connection,
  runId: string,
): Promise<AttemptRow[]> {
  const rows = await db.all<Record<string, never>>(
    `SELECT attempt, generation, worker, started_at, ended_at, outcome, error
     FROM attempts WHERE run_id = ? ORDER BY attempt`,
    [runId],
  );
  return rows.map((r) => ({
    attempt: r.attempt,
    generation: r.generation,
    worker: r.worker,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    outcome: r.outcome,
    error: r.error,
  }));
}

async function selectCurves(db: Connection, runId: string) {
  const row = await db.get<{ loss_json: string; samples_json: string }>(
    'SELECT loss_json, samples_json FROM curves WHERE run_id = ?',
    [runId],
  );
  return {
    loss: parseSeries(row?.loss_json, ['step', 'loss']),
    samples: parseSeries(row?.samples_json, ['x', 'u', 'u_star']),
  } as RunCurves;
}

/**
 * Parses a stored series object whose fields are equal-length arrays of
 * numbers ("NaN", "Infinity" read back as numbers); null when absent or
 * not of that shape.
 */
function parseSeries(
  text: string | undefined,
  fields: string[],
): Record<string, number[]> | null {
  if (!text) return null;
  let value: unknown;
  try {
    value = JSON.parse(text, nonFiniteReviver);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const series = value as Record<string, unknown>;
  const arrays = fields.map((f) => series[f]);
  const length = Array.isArray(arrays[0]) ? arrays[0].length : -1;
  const ok = arrays.every(
    (a) =>
      Array.isArray(a) &&
      a.length === length &&
      a.every((v) => typeof v === 'number' || v === null),
  );
  if (!ok) return null;
  return Object.fromEntries(
    fields.map((f, i) => [
      f,
      (arrays[i] as (number | null)[]).map((v) => v ?? Number.NaN),
    ]),
  );
}

/** A run of the same sweep that differs in one setting. */
export interface Neighbour {
  /** The setting that differs. */
  axis: SettingName;
  /** Its value in the neighbour. */
  value: SettingValue;
  runId: string;
  status: RunStatus;
}

/**
 * The runs of the run's sweep that equal it in every setting but one of
 * `axes` (cube columns): e.g. the `analytic` twin of a ReLU `autodiff`
 * run. Answered from the `runs_sweep_settings` index by equality seeks.
 *
 * @param values the values each axis takes in the sweep
 */
export async function selectNeighbours(
  db: Connection,
  run: RunDetail,
  values: Map<SettingName, SettingValue[]>,
): Promise<Neighbour[]> {
  const parts: string[] = [];
  const params: SettingValue[] = [];
  for (const axis of CUBE_COLUMNS) {
    const others = (values.get(axis) ?? []).filter(
      (v) => v !== run.settings[axis],
    );
    if (others.length === 0) continue;
    const same = SETTINGS.filter((s) => s !== axis);
    parts.push(
      `SELECT '${axis}' AS axis, ${axis} AS value, run_id, status ` +
        `FROM runs WHERE sweep_id = ? AND ` +
        same.map((s) => `${s} = ?`).join(' AND ') +
        ` AND ${axis} IN (${others.map(() => '?').join(',')})`,
    );
    params.push(run.sweepId, ...same.map((s) => run.settings[s]), ...others);
  }
  if (parts.length === 0) return [];
  const rows = await db.all<Record<string, never>>(parts.join(' UNION ALL '), [
    ...params,
  ]);
  const rank = (n: Neighbour) =>
    CUBE_COLUMNS.indexOf(n.axis) * 10_000 +
    (values.get(n.axis) ?? []).indexOf(n.value);
  return rows
    .map((r) => ({
      axis: r.axis,
      value: r.value,
      runId: r.run_id,
      status: r.status,
    }))
    .sort((a, b) => rank(a) - rank(b));
}
