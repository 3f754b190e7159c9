/**
 * The `results` view: one row per run with its sweep, settings and final
 * metrics, the table SQL users query and `sweep export` writes.
 */
import { SETTING_NAMES } from '../../workers/run-config.ts';
import { readMetrics } from './metric-values.ts';
import { Connection } from './sqlite.ts';

/**
 * One row of `results`. Metric columns are null when not measured (no
 * final result yet, or a run that crashed) and NaN when the run reported
 * NaN; ±Infinity are kept.
 */
export interface ResultRow {
  sweep: string;
  run_id: string;
  idx: number;
  status: string;
  generation: number;
  problem: string;
  interface_k: number;
  activation: string;
  width: number;
  bc: string;
  beta: number;
  init: string;
  quadrature: string;
  cells: number;
  gauss_points: number;
  nodes: number;
  gradient: string;
  fd_h: number;
  optimizer: string;
  lr: number;
  steps: number;
  seed: number;
  rel_l2: number | null;
  rel_h1: number | null;
  energy: number | null;
  energy_gap: number | null;
  final_loss: number | null;
  gc_autodiff_cos: number | null;
  gc_autodiff_rel: number | null;
  gc_analytic_cos: number | null;
  gc_analytic_rel: number | null;
  kinks_inside: number | null;
  steps_done: number | null;
  wall_ms: number | null;
  steps_per_s: number | null;
  diverged_step: number | null;
  nan_metrics: string | null;
  error: string | null;
  worker: string | null;
  recorded_at: number | null;
  attempts: number;
  failed: 0 | 1;
}

/** The columns of `results`, in view order. */
export const RESULT_COLUMNS: readonly (keyof ResultRow)[] = [
  'sweep',
  'run_id',
  'idx',
  'status',
  'generation',
  ...SETTING_NAMES,
  'rel_l2',
  'rel_h1',
  'energy',
  'energy_gap',
  'final_loss',
  'gc_autodiff_cos',
  'gc_autodiff_rel',
  'gc_analytic_cos',
  'gc_analytic_rel',
  'kinks_inside',
  'steps_done',
  'wall_ms',
  'steps_per_s',
  'diverged_step',
  'nan_metrics',
  'error',
  'worker',
  'recorded_at',
  'attempts',
  'failed',
];

/** Rows read per page by `readResults` (default). */
export const RESULT_PAGE_SIZE = 1000;

/**
 * Streams the `results` rows of sweep `sweep` in grid order, NaN restored.
 * Reads through its own read-only connection inside one read transaction,
 * so the rows are one consistent snapshot while the writer goes on, and
 * holds at most one page in memory.
 *
 * @param pageSize rows per query (default 1000)
 */
export async function* readResults(
  path: string,
  sweep: string,
  pageSize = RESULT_PAGE_SIZE,
): AsyncGenerator<ResultRow> {
  const db = await Connection.open(path, { readOnly: true });
  const read = (after: number) =>
    db.all<ResultRow>(
      'SELECT * FROM results WHERE sweep = ? AND idx > ? ' +
        'ORDER BY idx LIMIT ?',
      [sweep, after, pageSize],
    );
  let next: Promise<ResultRow[]> | undefined;
  try {
    await db.run('BEGIN');
    let page = await read(-1);
    while (true) {
      // The next page is read while the caller handles this one.
      const last = page[page.length - 1];
      next = page.length === pageSize ? read(last.idx) : undefined;
      // Its failure is handled where it is awaited, below; this only
      // keeps it from counting as unhandled while the caller is busy.
      next?.catch(() => undefined);
      for (const row of page) yield readMetrics(row);
      if (!next) break;
      page = await next;
    }
    await db.run('COMMIT');
  } finally {
    await next?.catch(() => undefined);
    await db.close();
  }
}
