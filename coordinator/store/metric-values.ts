/**
 * How metric values are stored: NaN as NULL with its name listed in
 * `metrics.nan_metrics`, ±Infinity as SQLite's ±Inf reals, so that NULL
 * alone always means "not measured" and NaN, Infinity and missing stay
 * distinguishable from the worker to the reader.
 */
import type { RunMetrics } from '../../workers/result.ts';

const METRIC_FLAGS: Record<keyof RunMetrics, true> = {
  rel_l2: true,
  rel_h1: true,
  energy: true,
  energy_gap: true,
  final_loss: true,
  gc_autodiff_cos: true,
  gc_autodiff_rel: true,
  gc_analytic_cos: true,
  gc_analytic_rel: true,
  kinks_inside: true,
  steps_done: true,
  wall_ms: true,
  steps_per_s: true,
  diverged_step: true,
};

/** Every scalar metric: one column each in `metrics` and `results`. */
export const METRIC_NAMES = Object.keys(METRIC_FLAGS) as (keyof RunMetrics)[];

/** Metrics as bound to SQLite, in `METRIC_NAMES` order. */
export interface EncodedMetrics {
  /** NaN and missing values as null; ±Infinity unchanged. */
  values: (number | null)[];
  /** Comma list of the metrics that were NaN, or null for none. */
  nanMetrics: string | null;
}

/** Prepares metrics for the `metrics` table (see the module comment). */
export function encodeMetrics(metrics: Partial<RunMetrics>): EncodedMetrics {
  const nan: string[] = [];
  const values = METRIC_NAMES.map((name) => {
    const value = metrics[name];
    if (typeof value !== 'number') return null;
    if (Number.isNaN(value)) {
      nan.push(name);
      return null;
    }
    return value;
  });
  return { values, nanMetrics: nan.length > 0 ? nan.join(',') : null };
}

/** A row read from `metrics` or `results`: has `nan_metrics`. */
export interface WithNanMetrics {
  nan_metrics?: string | null;
}

/**
 * Restores NaN in a row read from `metrics` or `results`: every column
 * named in `nan_metrics` becomes NaN. Other NULLs stay null (not
 * measured). Returns a new object.
 */
export function readMetrics<T extends WithNanMetrics>(row: T): T {
  if (!row.nan_metrics) return { ...row };
  const out = { ...row } as Record<string, unknown>;
  for (const name of row.nan_metrics.split(',')) {
    if (name in out && out[name] === null) out[name] = Number.NaN;
  }
  return out as T;
}
