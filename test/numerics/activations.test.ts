/**
 * σ′ and σ″ of every activation against finite differences of σ and σ′,
 * the kink data against one-sided limits, and the layer form against the
 * pointwise form.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  getActivation,
  LEAKY_SLOPE,
} from '../../workers/numerics/activations.ts';
import { ACTIVATIONS } from '../../workers/run-config.ts';

/** Points in [−6, 6] kept away from the kink at 0. */
const POINTS = Array.from({ length: 241 }, (_, k) => -6 + k * 0.05).filter(
  (z) => Math.abs(z) > 0.01,
);

/**
 * Central difference with h = 1e-5: truncation h²|f‴|/6 ≤ 2e-10 for these
 * functions (|f‴| ≲ 10 on [−6, 6]), rounding ≈ 1e-16·|f|/h ≤ 1e-10 for
 * |f| ≤ 6. 1e-8 (absolute plus relative) is ~50× above both and far below
 * any wrong formula (a wrong coefficient is off by O(1)).
 */
const H = 1e-5;
const TOLERANCE = 1e-8;

function central(f: (z: number) => number, z: number): number {
  return (f(z + H) - f(z - H)) / (2 * H);
}

for (const name of ACTIVATIONS) {
  const act = getActivation(name);

  test(`${name}: σ′ and σ″ equal finite differences of σ and σ′`, () => {
    for (const z of POINTS) {
      const d1 = central(act.sigma, z);
      const d2 = central(act.d1, z);
      assert.ok(
        Math.abs(act.d1(z) - d1) <= TOLERANCE * (1 + Math.abs(d1)),
        `σ′(${z}) = ${act.d1(z)}, difference quotient ${d1}`,
      );
      assert.ok(
        Math.abs(act.d2(z) - d2) <= TOLERANCE * (1 + Math.abs(d2)),
        `σ″(${z}) = ${act.d2(z)}, difference quotient ${d2}`,
      );
    }
  });

  test(`${name}: the jump of σ′ at 0 is its one-sided limits' difference`, () => {
    const tiny = 1e-9;
    const right = act.d1(tiny);
    const left = act.d1(-tiny);
    // Smooth σ′ moves by |σ″|·2e-9 ≤ 1e-8 across [−1e-9, 1e-9].
    assert.ok(Math.abs(right - left - act.jump) <= 1e-8, `jump ${act.jump}`);
    assert.equal(act.kinked, act.jump !== 0);
    if (act.kinked) {
      assert.equal(act.slopeAtKink, (right + left) / 2);
      assert.ok(act.piecewise, 'a kinked σ splits the quadrature');
    }
  });

  test(`${name}: the layer form equals the pointwise form bit for bit`, () => {
    const width = 7;
    const theta = new Float64Array(3 * width + 1);
    for (let i = 0; i < width; i++) {
      theta[i] = -3 + i;
      theta[width + i] = 0.7 - 0.3 * i;
    }
    const s0 = new Float64Array(width);
    const s1 = new Float64Array(width);
    const s2 = new Float64Array(width);
    const xs = new Float64Array([0, 0.1, 0.5, 0.93, 1]);
    for (let k = 0; k < xs.length; k++) {
      const x = xs[k];
      act.layer(xs, k, theta, width, s0, s1, s2);
      for (let i = 0; i < width; i++) {
        const z = theta[i] * x + theta[width + i];
        assert.equal(s0[i], act.sigma(z), `σ(${z})`);
        assert.equal(s1[i], act.d1(z), `σ′(${z})`);
        assert.equal(s2[i], act.d2(z), `σ″(${z})`);
      }
    }
  });
}

test('the ReLU family follows the framework conventions at z = 0', () => {
  const relu = getActivation('relu');
  assert.deepEqual([relu.sigma(0), relu.d1(0), relu.d2(0)], [0, 0, 0]);
  assert.deepEqual([relu.d1(1e-300), relu.d1(-1e-300)], [1, 0]);
  assert.equal(relu.jump, 1);

  const leaky = getActivation('leaky-relu');
  assert.deepEqual([leaky.d1(0), leaky.d2(0)], [LEAKY_SLOPE, 0]);
  assert.equal(leaky.sigma(-2), -2 * LEAKY_SLOPE);
  assert.equal(leaky.jump, 1 - LEAKY_SLOPE);

  const relu2 = getActivation('relu2');
  assert.deepEqual([relu2.d1(0), relu2.d2(0), relu2.d2(1e-300)], [0, 0, 2]);
  assert.equal(relu2.jump, 0);
  assert.equal(relu2.kinked, false);
  assert.equal(relu2.piecewise, true);
});

test('smooth activations keep their derivatives finite in the far tails', () => {
  for (const name of ACTIVATIONS) {
    const act = getActivation(name);
    for (const z of [-800, -50, 50, 800]) {
      for (const f of [act.sigma, act.d1, act.d2]) {
        assert.ok(Number.isFinite(f(z)), `${name} at ${z}`);
      }
    }
  }
  assert.equal(getActivation('tanh').d1(50), 0);
  assert.equal(getActivation('sigmoid').sigma(50), 1);
  assert.equal(getActivation('softplus').sigma(800), 800);
});
