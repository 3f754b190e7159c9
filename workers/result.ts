/**
 * What one training run returns, and the run states of a sweep.
 */
import { stringifyJson } from '../coordinator/cli/json-numbers.ts';

/** Every state a run can be in. */
export const RUN_STATUSES = [
  'queued',
  'running',
  'done',
  'inaccurate',
  'diverged',
  'crashed',
  'timeout',
  'cancelled',
] as const;

/** A run's state: `queued → running → done | inaccurate | … | cancelled`. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** States that end a run: it has exactly one final result. */
export const FINAL_STATUSES = [
  'done',
  'inaccurate',
  'diverged',
  'crashed',
  'timeout',
  'cancelled',
] as const;

/** A final state. */
export type FinalStatus = (typeof FINAL_STATUSES)[number];

/** Final states that count as a failed configuration. */
export const FAILURE_STATUSES = [
  'inaccurate',
  'diverged',
  'crashed',
  'timeout',
] as const;

/** Default `rel_l2` threshold of the verdict (deep-ritz.md). */
export const DEFAULT_REL_L2_THRESHOLD = 5e-3;

/** Scalar metrics of one run; NaN and ±Infinity are legitimate values. */
export interface RunMetrics {
  /** ‖u − u*‖ / ‖u*‖ by a fine kink-aware Gauss rule. */
  rel_l2: number;
  /** ‖u′ − u*′‖ / ‖u*′‖ by the same rule. */
  rel_h1: number;
  /** Π[u] at the final parameters. */
  energy: number;
  /** Π[u] − Π[u*], ≥ 0 up to rounding. */
  energy_gap: number;
  /** Training loss at the final parameters. */
  final_loss: number;
  /** Cosine of `autodiff` vs `finite-difference` at the initial θ. */
  gc_autodiff_cos: number;
  /** ‖g_autodiff − g_fd‖ / ‖g_fd‖ at the initial θ. */
  gc_autodiff_rel: number;
  /** Cosine of `analytic` vs `finite-difference` at the initial θ. */
  gc_analytic_cos: number;
  /** ‖g_analytic − g_fd‖ / ‖g_fd‖ at the initial θ. */
  gc_analytic_rel: number;
  /** Neurons whose kink lies in (0, 1) at the end (0 for smooth σ). */
  kinks_inside: number;
  /** Optimiser steps completed. */
  steps_done: number;
  /** Wall time of the training loop, milliseconds. */
  wall_ms: number;
  /** steps_done / wall time, steps per second. */
  steps_per_s: number;
  /** Step at which loss or parameters became NaN/Inf, else null. */
  diverged_step: number | null;
}

/** What `train()` returns: plain data, safe to post between threads. */
export interface TrainResult {
  /** `diverged` when loss or parameters became non-finite. */
  outcome: 'trained' | 'diverged';
  metrics: RunMetrics;
  /** Downsampled loss curve, at most 200 points. */
  curve: { step: number[]; loss: number[] };
  /** u and u* at 101 points of [0, 1]. */
  samples: { x: number[]; u: number[]; u_star: number[] };
}

/**
 * A result on its way to the store: the curve and samples already in the
 * JSON text the store keeps (`curves.loss_json`, `curves.samples_json`,
 * NaN and ±Infinity spelled as strings). A training thread writes that
 * text while it is free, so neither the worker's main thread nor the
 * recorder has to turn hundreds of numbers into text and back.
 */
export interface RecordedResult {
  outcome: TrainResult['outcome'];
  metrics: RunMetrics;
  /** `{"step":[…],"loss":[…]}`. */
  loss_json: string;
  /** `{"x":[…],"u":[…],"u_star":[…]}`. */
  samples_json: string;
}

/** A final result as events carry it: either form. */
export type FinalResult = TrainResult | RecordedResult;

function hasNonFinite(values: readonly number[]): boolean {
  for (const value of values) if (!Number.isFinite(value)) return true;
  return false;
}

/** `stringifyJson` of number arrays, without its per-value replacer. */
function seriesJson(series: Record<string, number[]>): string {
  for (const values of Object.values(series)) {
    if (hasNonFinite(values)) return stringifyJson(series);
  }
  return JSON.stringify(series);
}

/** The curve and samples of `result` as the store's JSON text. */
export function seriesTexts(
  result: FinalResult,
): Pick<RecordedResult, 'loss_json' | 'samples_json'> {
  if ('loss_json' in result) return result;
  const { curve, samples } = result;
  return {
    loss_json: seriesJson({ step: curve.step, loss: curve.loss }),
    samples_json: seriesJson({
      x: samples.x,
      u: samples.u,
      u_star: samples.u_star,
    }),
  };
}

/** `result` with its curve and samples as the store's JSON text. */
export function recordedResult(result: TrainResult): RecordedResult {
  const { outcome, metrics } = result;
  return { outcome, metrics, ...seriesTexts(result) };
}

/** Progress report from a training loop. */
export interface TrainProgress {
  step: number;
  steps: number;
  loss: number;
}

/**
 * The final status of a trained run.
 *
 * @param threshold largest `rel_l2` that counts as `done` (default 5e-3)
 */
export function verdict(
  result: Pick<TrainResult, 'outcome' | 'metrics'>,
  threshold = DEFAULT_REL_L2_THRESHOLD,
): 'done' | 'inaccurate' | 'diverged' {
  if (result.outcome === 'diverged') return 'diverged';
  return result.metrics.rel_l2 <= threshold ? 'done' : 'inaccurate';
}
