/**
 * The nodes at which a rule evaluates the loss, with everything the loss
 * needs there that does not depend on θ: weights, κ, b and the boundary
 * factor g, g′. Buffers are allocated once; the kink-aware Gauss rule
 * (gauss-rule.ts) refills them at every θ without allocating.
 */
import type { ActivationFn } from './activations.ts';
import type { Boundary } from './boundary.ts';
import type { ProblemFn } from './problems.ts';
import { fillMidpoint } from './quadrature.ts';

/**
 * Node data, structure of arrays. Node k contributes
 * ωκ·u′²/2 − ωb·u + p·N²/2 to the loss, where u = g·N, u′ = g′N + gN′ and
 * p is the penalty weight (β at the two boundary nodes of `penalty`, else 0).
 */
export class NodeSet {
  /** Position x of each node. */
  readonly x: Float64Array;
  /** Quadrature weight ω. */
  readonly weight: Float64Array;
  /** ω·κ(x). */
  readonly kw: Float64Array;
  /** ω·b(x). */
  readonly bw: Float64Array;
  /** g(x). */
  readonly g: Float64Array;
  /** g′(x). */
  readonly dg: Float64Array;
  /** Penalty weight p (β or 0). */
  readonly pw: Float64Array;
  /** Nodes in use, penalty nodes included (they come last). */
  count = 0;
  /** Quadrature nodes in use (the first `quadratureCount`). */
  quadratureCount = 0;

  constructor(capacity: number) {
    this.x = new Float64Array(capacity);
    this.weight = new Float64Array(capacity);
    this.kw = new Float64Array(capacity);
    this.bw = new Float64Array(capacity);
    this.g = new Float64Array(capacity);
    this.dg = new Float64Array(capacity);
    this.pw = new Float64Array(capacity);
  }

  /**
   * Fills κ, b, g, g′ of the first `quadratureCount` nodes from x and ω,
   * then appends the penalty nodes x = 0 and x = 1 when β > 0.
   */
  complete(problem: ProblemFn, boundary: Boundary): void {
    this.fillData(problem, boundary, this.quadratureCount);
    this.count = this.quadratureCount;
    if (boundary.penalty > 0) this.addPenaltyNodes(boundary);
  }

  /** ωκ, ωb, g, g′ and p = 0 of nodes 0 … count − 1, from x and ω. */
  fillData(problem: ProblemFn, boundary: Boundary, count: number): void {
    problem.coefficients(this.x, count, this.kw, this.bw);
    boundary.factors(this.x, count, this.g, this.dg);
    for (let k = 0; k < count; k++) {
      this.kw[k] *= this.weight[k];
      this.bw[k] *= this.weight[k];
      this.pw[k] = 0;
    }
  }

  /** The nodes x = 0 and x = 1 of the term (β/2)(N(0)² + N(1)²). */
  addPenaltyNodes(boundary: Boundary): void {
    for (let end = 0; end <= 1; end++) {
      const k = this.count++;
      this.x[k] = end;
      this.weight[k] = 0;
      this.kw[k] = 0;
      this.bw[k] = 0;
      this.g[k] = 1;
      this.dg[k] = 0;
      this.pw[k] = boundary.penalty;
    }
  }
}

/** A quadrature rule bound to one run: its nodes at a given θ. */
export interface NodeRule {
  nodes: NodeSet;
  /** Brings `nodes` up to date for θ (a no-op for fixed nodes). */
  prepare(theta: Float64Array): void;
}

/** What a rule needs to know about the run. */
export interface RuleContext {
  problem: ProblemFn;
  boundary: Boundary;
  activation: ActivationFn;
  width: number;
}

/** The midpoint rule: N fixed nodes (k + ½)/N, weight 1/N. */
export function midpointRule(nodes: number, run: RuleContext): NodeRule {
  const set = new NodeSet(nodes + 2);
  fillMidpoint(nodes, set.x, set.weight);
  set.quadratureCount = nodes;
  set.complete(run.problem, run.boundary);
  return { nodes: set, prepare() {} };
}

/**
 * ξᵢ = −aᵢ/wᵢ, where wᵢx + aᵢ = 0; ±∞ or NaN when wᵢ = 0 (no kink), which
 * every test for "inside (0, 1)" rejects.
 */
export function kinkOf(theta: Float64Array, width: number, i: number): number {
  return -theta[width + i] / theta[i];
}

/** Neurons of a piecewise σ whose kink lies in (0, 1). */
export function kinksInside(
  theta: Float64Array,
  width: number,
  activation: ActivationFn,
): number {
  if (!activation.piecewise) return 0;
  let count = 0;
  for (let i = 0; i < width; i++) {
    const xi = kinkOf(theta, width, i);
    if (xi > 0 && xi < 1) count++;
  }
  return count;
}
