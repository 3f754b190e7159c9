/**
 * What a run reports about its network: errors against the exact solution,
 * energy, the gradient check, kinks, and samples for plots.
 */
import { createModel, type ModelConfig } from './model.ts';
import { kinksInside } from './node-set.ts';

/**
 * The independent rule of the error metrics: 1024 uniform cells, split at
 * kinks and breakpoints, 8 Gauss points each. Exact to rounding for the
 * ReLU family (piecewise polynomials of degree ≤ 6 under the integral) and
 * far below any training error for smooth σ.
 */
export const METRIC_CELLS = 1024;
export const METRIC_GAUSS_POINTS = 8;

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

/**
 * ‖u − u*‖/‖u*‖, ‖u′ − u*′‖/‖u*′‖, Π[u] and Π[u] − Π[u*] by the metric rule.
 * Π[u] has no penalty term; with `bc: penalty` u need not vanish at the
 * ends, so the gap can be slightly negative.
 */
export function solutionMetrics(
  config: ModelConfig,
  theta: Float64Array,
): SolutionMetrics {
  const model = createModel({
    ...config,
    quadrature: 'gauss',
    cells: METRIC_CELLS,
    gauss_points: METRIC_GAUSS_POINTS,
  });
  const { problem } = model;
  const { x, weight } = model.nodes(theta);
  let errorL2 = 0;
  let normL2 = 0;
  let errorH1 = 0;
  let normH1 = 0;
  let energy = 0;
  for (let k = 0; k < x.length; k++) {
    const { u, du } = model.evaluate(theta, x[k]);
    const exact = problem.u(x[k]);
    const exactSlope = problem.du(x[k]);
    errorL2 += weight[k] * (u - exact) ** 2;
    normL2 += weight[k] * exact ** 2;
    errorH1 += weight[k] * (du - exactSlope) ** 2;
    normH1 += weight[k] * exactSlope ** 2;
    energy +=
      weight[k] * (0.5 * problem.kappa(x[k]) * du * du - problem.b(x[k]) * u);
  }
  return {
    rel_l2: Math.sqrt(errorL2 / normL2),
    rel_h1: Math.sqrt(errorH1 / normH1),
    energy,
    energy_gap: energy - problem.energy,
    kinks_inside: kinksInside(theta, model.width, model.activation),
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
 */
export function gradientCheck(
  config: ModelConfig,
  theta: Float64Array,
): GradientCheck {
  const model = createModel({ ...config, quadrature: 'gauss' });
  const fd = new Float64Array(model.size);
  const autodiff = new Float64Array(model.size);
  const analytic = new Float64Array(model.size);
  model.gradient(theta, fd, 'finite-difference');
  model.gradient(theta, autodiff, 'autodiff');
  model.gradient(theta, analytic, 'analytic');
  const ad = agreement(autodiff, fd);
  const an = agreement(analytic, fd);
  return {
    gc_autodiff_cos: ad.cos,
    gc_autodiff_rel: ad.rel,
    gc_analytic_cos: an.cos,
    gc_analytic_rel: an.rel,
  };
}

/** u and u* at x = k/100, k = 0 … 100, as plain arrays. */
export function solutionSamples(
  config: ModelConfig,
  theta: Float64Array,
): { x: number[]; u: number[]; u_star: number[] } {
  const model = createModel(config);
  const x: number[] = [];
  const u: number[] = [];
  const uStar: number[] = [];
  for (let k = 0; k < SAMPLE_POINTS; k++) {
    const xk = k / (SAMPLE_POINTS - 1);
    x.push(xk);
    u.push(model.evaluate(theta, xk).u);
    uStar.push(model.problem.u(xk));
  }
  return { x, u, u_star: uStar };
}
