/**
 * The training gauss rule, kept as fixed uniform cells plus the cells cut
 * at θ, against the rule built in one piece at every θ: merged mesh,
 * composite Gauss–Legendre over it, data at every node. Same nodes, same
 * arithmetic: the node sets must be equal to the bit, and so the kernel's
 * loss and gradient on them (tolerance 0), also along a sequence of θ in
 * which kinks cross cells, leave (0, 1) and come back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getActivation } from '../../workers/numerics/activations.ts';
import { getBoundary } from '../../workers/numerics/boundary.ts';
import { gaussRule } from '../../workers/numerics/gauss-rule.ts';
import { NodeSet, type RuleContext } from '../../workers/numerics/node-set.ts';
import { createRng } from '../../workers/numerics/prng.ts';
import { getProblem } from '../../workers/numerics/problems.ts';
import {
  fillCompositeGauss,
  gaussLegendre,
  mergeMesh,
} from '../../workers/numerics/quadrature.ts';
import { ritzGradient, Workspace } from '../../workers/numerics/ritz-kernel.ts';
import {
  type Activation,
  BOUNDARY_MODES,
  type BoundaryMode,
  PROBLEMS,
  type Problem,
} from '../../workers/run-config.ts';

/** The rule at θ built in one piece, as deep-ritz.md defines it. */
function wholeRule(
  cells: number,
  points: number,
  run: RuleContext,
  theta: Float64Array,
): NodeSet {
  const extra = run.problem.breakpoints.filter((b) => b > 0 && b < 1);
  if (run.activation.piecewise) {
    for (let i = 0; i < run.width; i++) {
      const xi = -theta[run.width + i] / theta[i];
      if (xi > 0 && xi < 1) extra.push(xi);
    }
  }
  extra.sort((a, b) => a - b);
  const breaks = new Float64Array(cells + 1 + extra.length);
  const count = mergeMesh(
    cells,
    Float64Array.from(extra),
    extra.length,
    breaks,
  );
  const set = new NodeSet(points * (cells + extra.length) + 2);
  set.quadratureCount = fillCompositeGauss(
    breaks,
    count,
    gaussLegendre(points),
    set.x,
    set.weight,
  );
  set.complete(run.problem, run.boundary);
  return set;
}

const ARRAYS = ['x', 'weight', 'kw', 'bw', 'g', 'dg', 'pw'] as const;

/** Both sets hold the same nodes with the same data, bit for bit. */
function assertSameSet(got: NodeSet, expected: NodeSet, what: string) {
  assert.equal(got.count, expected.count, `${what}: count`);
  assert.equal(
    got.quadratureCount,
    expected.quadratureCount,
    `${what}: quadratureCount`,
  );
  for (const name of ARRAYS) {
    assert.deepEqual(
      got[name].subarray(0, got.count),
      expected[name].subarray(0, expected.count),
      `${what}: ${name}`,
    );
  }
}

/** The kernel's loss and gradient on both sets are equal to the bit. */
function assertSameGradient(
  got: NodeSet,
  expected: NodeSet,
  run: RuleContext,
  theta: Float64Array,
  what: string,
) {
  const ws = new Workspace(run.width);
  const fromGot = new Float64Array(theta.length);
  const fromExpected = new Float64Array(theta.length);
  ritzGradient(got, theta, run.activation, ws, fromGot);
  const loss = ws.loss;
  ritzGradient(expected, theta, run.activation, ws, fromExpected);
  assert.equal(loss, ws.loss, `${what}: loss`);
  assert.deepEqual(fromGot, fromExpected, `${what}: gradient`);
}

function context(
  activation: Activation,
  problem: Problem,
  bc: BoundaryMode,
  width: number,
): RuleContext {
  return {
    problem: getProblem({ problem, interface_k: 4 }),
    boundary: getBoundary({ bc, beta: 30 }),
    activation: getActivation(activation),
    width,
  };
}

/** θ with kink ξᵢ (wᵢ = sᵢ, aᵢ = −sᵢξᵢ) and c, d from the seed. */
function thetaWithKinks(kinks: number[], seed: number): Float64Array {
  const rng = createRng(seed);
  const width = kinks.length;
  const theta = new Float64Array(3 * width + 1);
  kinks.forEach((xi, i) => {
    const w = (i % 2 === 0 ? 1 : -1) * rng.between(0.5, 4);
    theta[i] = w;
    theta[width + i] = -w * xi;
    theta[2 * width + i] = rng.between(-1, 1);
  });
  theta[3 * width] = rng.between(-1, 1);
  return theta;
}

test('cut cells rebuilt per θ give the whole rule to the bit, for every problem and boundary mode', () => {
  let seed = 1;
  for (const activation of ['relu', 'leaky-relu', 'relu2'] as const) {
    for (const problem of PROBLEMS) {
      for (const bc of BOUNDARY_MODES) {
        for (const [cells, points, width] of [
          [64, 4, 20],
          [8, 3, 7],
          [1, 2, 3],
          [5, 10, 40],
        ]) {
          const run = context(activation, problem, bc, width);
          const rule = gaussRule(cells, points, run);
          const rng = createRng(seed++);
          for (let draw = 0; draw < 5; draw++) {
            // Kinks from a little outside [0, 1]: some fall outside.
            const kinks = Array.from({ length: width }, () =>
              rng.between(-0.2, 1.2),
            );
            const theta = thetaWithKinks(kinks, seed++);
            rule.prepare(theta);
            const what = `${activation}, ${problem}, ${bc}, M ${cells}, q ${points}, W ${width}, draw ${draw}`;
            const expected = wholeRule(cells, points, run, theta);
            assertSameSet(rule.nodes, expected, what);
            assertSameGradient(rule.nodes, expected, run, theta, what);
          }
        }
      }
    }
  }
});

test('kinks on mesh points, repeated, next to each other, at the ends, and w = 0', () => {
  const EPS = Number.EPSILON;
  const kinkSets = [
    [0.25, 0.3, 0.3, 0.01, 0.99],
    [0.125 * (1 + EPS), 1 - EPS / 2, 0.5, 0.5 + EPS / 2, 0.5 - EPS / 4],
    [1 / 7, 2 / 7, 0.5 - 1e-17, 0.6, 6 / 7],
    [0, 1, 0.5, 0.5, 1e-300],
  ];
  for (const kinks of kinkSets) {
    for (const problem of ['sine', 'interface'] as const) {
      for (const cells of [7, 8, 64]) {
        const run = context('relu', problem, 'penalty', kinks.length + 1);
        const theta = thetaWithKinks([...kinks, 0.4], 3);
        // The last neuron has w = 0: no kink (ξ = ±∞ or NaN).
        theta[kinks.length] = 0;
        const rule = gaussRule(cells, 3, run);
        rule.prepare(theta);
        const what = `${problem}, M ${cells}, kinks ${kinks}`;
        assertSameSet(rule.nodes, wholeRule(cells, 3, run, theta), what);
      }
    }
  }
});

test('along a path of θ, kinks crossing cells, leaving and coming back', () => {
  for (const bc of BOUNDARY_MODES) {
    const width = 6;
    const run = context('relu', 'interface', bc, width);
    const rule = gaussRule(8, 4, run);
    const theta = thetaWithKinks([0.05, 0.2, 0.45, 0.55, 0.8, 0.95], 11);
    // Each step moves every kink by up to a third of a cell, the first
    // two far enough to leave (0, 1) and return.
    const rng = createRng(12);
    for (let step = 0; step < 200; step++) {
      for (let i = 0; i < width; i++) {
        const xi = -theta[width + i] / theta[i];
        const move = (i < 2 ? 0.1 : 0.04) * rng.between(-1, 1);
        theta[width + i] = -theta[i] * (xi + move);
      }
      rule.prepare(theta);
      const what = `${bc}, step ${step}`;
      assertSameSet(rule.nodes, wholeRule(8, 4, run, theta), what);
    }
  }
});

test('a smooth σ has fixed nodes: prepare changes nothing', () => {
  for (const problem of PROBLEMS) {
    const run = context('tanh', problem, 'ansatz', 5);
    const rule = gaussRule(16, 4, run);
    const first = thetaWithKinks([0.1, 0.3, 0.5, 0.7, 0.9], 5);
    const expected = wholeRule(16, 4, run, first);
    const before = ARRAYS.map((name) => rule.nodes[name].slice());
    rule.prepare(thetaWithKinks([0.2, 0.4, 0.6, 0.8, 0.95], 6));
    ARRAYS.forEach((name, a) => {
      assert.deepEqual(rule.nodes[name], before[a], `${problem}: ${name}`);
    });
    assertSameSet(rule.nodes, expected, problem);
  }
});
