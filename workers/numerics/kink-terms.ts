/**
 * The Leibniz terms of the `analytic` gradient: what the Dirac delta of σ″
 * at a kink contributes, integrated (deep-ritz.md, "Gradient methods").
 *
 * Where neuron i's kink ξᵢ = −aᵢ/wᵢ lies in (0, 1), u′ jumps by
 * [u′]ᵢ = g(ξᵢ) cᵢ |wᵢ| J (J = σ′(0⁺) − σ′(0⁻)), the energy density
 * F = ½κu′² − bu jumps by Δᵢ = F(ξᵢ⁻) − F(ξᵢ⁺) = −κ(ξᵢ) [u′]ᵢ ⟨u′⟩ᵢ, and
 * moving ξᵢ changes the loss by Δᵢ per unit. With ∂ξᵢ/∂aᵢ = −1/wᵢ and
 * ∂ξᵢ/∂wᵢ = −ξᵢ/wᵢ: ∂L/∂aᵢ += −Δᵢ/wᵢ, ∂L/∂wᵢ += −Δᵢ ξᵢ/wᵢ.
 */
import type { ActivationFn } from './activations.ts';
import type { Boundary } from './boundary.ts';
import { kinkOf } from './node-set.ts';
import type { ProblemFn } from './problems.ts';
import type { Workspace } from './ritz-kernel.ts';

/** What the kink terms need to know about the run. */
export interface KinkContext {
  problem: ProblemFn;
  boundary: Boundary;
  activation: ActivationFn;
}

/**
 * Adds the Leibniz term of every kink inside (0, 1) to the gradient `out`.
 * Nothing to add when σ′ has no jump. Cost: O(W) per kink.
 */
export function addKinkTerms(
  theta: Float64Array,
  run: KinkContext,
  ws: Workspace,
  out: Float64Array,
): void {
  const { activation, boundary, problem } = run;
  if (activation.jump === 0) return;
  const width = ws.width;
  ws.load(theta);

  for (let i = 0; i < width; i++) {
    const xi = kinkOf(theta, width, i);
    if (!(xi > 0 && xi < 1)) continue;
    const w = theta[i];
    const c = theta[2 * width + i];

    const n = ws.networkAt(xi, theta, activation);
    const np = ws.slope;
    // Neuron i sits exactly on its kink, where z rounds to ±tiny or 0:
    // its one-sided slope is replaced by the mean of both sides.
    const npMean = np + c * w * (activation.slopeAtKink - ws.s1[i]);

    const g = boundary.g(xi);
    const duMean = boundary.dg(xi) * n + g * npMean;
    const duJump = g * c * Math.abs(w) * activation.jump;
    const delta = -problem.kappa(xi) * duJump * duMean;
    out[width + i] -= delta / w;
    out[i] -= (delta * xi) / w;
  }
}
