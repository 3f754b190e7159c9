/**
 * What a run reports about its network: errors against the exact solution,
 * energy, the gradient check, kinks, and samples for plots.
 */
import { getActivation } from './activations.ts';
import { getBoundary } from './boundary.ts';
import { gaussDifference } from './gauss-difference.ts';
import { type MetricRun, metricSums } from './metric-rule.ts';
import type { ModelConfig } from './model.ts';
import { sharedModel } from './model-cache.ts';
import { NetworkBatch } from './network-batch.ts';
import { kinksInside } from './node-set.ts';
import { getProblem } from './problems.ts';
import { problemKey } from './thread-cache.ts';

/**
 * The independent rule of the error metrics: 1024 uniform cells, split at
 * kinks and breakpoints, 8 Gauss points each. Exact to rounding for the
 * ReLU family (piecewise polynomials of degree ≤ 6 under the integral) and
 * far below any training error for smooth σ.
 */
export { METRIC_CELLS, METRIC_GAUSS_POINTS } from './metric-rule.ts';

/** Points of the solution samples: x = k/100, k = 0 … 100. */
export const SAMPLE_POINTS = 101;

/** Errors and energy of the network at θ (names as in RunMetrics). */
export interface SolutionMetrics {
  rel_l2: number;
  rel_h1: number;
  energy: number;
  energy_gap: number;
  kinks_inside: number;
}

/** The parts of a run that the metric rule reads. */
function metricRun(config: ModelConfig): MetricRun {
  return {
    problem: getProblem(config),
    boundary: getBoundary(config),
    activation: getActivation(config.activation),
    width: config.width,
    problemKey: problemKey(config),
  };
}

/**
 * ‖u − u*‖/‖u*‖, ‖u′ − u*′‖/‖u*′‖, Π[u] and Π[u] − Π[u*] by the metric rule.
 * Π[u] has no penalty term; with `bc: penalty` u need not vanish at the
 * ends, so the gap can be slightly negative.
 */
export function solutionMetrics(
  config: ModelConfig,
  theta: Float64Array,
): SolutionMetrics {
  const run = metricRun(config);
  const sums = metricSums(run, theta);
  return {
    rel_l2: Math.sqrt(sums.errorL2 / sums.normL2),
    rel_h1: Math.sqrt(sums.errorH1 / sums.normH1),
    energy: sums.energy,
    energy_gap: sums.energy - run.problem.energy,
    kinks_inside: kinksInside(theta, config.width, run.activation),
  };
}

/** Agreement of two gradients. */
export interface Agreement {
  /** cos ∠(g, reference). */
  cos: number;
  /** ‖g − reference‖ / ‖reference‖. */
  rel: number;
}

/** Cosine and relative difference of g against a reference gradient. */
export function agreement(g: Float64Array, reference: Float64Array): Agreement {
  let dot = 0;
  let gg = 0;
  let rr = 0;
  let dd = 0;
  for (let j = 0; j < g.length; j++) {
    dot += g[j] * reference[j];
    gg += g[j] * g[j];
    rr += reference[j] * reference[j];
    dd += (g[j] - reference[j]) ** 2;
  }
  return { cos: dot / Math.sqrt(gg * rr), rel: Math.sqrt(dd / rr) };
}

/** The gradient check of RunMetrics. */
export interface GradientCheck {
  gc_autodiff_cos: number;
  gc_autodiff_rel: number;
  gc_analytic_cos: number;
  gc_analytic_rel: number;
}

/**
 * `autodiff` and `analytic` against `finite-difference`, all three on the
 * kink-aware `gauss` rule of the run (its `cells`, `gauss_points`), at θ.
 * The differences are those of Model.gradient, computed neuron by neuron
 * (gauss-difference.ts); the model is shared with the thread's other runs
 * of the same settings (model-cache.ts).
 */
export function gradientCheck(
  config: ModelConfig,
  theta: Float64Array,
): GradientCheck {
  const model = sharedModel({ ...config, quadrature: 'gauss' });
  const fd = new Float64Array(model.size);
  const autodiff = new Float64Array(model.size);
  const analytic = new Float64Array(model.size);
  gaussDifference(config, theta, fd);
  model.gradient(theta, autodiff, 'autodiff');
  // Without a jump in σ′ there is no kink term: `analytic` is `autodiff`.
  if (model.activation.jump === 0) analytic.set(autodiff);
  else model.gradient(theta, analytic, 'analytic');
  const ad = agreement(autodiff, fd);
  const an = agreement(analytic, fd);
  return {
    gc_autodiff_cos: ad.cos,
    gc_autodiff_rel: ad.rel,
    gc_analytic_cos: an.cos,
    gc_analytic_rel: an.rel,
  };
}

/** The sample points k/100, and the network there (one per thread). */
let samplePoints: NetworkBatch | undefined;

function sampleBatch(): NetworkBatch {
  if (samplePoints) return samplePoints;
  const x = new Float64Array(SAMPLE_POINTS);
  for (let k = 0; k < SAMPLE_POINTS; k++) x[k] = k / (SAMPLE_POINTS - 1);
  samplePoints = new NetworkBatch();
  samplePoints.setPoints(x, 0, SAMPLE_POINTS);
  return samplePoints;
}

/** u and u* at x = k/100, k = 0 … 100, as plain arrays. */
export function solutionSamples(
  config: ModelConfig,
  theta: Float64Array,
): { x: number[]; u: number[]; u_star: number[] } {
  const problem = getProblem(config);
  const boundary = getBoundary(config);
  const batch = sampleBatch();
  batch.evaluate(theta, config.width, getActivation(config.activation));
  const x: number[] = [];
  const u: number[] = [];
  const uStar: number[] = [];
  for (let k = 0; k < SAMPLE_POINTS; k++) {
    const xk = k / (SAMPLE_POINTS - 1);
    x.push(xk);
    u.push(boundary.g(xk) * batch.value[k]);
    uStar.push(problem.u(xk));
  }
  return { x, u, u_star: uStar };
}
