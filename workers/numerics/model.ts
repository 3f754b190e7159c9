/**
 * One run's Deep Ritz model: the loss L(θ) with the run's quadrature and
 * boundary handling, and its gradient by the three methods of deep-ritz.md.
 */
import type { GradientMethod, RunConfig } from '../run-config.ts';
import { type ActivationFn, getActivation } from './activations.ts';
import { type Boundary, getBoundary } from './boundary.ts';
import { addKinkTerms } from './kink-terms.ts';
import { gaussRule, midpointRule, type NodeRule } from './node-set.ts';
import { paramCount } from './params.ts';
import { getProblem, type ProblemFn } from './problems.ts';
import { ritzGradient, ritzLoss, Workspace } from './ritz-kernel.ts';

/** The settings a model reads from a RunConfig. */
export type ModelConfig = Pick<
  RunConfig,
  | 'problem'
  | 'interface_k'
  | 'activation'
  | 'width'
  | 'bc'
  | 'beta'
  | 'quadrature'
  | 'cells'
  | 'gauss_points'
  | 'nodes'
  | 'fd_h'
>;

/** The training rule's nodes at one θ (penalty nodes not included). */
export interface QuadratureNodes {
  x: Float64Array;
  weight: Float64Array;
}

/** Loss and gradients of one run's network, θ laid out as in params.ts. */
export interface Model {
  /** Number of parameters, 3W + 1. */
  size: number;
  /** Hidden width W. */
  width: number;
  activation: ActivationFn;
  problem: ProblemFn;
  boundary: Boundary;
  /** The training loss L(θ): run's quadrature, bc and penalty. */
  loss(theta: Float64Array): number;
  /**
   * Writes ∂L/∂θ into `out` (length `size`) and returns L(θ) of the
   * training rule. `autodiff` and `analytic` differentiate the training
   * rule; `finite-difference` uses central differences of the kink-aware
   * `gauss` loss with step `fd_h`. Allocates nothing.
   */
  gradient(
    theta: Float64Array,
    out: Float64Array,
    method: GradientMethod,
  ): number;
  /** u(x) and u′(x) of the trial function, framework conventions at kinks. */
  evaluate(theta: Float64Array, x: number): { u: number; du: number };
  /** The training rule's nodes and weights at θ (copies). */
  nodes(theta: Float64Array): QuadratureNodes;
}

/** Builds the model of a run. */
export function createModel(config: ModelConfig): Model {
  const width = config.width;
  const run = {
    problem: getProblem(config),
    boundary: getBoundary(config),
    activation: getActivation(config.activation),
    width,
  };
  const ws = new Workspace(width);
  const training: NodeRule =
    config.quadrature === 'midpoint'
      ? midpointRule(config.nodes, run)
      : gaussRule(config.cells, config.gauss_points, run);
  let gauss: NodeRule | null = config.quadrature === 'gauss' ? training : null;
  const shifted = new Float64Array(paramCount(width));

  const loss = (theta: Float64Array) => {
    training.prepare(theta);
    return ritzLoss(training.nodes, theta, run.activation, ws);
  };

  const gaussLoss = (theta: Float64Array) => {
    gauss ??= gaussRule(config.cells, config.gauss_points, run);
    gauss.prepare(theta);
    return ritzLoss(gauss.nodes, theta, run.activation, ws);
  };

  const finiteDifference = (theta: Float64Array, out: Float64Array) => {
    shifted.set(theta);
    for (let j = 0; j < theta.length; j++) {
      const t = theta[j];
      const up = t + config.fd_h;
      const down = t - config.fd_h;
      shifted[j] = up;
      const lossUp = gaussLoss(shifted);
      shifted[j] = down;
      const lossDown = gaussLoss(shifted);
      shifted[j] = t;
      // The steps actually taken, after rounding t ± h.
      out[j] = (lossUp - lossDown) / (up - down);
    }
  };

  const gradient = (
    theta: Float64Array,
    out: Float64Array,
    method: GradientMethod,
  ) => {
    if (method === 'finite-difference') {
      finiteDifference(theta, out);
      return loss(theta);
    }
    training.prepare(theta);
    const value = ritzGradient(training.nodes, theta, run.activation, ws, out);
    if (method === 'analytic') addKinkTerms(theta, run, ws, out);
    return value;
  };

  const evaluate = (theta: Float64Array, x: number) => {
    ws.load(theta);
    const n = ws.networkAt(x, theta, run.activation);
    const g = run.boundary.g(x);
    return { u: g * n, du: run.boundary.dg(x) * n + g * ws.slope };
  };

  const nodes = (theta: Float64Array) => {
    training.prepare(theta);
    const set = training.nodes;
    return {
      x: set.x.slice(0, set.quadratureCount),
      weight: set.weight.slice(0, set.quadratureCount),
    };
  };

  return {
    size: paramCount(width),
    ...run,
    loss,
    gradient,
    evaluate,
    nodes,
  };
}
