/**
 * The run's metrics at parameters whose u is known in closed form, so the
 * expected errors and energies come from integrals done by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  agreement,
  gradientCheck,
  solutionMetrics,
  solutionSamples,
} from '../../workers/numerics/metrics.ts';
import { initParams } from '../../workers/numerics/params.ts';
import { parseRunConfig } from '../../workers/run-config.ts';

const PI = Math.PI;

/** The fine rule is exact to rounding for these integrands: 1e-13. */
function assertClose(got: number, expected: number, what: string) {
  assert.ok(
    Math.abs(got - expected) <= 1e-13 * Math.max(1, Math.abs(expected)),
    `${what}: ${got} vs ${expected}`,
  );
}

test('u = δ (penalty, c = 0) on sine: errors and energy by hand', () => {
  const delta = 0.3;
  const config = parseRunConfig({ bc: 'penalty', width: 3 });
  const theta = new Float64Array([1, 2, 3, 0.1, 0.2, 0.3, 0, 0, 0, delta]);
  const m = solutionMetrics(config, theta);
  // ∫(δ − sin πx)² = δ² − 4δ/π + ½, ‖u*‖² = ½, ∫ π² sin(πx) δ = 2πδ.
  assertClose(
    m.rel_l2,
    Math.sqrt((delta ** 2 - (4 * delta) / PI + 0.5) / 0.5),
    'rel_l2',
  );
  assertClose(m.rel_h1, 1, 'rel_h1');
  assertClose(m.energy, -2 * PI * delta, 'energy');
  assertClose(m.energy_gap, -2 * PI * delta + PI ** 2 / 4, 'energy_gap');
  assert.equal(m.kinks_inside, 0);
});

test('u = (x − s)₊ (relu, penalty) on sine: the kink is integrated exactly', () => {
  const s = 0.3;
  const config = parseRunConfig({
    activation: 'relu',
    bc: 'penalty',
    width: 3,
  });
  // Neuron 0 carries u; neuron 1 has its kink at 0.75 but c = 0; neuron 2
  // has its kink at −1, outside.
  const theta = new Float64Array([1, -4, 1, -s, 3, 1, 1, 0, 0, 0]);
  const m = solutionMetrics(config, theta);
  // I = ∫ₛ¹ (x − s) sin πx = (1 − s)/π − sin(πs)/π².
  const i = (1 - s) / PI - Math.sin(PI * s) / PI ** 2;
  const l2 = 0.5 - 2 * i + (1 - s) ** 3 / 3;
  const h1 = PI ** 2 / 2 + 2 * Math.sin(PI * s) + (1 - s);
  assertClose(m.rel_l2, Math.sqrt(l2 / 0.5), 'rel_l2');
  assertClose(m.rel_h1, Math.sqrt(h1 / (PI ** 2 / 2)), 'rel_h1');
  assertClose(m.energy, (1 - s) / 2 - PI ** 2 * i, 'energy');
  assert.equal(m.kinks_inside, 2);
});

test('the exact solution has zero error and zero energy gap', () => {
  // interface with k = 1: u* = x(1 − x)/2, the ansatz with N ≡ ½.
  const config = parseRunConfig({
    problem: 'interface',
    interface_k: 1,
    width: 2,
  });
  const theta = new Float64Array([1, 1, 0, 0, 0, 0, 0.5]);
  const m = solutionMetrics(config, theta);
  assert.ok(m.rel_l2 <= 1e-15 && m.rel_h1 <= 1e-15);
  // Π is a sum of ~8000 node terms with Σ|terms| ≈ 0.05: random-walk
  // rounding √8000·ε·0.05 ≈ 5e-16; 4e-15 is 8 times that.
  assert.ok(Math.abs(m.energy_gap) <= 4e-15, `gap ${m.energy_gap}`);
  assertClose(m.energy, -1 / 24, 'Π[x(1 − x)/2] = −½ ∫ u*');
});

test('agreement: cosine and relative difference of two gradients', () => {
  const a = new Float64Array([3, 4]);
  assert.deepEqual(agreement(a, a), { cos: 1, rel: 0 });
  const b = agreement(new Float64Array([-4, 3]), a);
  assert.equal(b.cos, 0);
  assert.equal(b.rel, Math.SQRT2);
  assert.equal(agreement(new Float64Array([6, 8]), a).rel, 1);
});

test('the gradient check tells a kinked autodiff from the others', () => {
  const tanh = parseRunConfig({ activation: 'tanh', width: 6 });
  const smooth = gradientCheck(tanh, initParams(tanh));
  assert.ok(smooth.gc_autodiff_rel < 1e-6 && smooth.gc_analytic_rel < 1e-6);
  assert.ok(Math.abs(smooth.gc_autodiff_cos - 1) < 1e-12);

  const relu = parseRunConfig({
    activation: 'relu',
    width: 6,
    quadrature: 'midpoint',
  });
  const kinked = gradientCheck(relu, initParams(relu));
  assert.ok(
    kinked.gc_autodiff_rel > 1e-3,
    `autodiff ${kinked.gc_autodiff_rel}`,
  );
  assert.ok(
    kinked.gc_analytic_rel < 1e-6,
    `analytic ${kinked.gc_analytic_rel}`,
  );
  assert.ok(kinked.gc_autodiff_cos < 1 - 1e-9);
});

test('samples hold u and u* at x = k/100', () => {
  const config = parseRunConfig({
    problem: 'interface',
    interface_k: 1,
    width: 2,
  });
  const theta = new Float64Array([1, 1, 0, 0, 0, 0, 0.5]);
  const { x, u, u_star } = solutionSamples(config, theta);
  assert.equal(x.length, 101);
  assert.equal(x[37], 0.37);
  assert.equal(x[100], 1);
  for (let k = 0; k <= 100; k++) {
    assert.ok(Math.abs(u[k] - (x[k] * (1 - x[k])) / 2) <= 1e-16);
    assert.ok(Math.abs(u_star[k] - u[k]) <= 1e-16);
  }
});
