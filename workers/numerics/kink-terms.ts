/**
 * The Leibniz terms of the `analytic` gradient: what the Dirac delta of σ″
 * at a kink contributes, integrated (deep-ritz.md, "Gradient methods").
 *
 * Where neuron i's kink ξᵢ = −aᵢ/wᵢ lies in (0, 1), u′ jumps by
 * [u′]ᵢ = g(ξᵢ) cᵢ |wᵢ| J (J = σ′(0⁺) − σ′(0⁻)), the energy density
 * F = ½κu′² − bu jumps by Δᵢ = F(ξᵢ⁻) − F(ξᵢ⁺) = −κ(ξᵢ) [u′]ᵢ ⟨u′⟩ᵢ, and
 * moving ξᵢ changes the loss by Δᵢ per unit. With ∂ξᵢ/∂aᵢ = −1/wᵢ and
 * ∂ξᵢ/∂wᵢ = −ξᵢ/wᵢ: ∂L/∂aᵢ += −Δᵢ/wᵢ, ∂L/∂wᵢ += −Δᵢ ξᵢ/wᵢ.
 * (See node-set.ts for ξᵢ = −aᵢ/wᵢ when wᵢ = 0.)
 */
import type { ActivationFn } from './activations.ts';
import type { Boundary } from './boundary.ts';
import type { ProblemFn } from './problems.ts';
import type { Workspace } from './ritz-kernel.ts';

/** What the kink terms need to know about the run. */
export interface KinkContext {
  problem: ProblemFn;
  boundary: Boundary;
  activation: ActivationFn;
}

/**
 * Adds the Leibniz term of every kink inside (0, 1) to a gradient. Holds
 * its own buffers: the kinks, and κ, b, g, g′ there, computed in batches.
 */
export class KinkTerms {
  private readonly xi: Float64Array;
  private readonly neuron: Int32Array;
  private readonly kappa: Float64Array;
  private readonly b: Float64Array;
  private readonly g: Float64Array;
  private readonly dg: Float64Array;

  constructor(
    private readonly run: KinkContext,
    width: number,
  ) {
    this.xi = new Float64Array(width);
    this.neuron = new Int32Array(width);
    this.kappa = new Float64Array(width);
    this.b = new Float64Array(width);
    this.g = new Float64Array(width);
    this.dg = new Float64Array(width);
  }

  /**
   * Adds every kink's term to `out`. Nothing to add when σ′ has no jump.
   * Cost: O(W) per kink.
   */
  add(theta: Float64Array, ws: Workspace, out: Float64Array): void {
    const { activation, boundary, problem } = this.run;
    if (activation.jump === 0) return;
    const width = ws.width;
    const count = this.collect(theta, width);
    problem.coefficients(this.xi, count, this.kappa, this.b);
    boundary.factors(this.xi, count, this.g, this.dg);
    ws.load(theta);

    for (let j = 0; j < count; j++) {
      const i = this.neuron[j];
      const xi = this.xi[j];
      const w = theta[i];
      const c = theta[2 * width + i];
      ws.networkAt(this.xi, j, theta, activation);
      // Neuron i sits exactly on its kink, where z rounds to ±tiny or 0:
      // its one-sided slope is replaced by the mean of both sides.
      const slopeMean = ws.slope + c * w * (activation.slopeAtKink - ws.s1[i]);
      const g = this.g[j];
      const duMean = this.dg[j] * ws.value + g * slopeMean;
      const duJump = g * c * Math.abs(w) * activation.jump;
      const delta = -this.kappa[j] * duJump * duMean;
      out[width + i] -= delta / w;
      out[i] -= (delta * xi) / w;
    }
  }

  /** Writes the kinks inside (0, 1) and their neurons; returns how many. */
  private collect(theta: Float64Array, width: number): number {
    let count = 0;
    for (let i = 0; i < width; i++) {
      const xi = -theta[width + i] / theta[i];
      if (!(xi > 0 && xi < 1)) continue;
      this.xi[count] = xi;
      this.neuron[count] = i;
      count++;
    }
    return count;
  }
}
