/**
 * Gauss–Legendre rules computed by Newton's method: exact for polynomials of
 * degree 2q − 1 and no higher; the composite and midpoint rules on [0, 1].
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fillCompositeGauss,
  fillMidpoint,
  gaussLegendre,
  legendre,
  MAX_GAUSS_POINTS,
  mergeMesh,
  sortPrefix,
} from '../../workers/numerics/quadrature.ts';

const EPS = Number.EPSILON;

function integrate(q: number, f: (x: number) => number): number {
  const { nodes, weights } = gaussLegendre(q);
  let sum = 0;
  for (let j = 0; j < q; j++) sum += weights[j] * f(nodes[j]);
  return sum;
}

/** ∫₋₁¹ xᵏ dx. */
function monomialIntegral(k: number): number {
  return k % 2 === 1 ? 0 : 2 / (k + 1);
}

for (let q = 1; q <= MAX_GAUSS_POINTS; q++) {
  test(`${q}-point Gauss–Legendre is exact for x^k, k ≤ ${2 * q - 1}`, () => {
    for (let k = 0; k <= 2 * q - 1; k++) {
      const error = Math.abs(integrate(q, (x) => x ** k) - monomialIntegral(k));
      // q products and sums of terms ≤ 2: a few ulp of 2.
      assert.ok(error <= 4 * q * EPS, `x^${k}: error ${error}`);
    }
    // Degree 2q is not exact: the error is ∫ P_q² · (leading factor) ≠ 0,
    // which shows the nodes are the true Legendre roots and nothing else.
    const k = 2 * q;
    const error = Math.abs(integrate(q, (x) => x ** k) - monomialIntegral(k));
    assert.ok(error > 1e-6, `x^${k} should not be exact (error ${error})`);
  });

  test(`${q}-point rule: symmetric roots of P_${q}, positive weights`, () => {
    const { nodes, weights } = gaussLegendre(q);
    let total = 0;
    for (let j = 0; j < q; j++) {
      assert.ok(nodes[j] === -nodes[q - 1 - j], `node ${j} mirrored`);
      assert.equal(weights[j], weights[q - 1 - j]);
      assert.ok(weights[j] > 0);
      if (j > 0) assert.ok(nodes[j] > nodes[j - 1]);
      assert.ok(Math.abs(legendre(q, nodes[j])[0]) <= 8 * q * EPS);
      total += weights[j];
    }
    assert.ok(Math.abs(total - 2) <= 4 * q * EPS);
  });
}

test('the 2- and 3-point rules are the closed forms ±1/√3 and 0, ±√(3/5)', () => {
  const two = gaussLegendre(2);
  assert.ok(Math.abs(two.nodes[1] - 1 / Math.sqrt(3)) <= EPS);
  assert.ok(Math.abs(two.weights[0] - 1) <= 2 * EPS);
  const three = gaussLegendre(3);
  assert.equal(three.nodes[1], 0);
  assert.ok(Math.abs(three.nodes[2] - Math.sqrt(3 / 5)) <= EPS);
  assert.ok(Math.abs(three.weights[1] - 8 / 9) <= 2 * EPS);
  assert.ok(Math.abs(three.weights[0] - 5 / 9) <= 2 * EPS);
});

test('gauss points outside 1 … 10 are refused', () => {
  assert.throws(() => gaussLegendre(0), RangeError);
  assert.throws(() => gaussLegendre(11), RangeError);
  assert.throws(() => gaussLegendre(2.5), RangeError);
});

test('the composite rule is exact for a piecewise cubic split at its kinks', () => {
  // f = |x − 0.3|³ + (x − 0.71)₊², kinks at 0.3 and 0.71, on a 5-cell mesh.
  const f = (x: number) => Math.abs(x - 0.3) ** 3 + Math.max(x - 0.71, 0) ** 2;
  const exact = (0.3 ** 4 + 0.7 ** 4) / 4 + 0.29 ** 3 / 3;
  const extra = new Float64Array([0.71, 0.3, 0]);
  sortPrefix(extra, 2);
  assert.deepEqual(Array.from(extra.subarray(0, 2)), [0.3, 0.71]);
  const breaks = new Float64Array(8);
  const count = mergeMesh(5, extra, 2, breaks);
  assert.equal(count, 8);

  const x = new Float64Array(32);
  const w = new Float64Array(32);
  const n = fillCompositeGauss(breaks, count, gaussLegendre(2), x, w);
  assert.equal(n, 14, 'seven pieces of two points each');
  let sum = 0;
  for (let k = 0; k < n; k++) sum += w[k] * f(x[k]);
  assert.ok(Math.abs(sum - exact) <= 8 * EPS, `${sum} vs ${exact}`);

  // Without the split at the kinks the same rule is visibly wrong.
  const plain = new Float64Array(6);
  const plainCount = mergeMesh(5, extra, 0, plain);
  const m = fillCompositeGauss(plain, plainCount, gaussLegendre(2), x, w);
  let rough = 0;
  for (let k = 0; k < m; k++) rough += w[k] * f(x[k]);
  assert.ok(Math.abs(rough - exact) > 1e-5);
});

test('a breakpoint on a mesh point leaves an empty piece out', () => {
  const extra = new Float64Array([0.5]);
  const breaks = new Float64Array(6);
  const count = mergeMesh(4, extra, 1, breaks);
  const x = new Float64Array(40);
  const w = new Float64Array(40);
  assert.equal(fillCompositeGauss(breaks, count, gaussLegendre(3), x, w), 12);
});

test('the midpoint rule has nodes (k + ½)/N and weights 1/N', () => {
  const x = new Float64Array(4);
  const w = new Float64Array(4);
  fillMidpoint(4, x, w);
  assert.deepEqual(Array.from(x), [0.125, 0.375, 0.625, 0.875]);
  assert.deepEqual(Array.from(w), [0.25, 0.25, 0.25, 0.25]);
});
