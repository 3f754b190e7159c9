/**
 * The optimisers of a run, updating θ in place without allocating.
 */
import type { RunConfig } from '../run-config.ts';

/** Adam's constants, PyTorch's defaults. */
export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPS = 1e-8;

/** Updates θ from a gradient, one step at a time. */
export interface Optimizer {
  /**
   * θ ← θ − (step computed from the gradient).
   *
   * @returns false if any updated parameter is NaN or ±∞
   */
  step(theta: Float64Array, gradient: Float64Array): boolean;
}

/**
 * The run's optimiser.
 *
 * - `adam`: bias-corrected Adam in PyTorch's order of operations:
 *   m ← m + (1 − β₁)(g − m), v ← β₂v + (1 − β₂)g², θ ← θ − (lr/(1 − β₁ᵗ))·
 *   m / (√v / √(1 − β₂ᵗ) + ε).
 * - `sgd`: θ ← θ − lr·g.
 *
 * @param config `optimizer` and `lr` (learning rate)
 * @param size number of parameters
 */
export function createOptimizer(
  config: Pick<RunConfig, 'optimizer' | 'lr'>,
  size: number,
): Optimizer {
  return config.optimizer === 'adam' ? adam(config.lr, size) : sgd(config.lr);
}

function sgd(lr: number): Optimizer {
  return {
    step(theta, gradient) {
      let finite = true;
      for (let j = 0; j < theta.length; j++) {
        const value = theta[j] - lr * gradient[j];
        theta[j] = value;
        if (!Number.isFinite(value)) finite = false;
      }
      return finite;
    },
  };
}

function adam(lr: number, size: number): Optimizer {
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  // β₁ᵗ and β₂ᵗ as running products (exact-rounding arithmetic only), kept
  // in a typed array: a captured `let` would box a new number every step.
  const powers = new Float64Array([1, 1]);
  return {
    step(theta, gradient) {
      powers[0] *= ADAM_BETA1;
      powers[1] *= ADAM_BETA2;
      const stepSize = lr / (1 - powers[0]);
      const correction2 = Math.sqrt(1 - powers[1]);
      let finite = true;
      for (let j = 0; j < theta.length; j++) {
        const g = gradient[j];
        const mj = m[j] + (1 - ADAM_BETA1) * (g - m[j]);
        const vj = v[j] * ADAM_BETA2 + (1 - ADAM_BETA2) * g * g;
        m[j] = mj;
        v[j] = vj;
        const value =
          theta[j] - stepSize * (mj / (Math.sqrt(vj) / correction2 + ADAM_EPS));
        theta[j] = value;
        if (!Number.isFinite(value)) finite = false;
      }
      return finite;
    },
  };
}
