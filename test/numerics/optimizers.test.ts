/**
 * Adam and SGD steps against what their definitions give in closed form.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ADAM_BETA1,
  ADAM_BETA2,
  ADAM_EPS,
  createOptimizer,
} from '../../workers/numerics/optimizers.ts';

test('sgd moves θ by −lr·g exactly', () => {
  const sgd = createOptimizer({ optimizer: 'sgd', lr: 0.125 }, 3);
  const theta = new Float64Array([1, -2, 0.5]);
  assert.equal(sgd.step(theta, new Float64Array([8, 4, -2])), true);
  assert.deepEqual(Array.from(theta), [0, -2.5, 0.75]);
});

test('adam under a constant gradient moves every step by lr·g/(|g| + ε)', () => {
  // With g constant, m̂ₜ = g and v̂ₜ = g² for every t (bias correction
  // undoes the averaging exactly), so each step is lr·g/(|g| + ε).
  const lr = 1e-2;
  const g = new Float64Array([3, -0.5, 1e-9, 0]);
  const adam = createOptimizer({ optimizer: 'adam', lr }, g.length);
  const theta = new Float64Array(g.length);
  const expected = new Float64Array(g.length);
  for (let step = 1; step <= 50; step++) {
    adam.step(theta, g);
    for (let j = 0; j < g.length; j++) {
      expected[j] -= (lr * g[j]) / (Math.abs(g[j]) + ADAM_EPS);
      // Rounding of the moving averages and powers: ~1e-15 relative per
      // step, accumulated over 50 steps.
      const tolerance = 1e-13 * Math.abs(expected[j]);
      assert.ok(
        Math.abs(theta[j] - expected[j]) <= tolerance,
        `step ${step}, θ[${j}] = ${theta[j]} vs ${expected[j]}`,
      );
    }
  }
  assert.equal(theta[3], 0, 'a zero gradient never moves');
});

test('adam follows its recurrences for a changing gradient', () => {
  const lr = 0.05;
  const adam = createOptimizer({ optimizer: 'adam', lr }, 1);
  const theta = new Float64Array([0.3]);
  let m = 0;
  let v = 0;
  let reference = 0.3;
  for (let t = 1; t <= 20; t++) {
    const g = Math.cos(t) * 2 ** (t % 5);
    adam.step(theta, new Float64Array([g]));
    m = ADAM_BETA1 * m + (1 - ADAM_BETA1) * g;
    v = ADAM_BETA2 * v + (1 - ADAM_BETA2) * g * g;
    const mHat = m / (1 - ADAM_BETA1 ** t);
    const vHat = v / (1 - ADAM_BETA2 ** t);
    reference -= (lr * mHat) / (Math.sqrt(vHat) + ADAM_EPS);
    assert.ok(Math.abs(theta[0] - reference) <= 1e-14, `t = ${t}`);
  }
});

test('a step that makes a parameter NaN or infinite reports it', () => {
  for (const optimizer of ['adam', 'sgd'] as const) {
    const opt = createOptimizer({ optimizer, lr: 1 }, 2);
    const theta = new Float64Array([1, 1]);
    assert.equal(opt.step(theta, new Float64Array([1, Number.NaN])), false);
    const big = createOptimizer({ optimizer, lr: 1e308 }, 1);
    const huge = new Float64Array([-1e308]);
    assert.equal(big.step(huge, new Float64Array([1e10])), false, 'overflow');
  }
});
