/**
 * Each problem's u* solves −(κu*′)′ = b with u*(0) = u*(1) = 0, and its
 * energy Π[u*] is what the closed forms derived here say.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getProblem, type ProblemFn } from '../../workers/numerics/problems.ts';
import {
  fillCompositeGauss,
  gaussLegendre,
  mergeMesh,
} from '../../workers/numerics/quadrature.ts';
import { PROBLEMS } from '../../workers/run-config.ts';

const PI2 = Math.PI ** 2;

/** C of κu′ = C − x for `interface`, from ∫₀¹ u′ = 0. */
function interfaceFlux(k: number): number {
  // ∫₀^½ (C − x) dx + ∫½¹ (C − x)/k dx = (C/2 − 1/8) + (C/2 − 3/8)/k = 0.
  return (1 / 8 + 3 / (8 * k)) / (1 / 2 + 1 / (2 * k));
}

/**
 * Π[u*] = −½ ∫ κ u*′² (the weak form gives ∫ κu*′² = ∫ b u*), worked out by
 * hand for each problem.
 */
function energyByHand(name: string, k: number): number {
  switch (name) {
    case 'sine':
      return -0.5 * PI2 * 0.5; // ∫ π² cos² πx = π²/2
    case 'variable-kappa':
      return -0.5 * PI2 * (0.5 + 0.25); // ∫ (1 + x) cos² πx = ½ + ¼
    case 'multiscale':
      return -0.5 * PI2 * (0.5 + 0.64 * 0.5); // cos πx ⟂ cos 8πx
    default: {
      const c = interfaceFlux(k);
      // ∫₀^½ (C − x)² + ∫½¹ (C − x)²/k, antiderivative −(C − x)³/3.
      const left = (c ** 3 - (c - 0.5) ** 3) / 3;
      const right = ((c - 0.5) ** 3 - (c - 1) ** 3) / (3 * k);
      return -0.5 * (left + right);
    }
  }
}

/** ∫₀¹ f by 10-point Gauss on 256 cells split at the breakpoints. */
function integrate(problem: ProblemFn, f: (x: number) => number): number {
  const extra = new Float64Array(problem.breakpoints);
  const breaks = new Float64Array(257 + extra.length);
  const count = mergeMesh(256, extra, extra.length, breaks);
  const x = new Float64Array(10 * count);
  const w = new Float64Array(10 * count);
  const n = fillCompositeGauss(breaks, count, gaussLegendre(10), x, w);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += w[j] * f(x[j]);
  return sum;
}

const CASES = [
  ...PROBLEMS.filter((p) => p !== 'interface').map((p) => ({ name: p, k: 10 })),
  { name: 'interface', k: 10 },
  { name: 'interface', k: 1 },
  { name: 'interface', k: 3.5 },
] as const;

for (const { name, k } of CASES) {
  const problem = getProblem({ problem: name, interface_k: k });
  const label = name === 'interface' ? `interface (k ${k})` : name;
  const awayFromBreaks = Array.from({ length: 99 }, (_, j) => (j + 1) / 100)
    .map((x) => x + 0.003)
    .filter((x) => problem.breakpoints.every((b) => Math.abs(x - b) > 1e-3));

  test(`${label}: u* vanishes at both ends`, () => {
    assert.ok(Math.abs(problem.u(0)) <= 1e-15);
    assert.ok(Math.abs(problem.u(1)) <= 1e-15);
  });

  test(`${label}: u*′ is the derivative of u*`, () => {
    const h = 1e-6;
    for (const x of awayFromBreaks) {
      const slope = (problem.u(x + h) - problem.u(x - h)) / (2 * h);
      // Truncation h²|u‴|/6 ≤ 1e-12·(8π)³/6 < 1e-8; rounding 1e-16/1e-6.
      assert.ok(Math.abs(problem.du(x) - slope) <= 1e-7, `at ${x}`);
    }
  });

  test(`${label}: −(κu*′)′ = b`, () => {
    const h = 1e-5;
    const flux = (x: number) => problem.kappa(x) * problem.du(x);
    for (const x of awayFromBreaks) {
      const divergence = -(flux(x + h) - flux(x - h)) / (2 * h);
      // Truncation h²|flux‴|/6 ≤ 1e-10·0.8π(8π)³/6 ≈ 7e-7 (multiscale).
      assert.ok(
        Math.abs(divergence - problem.b(x)) <=
          2e-6 * (1 + Math.abs(problem.b(x))),
        `at ${x}: ${divergence} vs b = ${problem.b(x)}`,
      );
    }
  });

  test(`${label}: Π[u*] equals its closed form, also by quadrature`, () => {
    const expected = energyByHand(name, k);
    // Two different formulas in ~10 roundings each; the differences of
    // cubes in energyByHand lose up to ~10× more: 1e-14 relative.
    assert.ok(
      Math.abs(problem.energy - expected) <= 1e-14 * Math.abs(expected),
    );
    const density = (x: number) =>
      0.5 * problem.kappa(x) * problem.du(x) ** 2 - problem.b(x) * problem.u(x);
    const byQuadrature = integrate(problem, density);
    // 10-point Gauss on 256 cells is exact to rounding here: ~1e-15.
    assert.ok(
      Math.abs(byQuadrature - expected) <= 1e-14,
      `${byQuadrature} vs ${expected}`,
    );
    const weakForm =
      -0.5 * integrate(problem, (x) => problem.b(x) * problem.u(x));
    assert.ok(Math.abs(weakForm - expected) <= 1e-14);
  });
}

test('sine: Π[u*] = −π²/4', () => {
  const sine = getProblem({ problem: 'sine', interface_k: 10 });
  assert.equal(sine.energy, -PI2 / 4);
  assert.ok(Math.abs(sine.energy + 2.4674011002723395) <= 1e-15);
});

test('interface: u* and the flux κu*′ are continuous at ½, u*′ is not', () => {
  const k = 10;
  const p = getProblem({ problem: 'interface', interface_k: k });
  const below = 0.5 - 1e-12;
  assert.ok(Math.abs(p.u(below) - p.u(0.5)) <= 1e-12);
  assert.ok(Math.abs(p.kappa(below) * p.du(below) - k * p.du(0.5)) <= 1e-11);
  assert.ok(Math.abs(p.du(below) - p.du(0.5)) > 0.1);
  assert.deepEqual(p.breakpoints, [0.5]);
  // k = 1 is the constant-coefficient case u* = x(1 − x)/2.
  const plain = getProblem({ problem: 'interface', interface_k: 1 });
  for (const x of [0.1, 0.5, 0.77]) {
    assert.ok(Math.abs(plain.u(x) - (x * (1 - x)) / 2) <= 1e-16);
  }
});
