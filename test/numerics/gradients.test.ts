/**
 * The gradient check of deep-ritz.md at random θ, for every activation and
 * boundary mode: `analytic` equals `finite-difference`; `autodiff` equals
 * them when σ′ is continuous and misses the kink terms when it jumps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agreement } from '../../workers/numerics/metrics.ts';
import { createModel } from '../../workers/numerics/model.ts';
import { kinksInside } from '../../workers/numerics/node-set.ts';
import { initParams } from '../../workers/numerics/params.ts';
import {
  ACTIVATIONS,
  BOUNDARY_MODES,
  type GradientMethod,
  PROBLEMS,
  parseRunConfig,
  type RunConfig,
} from '../../workers/run-config.ts';

/**
 * Central differences with h = 1e-6 of a loss of size O(1) evaluated to
 * ~1e-15: rounding error ε·Σ|terms|/h ≈ 1e-9, truncation h²|L‴|/6 ≈ 1e-10
 * per component, so FD agrees with the exact gradient to ~1e-8 relative.
 * The bound 1e-5 keeps a margin of ~1000.
 */
const AGREE = 1e-5;
/** Kink terms are a visible share of the gradient: percents, not 1e-3. */
const DISAGREE = 1e-3;

function gradients(config: RunConfig, theta: Float64Array) {
  const model = createModel(config);
  const result = {} as Record<GradientMethod, Float64Array>;
  for (const method of ['autodiff', 'analytic', 'finite-difference'] as const) {
    result[method] = new Float64Array(model.size);
    const loss = model.gradient(theta, result[method], method);
    assert.equal(loss, model.loss(theta), `${method} returns the loss`);
  }
  return { model, ...result };
}

ACTIVATIONS.forEach((activation, a) => {
  BOUNDARY_MODES.forEach((bc, b) => {
    // Every problem comes up with every boundary mode across activations.
    const problem = PROBLEMS[(a + b) % PROBLEMS.length];
    const config = parseRunConfig({
      activation,
      bc,
      problem,
      width: 8,
      seed: 40 + a,
    });
    const name = `${activation}, ${bc}, ${problem}`;

    test(`${name}: analytic = finite-difference; autodiff as σ′ dictates`, () => {
      const theta = initParams(config);
      const g = gradients(config, theta);
      const analytic = agreement(g.analytic, g['finite-difference']);
      const autodiff = agreement(g.autodiff, g['finite-difference']);
      assert.ok(analytic.rel <= AGREE, `analytic vs FD: ${analytic.rel}`);

      if (g.model.activation.jump === 0) {
        assert.deepEqual(g.autodiff, g.analytic, 'no kink terms to add');
        assert.ok(autodiff.rel <= AGREE, `autodiff vs FD: ${autodiff.rel}`);
      } else {
        assert.ok(kinksInside(theta, config.width, g.model.activation) > 0);
        assert.ok(autodiff.rel > DISAGREE, `autodiff vs FD: ${autodiff.rel}`);
      }
    });
  });
});

test('relu on every problem and boundary mode, also from the torch init', () => {
  for (const problem of PROBLEMS) {
    for (const bc of BOUNDARY_MODES) {
      for (const init of ['spread', 'torch'] as const) {
        const config = parseRunConfig({
          activation: 'relu',
          problem,
          bc,
          init,
          width: 6,
          seed: 3,
        });
        const theta = initParams(config);
        const g = gradients(config, theta);
        const check = agreement(g.analytic, g['finite-difference']);
        assert.ok(
          check.rel <= AGREE,
          `${problem}, ${bc}, ${init}: ${check.rel}`,
        );
      }
    }
  }
});

test('kinks exactly on mesh points and a neuron with w = 0', () => {
  const config = parseRunConfig({
    activation: 'relu',
    width: 4,
    problem: 'variable-kappa',
  });
  // Kinks at 0.25 and 0.75 (mesh points of M = 64) and 0.3; w₃ = 0 has
  // none. (Where two kinks coincide, or a kink meets a jump of κ, L is not
  // differentiable: one-sided derivatives differ there.)
  const theta = new Float64Array([
    4, -4, 2, 0, -1, 3, -0.6, 0.3, 0.7, -0.4, 0.9, 0.5, 0.1,
  ]);
  const g = gradients(config, theta);
  const check = agreement(g.analytic, g['finite-difference']);
  assert.ok(check.rel <= AGREE, `analytic vs FD: ${check.rel}`);
  assert.ok(agreement(g.autodiff, g['finite-difference']).rel > DISAGREE);
});

test('finite-difference differentiates the gauss loss, also for midpoint', () => {
  const base = { activation: 'tanh', width: 5, seed: 9 } as const;
  const midpoint = createModel(
    parseRunConfig({ ...base, quadrature: 'midpoint', nodes: 64 }),
  );
  const gauss = createModel(parseRunConfig({ ...base, quadrature: 'gauss' }));
  const theta = initParams(parseRunConfig(base));
  const fromMidpoint = new Float64Array(midpoint.size);
  const fromGauss = new Float64Array(gauss.size);
  const loss = midpoint.gradient(theta, fromMidpoint, 'finite-difference');
  gauss.gradient(theta, fromGauss, 'finite-difference');
  assert.deepEqual(fromMidpoint, fromGauss);
  assert.equal(loss, midpoint.loss(theta), 'the loss is the training rule’s');
  assert.notEqual(loss, gauss.loss(theta));
});
