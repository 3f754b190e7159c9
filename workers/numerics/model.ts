/**
 * One run's Deep Ritz model: the loss L(θ) with the run's quadrature and
 * boundary handling, and its gradient by the three methods of deep-ritz.md.
 */
import type { GradientMethod, RunConfig } from '../run-config.ts';
import { type ActivationFn, getActivation } from './activations.ts';
import { type Boundary, getBoundary } from './boundary.ts';
import {
  createGaussDifference,
  type GaussDifference,
} from './gauss-difference.ts';
import { gaussRule } from './gauss-rule.ts';
import { KinkTerms } from './kink-terms.ts';
import { midpointRule, type NodeRule, type RuleContext } from './node-set.ts';
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
  readonly size: number;
  /** Hidden width W. */
  readonly width: number;
  readonly activation: ActivationFn;
  readonly problem: ProblemFn;
  readonly boundary: Boundary;
  /** L(θ) of the last `loss`, `gradient` or `computeGradient` call. */
  readonly lastLoss: number;
  /** The training loss L(θ): run's quadrature, bc and penalty. */
  loss(theta: Float64Array): number;
  /**
   * Writes ∂L/∂θ into `out` (length `size`) and returns L(θ) of the
   * training rule. `autodiff` and `analytic` differentiate the training
   * rule; `finite-difference` takes central differences, step `fd_h`, of
   * the kink-aware `gauss` loss (the run's `cells` and `gauss_points`).
   */
  gradient(
    theta: Float64Array,
    out: Float64Array,
    method: GradientMethod,
  ): number;
  /**
   * `gradient` for hot loops: returns nothing and leaves L(θ) in
   * `lastLoss`, so that no number is boxed per call. Allocates nothing.
   */
  computeGradient(
    theta: Float64Array,
    out: Float64Array,
    method: GradientMethod,
  ): void;
  /** u(x) and u′(x) of the trial function, framework conventions at kinks. */
  evaluate(theta: Float64Array, x: number): { u: number; du: number };
  /** The training rule's nodes and weights at θ (copies). */
  nodes(theta: Float64Array): QuadratureNodes;
}

/** Builds the model of a run. */
export function createModel(config: ModelConfig): Model {
  return new DeepRitzModel(config);
}

class DeepRitzModel implements Model {
  readonly size: number;
  readonly width: number;
  readonly activation: ActivationFn;
  readonly problem: ProblemFn;
  readonly boundary: Boundary;
  lastLoss = Number.NaN;

  private readonly run: RuleContext;
  private readonly ws: Workspace;
  private readonly kinks: KinkTerms;
  private readonly training: NodeRule;
  /** The finite differences, built on first use. */
  private differences: GaussDifference | null = null;
  private readonly point = new Float64Array(1);

  constructor(private readonly config: ModelConfig) {
    this.width = config.width;
    this.size = paramCount(config.width);
    this.activation = getActivation(config.activation);
    this.problem = getProblem(config);
    this.boundary = getBoundary(config);
    this.run = {
      problem: this.problem,
      boundary: this.boundary,
      activation: this.activation,
      width: this.width,
    };
    this.ws = new Workspace(this.width);
    this.kinks = new KinkTerms(this.run, this.width);
    this.training =
      config.quadrature === 'midpoint'
        ? midpointRule(config.nodes, this.run)
        : gaussRule(config.cells, config.gauss_points, this.run);
  }

  loss(theta: Float64Array): number {
    this.trainingLoss(theta);
    return this.lastLoss;
  }

  gradient(
    theta: Float64Array,
    out: Float64Array,
    method: GradientMethod,
  ): number {
    this.computeGradient(theta, out, method);
    return this.lastLoss;
  }

  computeGradient(
    theta: Float64Array,
    out: Float64Array,
    method: GradientMethod,
  ): void {
    if (method === 'finite-difference') {
      this.differences ??= createGaussDifference(this.config);
      this.differences.compute(theta, out);
      this.trainingLoss(theta);
      return;
    }
    this.training.prepare(theta);
    ritzGradient(this.training.nodes, theta, this.activation, this.ws, out);
    this.lastLoss = this.ws.loss;
    if (method === 'analytic') this.kinks.add(theta, this.ws, out);
  }

  evaluate(theta: Float64Array, x: number): { u: number; du: number } {
    const ws = this.ws;
    this.point[0] = x;
    ws.load(theta);
    ws.networkAt(this.point, 0, theta, this.activation);
    const g = this.boundary.g(x);
    return {
      u: g * ws.value,
      du: this.boundary.dg(x) * ws.value + g * ws.slope,
    };
  }

  nodes(theta: Float64Array): QuadratureNodes {
    this.training.prepare(theta);
    const set = this.training.nodes;
    return {
      x: set.x.slice(0, set.quadratureCount),
      weight: set.weight.slice(0, set.quadratureCount),
    };
  }

  /** The training loss at θ, into `lastLoss`. */
  private trainingLoss(theta: Float64Array): void {
    this.training.prepare(theta);
    ritzLoss(this.training.nodes, theta, this.activation, this.ws);
    this.lastLoss = this.ws.loss;
  }
}
