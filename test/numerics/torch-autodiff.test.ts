/**
 * `autodiff` must equal what PyTorch computes for the same loss: u′ by
 * autograd.grad(create_graph=True) at fixed midpoint nodes, the mean
 * energy, then backward(). The reference values were produced once by
 * bench/torch-gradient-fixture.py (PyTorch 1.13, float64) and committed, so
 * this test runs without torch.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createModel } from '../../workers/numerics/model.ts';
import {
  paramsFromObject,
  paramsToObject,
} from '../../workers/numerics/params.ts';
import { parseRunConfig } from '../../workers/run-config.ts';

interface Params {
  w: number[];
  a: number[];
  c: number[];
  d: number;
}

interface FixtureCase {
  theta_kind: string;
  config: {
    activation: string;
    width: number;
    nodes: number;
    bc: string;
    problem: string;
    beta: number;
    interface_k: number;
  };
  theta: Params;
  loss: number;
  loss_scale: number;
  gradient: Params;
  scale: Params;
  nodes_on_kinks: number;
}

const fixture = JSON.parse(
  readFileSync(
    new URL('../fixtures/torch-deep-ritz-gradients.json', import.meta.url),
    'utf8',
  ),
) as { torch: string; cases: FixtureCase[] };

/**
 * Tolerance relative to the scale of the terms summed, not to the sum.
 *
 * Both sides evaluate the same expressions in float64, in different orders
 * and with different (few-ulp) exp/tanh. A gradient component is a mean of
 * N node terms t_k, each a chain of ~20 operations, so each side's error is
 * at most about (20 + N) ε Σ|t_k| / N = (20 + N) ε S with ε = 1.1e-16 and
 * S the committed scale: ≤ 3e-14 S for N ≤ 256, 6e-14 S for the difference
 * of two sides. 1e-12 S leaves a margin of 15. A genuine discrepancy is far
 * larger: a different convention at one node of N changes the component by
 * about S / N (≥ 4e-3 S here), a wrong formula by O(S).
 */
const TOLERANCE = 1e-12;

function label(c: FixtureCase): string {
  const k = c.config;
  return (
    `${k.activation}, ${c.theta_kind} θ, ${k.bc}, ${k.problem}, ` +
    `W ${k.width}, N ${k.nodes}`
  );
}

for (const c of fixture.cases) {
  test(`autodiff equals PyTorch: ${label(c)}`, () => {
    const config = parseRunConfig({
      ...c.config,
      quadrature: 'midpoint',
      gradient: 'autodiff',
    });
    const model = createModel(config);
    const theta = paramsFromObject(c.theta, config.width);
    const gradient = new Float64Array(model.size);

    const loss = model.gradient(theta, gradient, 'autodiff');

    assertClose(loss, c.loss, c.loss_scale, 'loss from gradient()');
    assertClose(model.loss(theta), c.loss, c.loss_scale, 'loss()');
    assertGradientsEqual(paramsToObject(gradient), c.gradient, c.scale);
  });
}

function assertGradientsEqual(ours: Params, torch: Params, scale: Params) {
  for (const key of ['w', 'a', 'c'] as const) {
    torch[key].forEach((expected, i) => {
      assertClose(ours[key][i], expected, scale[key][i], `∂L/∂${key}[${i}]`);
    });
  }
  assertClose(ours.d, torch.d, scale.d, '∂L/∂d');
}

function assertClose(
  got: number,
  expected: number,
  scale: number,
  what: string,
) {
  const error = Math.abs(got - expected);
  assert.ok(
    error <= TOLERANCE * scale,
    `${what}: ${got} vs PyTorch ${expected}, error ` +
      `${error.toExponential(2)} > ${TOLERANCE} × scale ${scale.toExponential(2)}`,
  );
}

test('the fixture puts kinks exactly on nodes for every activation', () => {
  const onNodes = fixture.cases.filter(
    (c) => c.theta_kind === 'kinks-on-nodes',
  );
  assert.equal(onNodes.length, 9);
  for (const c of onNodes) assert.ok(c.nodes_on_kinks >= 3, label(c));
});
