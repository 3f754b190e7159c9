/**
 * The run's metrics at parameters whose u is known in closed form, so the
 * expected errors and energies come from integrals done by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getActivation } from '../../workers/numerics/activations.ts';
import {
  createGaussDifference,
  gaussDifference,
} from '../../workers/numerics/gauss-difference.ts';
import {
  CellPieces,
  splitPoints,
  UniformGauss,
} from '../../workers/numerics/kink-grid.ts';
import {
  agreement,
  gradientCheck,
  METRIC_CELLS,
  METRIC_GAUSS_POINTS,
  solutionMetrics,
  solutionSamples,
} from '../../workers/numerics/metrics.ts';
import { createModel, type Model } from '../../workers/numerics/model.ts';
import { kinksInside } from '../../workers/numerics/node-set.ts';
import { initParams } from '../../workers/numerics/params.ts';
import { getProblem } from '../../workers/numerics/problems.ts';
import {
  BOUNDARY_MODES,
  PROBLEMS,
  parseRunConfig,
  type RunConfig,
} from '../../workers/run-config.ts';

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

// ---------------------------------------------------------------------------
// The fast paths against the definitions computed node by node.

const EPS = Number.EPSILON;

/**
 * The metric rule as the definition reads, node by node: the kink-aware
 * gauss rule of the model with 1024 cells and 8 points, u and u′ from
 * `model.evaluate`, u*, u*′, κ, b from the problem at every node. Also
 * returns the node count and Σ|terms| of the energy, for the tolerance.
 */
function referenceMetrics(config: RunConfig, theta: Float64Array) {
  const model = createModel({
    ...config,
    quadrature: 'gauss',
    cells: METRIC_CELLS,
    gauss_points: METRIC_GAUSS_POINTS,
  });
  const { problem } = model;
  const { x, weight } = model.nodes(theta);
  let [errorL2, normL2, errorH1, normH1, energy, energyScale] = [
    0, 0, 0, 0, 0, 0,
  ];
  for (let k = 0; k < x.length; k++) {
    const { u, du } = model.evaluate(theta, x[k]);
    const exact = problem.u(x[k]);
    const exactSlope = problem.du(x[k]);
    errorL2 += weight[k] * (u - exact) ** 2;
    normL2 += weight[k] * exact ** 2;
    errorH1 += weight[k] * (du - exactSlope) ** 2;
    normH1 += weight[k] * exactSlope ** 2;
    const density = 0.5 * problem.kappa(x[k]) * du * du;
    energy += weight[k] * (density - problem.b(x[k]) * u);
    energyScale += weight[k] * (density + Math.abs(problem.b(x[k]) * u));
  }
  return {
    rel_l2: Math.sqrt(errorL2 / normL2),
    rel_h1: Math.sqrt(errorH1 / normH1),
    energy,
    energyScale,
    nodes: x.length,
    kinks_inside: kinksInside(theta, model.width, model.activation),
  };
}

/** |got − expected| ≤ bound, with a message naming both. */
function assertWithin(
  got: number,
  expected: number,
  bound: number,
  what: string,
) {
  assert.ok(
    Math.abs(got - expected) <= bound,
    `${what}: ${got} vs ${expected} (bound ${bound})`,
  );
}

const METRIC_ACTIVATIONS = [
  'relu',
  'leaky-relu',
  'relu2',
  'tanh',
  'sigmoid',
  'sin',
] as const;

test('the metrics equal the rule evaluated node by node, for every problem and boundary mode', () => {
  let kinked = 0;
  METRIC_ACTIVATIONS.forEach((activation, a) => {
    for (const bc of BOUNDARY_MODES) {
      PROBLEMS.forEach((problem, p) => {
        const config = parseRunConfig({
          activation,
          bc,
          problem,
          interface_k: 2 + p,
          // An odd width: one neuron is summed alone (see networkAt).
          width: 3 + 2 * ((a + p) % 3),
          seed: 100 * a + p,
        });
        const theta = initParams(config);
        const got = solutionMetrics(config, theta);
        const expected = referenceMetrics(config, theta);
        // Both add the same terms in the same order, and agree bit for bit
        // today. What may differ is rounding only: a sum of n terms by at
        // most n·ε·Σ|terms| (and σ by a few ulp, were the single-point and
        // the batched layers ever to part). The ratios of sums of positive
        // terms then agree to 2nε relative.
        const n = expected.nodes;
        const name = `${activation}, ${bc}, ${problem}`;
        const ratio = 2 * n * EPS;
        assertWithin(
          got.rel_l2,
          expected.rel_l2,
          ratio * expected.rel_l2,
          `${name} rel_l2`,
        );
        assertWithin(
          got.rel_h1,
          expected.rel_h1,
          ratio * expected.rel_h1,
          `${name} rel_h1`,
        );
        const energy = 2 * n * EPS * expected.energyScale;
        assertWithin(got.energy, expected.energy, energy, `${name} energy`);
        assertWithin(
          got.energy_gap,
          expected.energy - getProblem(config).energy,
          energy,
          `${name} energy_gap`,
        );
        assert.equal(got.kinks_inside, expected.kinks_inside, name);
        if (expected.kinks_inside > 0) kinked++;
      });
    }
  });
  // The ReLU family's spread init puts kinks inside: cut cells were tested.
  assert.ok(kinked >= 3 * BOUNDARY_MODES.length * PROBLEMS.length);
});

test('the split grid gives the kink-aware rule’s nodes, also for kinks on mesh points, repeated or at the ends', () => {
  const q = 3;
  const cases: [number, number[]][] = [
    // cells, kinks
    [8, [0.25, 0.3, 0.3, 0.01, 0.99]],
    [8, [0.125 * (1 + EPS), 1 - EPS / 2, 0.5, 0.5 + EPS / 2]],
    [7, [1 / 7, 2 / 7, 0.5 - 1e-17, 0.6]],
    [1, [0.2, 0.7]],
  ];
  for (const [cells, kinks] of cases) {
    for (const problem of ['sine', 'interface'] as const) {
      const width = kinks.length;
      const config = parseRunConfig({
        activation: 'relu',
        problem,
        width,
        cells,
        gauss_points: q,
      });
      // wᵢ = 1, aᵢ = −ξᵢ: the kink at ξᵢ.
      const theta = new Float64Array(3 * width + 1);
      kinks.forEach((xi, i) => {
        theta[i] = 1;
        theta[width + i] = -xi;
      });
      const expected = createModel(config).nodes(theta);
      const got = splitGridNodes(config, theta);
      const name = `${cells} cells, ${problem}, kinks ${kinks}`;
      assert.equal(got.x.length, expected.x.length, `${name}: node count`);
      for (let k = 0; k < got.x.length; k++) {
        // Same breakpoints, same arithmetic: equal to rounding of x ≤ 1.
        assertWithin(got.x[k], expected.x[k], 2 * EPS, `${name}: x[${k}]`);
        assertWithin(
          got.weight[k],
          expected.weight[k],
          2 * EPS * expected.weight[k],
          `${name}: weight[${k}]`,
        );
      }
    }
  }
});

/** The rule's nodes as the split grid lists them: cell by cell, pieces in place. */
function splitGridNodes(config: RunConfig, theta: Float64Array) {
  const grid = new UniformGauss(config.cells, config.gauss_points);
  const problem = getProblem(config);
  const breaks = new Float64Array(problem.breakpoints.length + config.width);
  const count = splitPoints(
    theta,
    config.width,
    getActivation(config.activation),
    problem.breakpoints,
    breaks,
  );
  const pieces = new CellPieces();
  pieces.build(grid, breaks, count);
  const x: number[] = [];
  const weight: number[] = [];
  const take = (from: Float64Array, w: Float64Array, a: number, b: number) => {
    for (let k = a; k < b; k++) {
      x.push(from[k]);
      weight.push(w[k]);
    }
  };
  let from = 0;
  for (let c = 0; c < pieces.cutCount; c++) {
    const j = pieces.cell[c];
    take(grid.x, grid.weight, from, j * grid.points);
    take(pieces.x, pieces.weight, pieces.first[c], pieces.first[c + 1]);
    from = (j + 1) * grid.points;
  }
  take(grid.x, grid.weight, from, grid.x.length);
  return { x, weight };
}

/**
 * Σ over the training gauss rule's nodes of |½ωκu′²| + |ωbu| + ½pN² at θ:
 * the scale of the rounding of the loss, and the node count.
 */
function lossScale(model: Model, theta: Float64Array, beta: number) {
  const { x, weight } = model.nodes(theta);
  let scale = 0;
  for (let k = 0; k < x.length; k++) {
    const { u, du } = model.evaluate(theta, x[k]);
    scale += weight[k] * 0.5 * model.problem.kappa(x[k]) * du * du;
    scale += weight[k] * Math.abs(model.problem.b(x[k]) * u);
  }
  for (const end of [0, 1])
    scale += 0.5 * beta * model.evaluate(theta, end).u ** 2;
  return { scale, nodes: x.length + 2 };
}

/**
 * The `finite-difference` gradient, of the gradient check (gaussDifference)
 * and of the training loop (Model.gradient), against its definition: for
 * each j, the loss by the kink-aware gauss rule evaluated in full at
 * θ ± h·eⱼ, differenced and divided by the step taken. Each loss may
 * differ from the definition's by its rounding, at most (n + 16)·ε times
 * the sum of the terms' sizes; the difference of two, divided by the step.
 */
function assertSameDifferences(
  config: RunConfig,
  theta: Float64Array,
  name: string,
) {
  const model = createModel({ ...config, quadrature: 'gauss' });
  const fromCheck = new Float64Array(model.size);
  const fromTraining = new Float64Array(model.size);
  gaussDifference(config, theta, fromCheck);
  // The training model of a midpoint run differences the gauss loss too.
  createModel({ ...config, quadrature: 'midpoint' }).gradient(
    theta,
    fromTraining,
    'finite-difference',
  );
  assert.deepEqual(fromTraining, fromCheck, `${name}: one definition`);

  const beta = config.bc === 'penalty' ? config.beta : 0;
  const shifted = theta.slice();
  for (let j = 0; j < theta.length; j++) {
    const t = theta[j];
    const [up, down] = [t + config.fd_h, t - config.fd_h];
    let bound = 0;
    const losses = [up, down].map((value) => {
      shifted[j] = value;
      const { scale, nodes } = lossScale(model, shifted, beta);
      bound += (nodes + 16) * EPS * scale;
      return model.loss(shifted);
    });
    shifted[j] = t;
    const expected = (losses[0] - losses[1]) / (up - down);
    assertWithin(
      fromCheck[j],
      expected,
      bound / (up - down),
      `${name}: ∂L/∂θ[${j}]`,
    );
  }
}

test('finite differences neuron by neuron are those of full loss evaluations, for every problem and boundary mode', () => {
  METRIC_ACTIVATIONS.forEach((activation, a) => {
    BOUNDARY_MODES.forEach((bc, b) => {
      PROBLEMS.forEach((problem, p) => {
        // A wide step makes the rounding bound tight; the default step
        // and a few cells come up too.
        const [cells, fd_h] = [
          [64, 1e-2],
          [64, 1e-6],
          [5, 1e-3],
        ][(a + b + p) % 3];
        const config = parseRunConfig({
          activation,
          bc,
          problem,
          cells,
          fd_h,
          gauss_points: 2 + ((a + p) % 4),
          width: 2 + ((a + b) % 3),
          seed: 7 * a + 3 * b + p,
        });
        assertSameDifferences(
          config,
          initParams(config),
          `${activation}, ${bc}, ${problem}`,
        );
      });
    });
  });
});

test('finite differences where a step moves a kink to another cell or out of (0, 1)', () => {
  // Four cells. Kinks: 0.24 (a step of a by ±0.05 moves it across 1/4),
  // 0.02 and 0.98 (steps move them out of (0, 1)), 0.6 (stays in its
  // cell), and a second neuron with its kink in the cell of the first.
  const xi = [0.24, 0.02, 0.98, 0.6, 0.2];
  const width = xi.length;
  const theta = new Float64Array(3 * width + 1);
  xi.forEach((k, i) => {
    theta[i] = 1 + 0.1 * i;
    theta[width + i] = -k * theta[i];
    theta[2 * width + i] = 0.5 - 0.2 * i;
  });
  theta[3 * width] = 0.3;
  for (const activation of ['relu', 'leaky-relu', 'relu2'] as const) {
    for (const problem of ['sine', 'interface'] as const) {
      const config = parseRunConfig({
        activation,
        problem,
        width,
        cells: 4,
        gauss_points: 3,
        fd_h: 0.05,
      });
      assertSameDifferences(config, theta, `${activation}, ${problem}`);
    }
  }
  // The steps really do what the comment says.
  const kinkAfter = (i: number, da: number) =>
    -(theta[width + i] + da) / theta[i];
  assert.ok(kinkAfter(0, -0.05) > 0.25, 'ξ₀ crosses 1/4');
  assert.ok(kinkAfter(1, 0.05) < 0, 'ξ₁ leaves through 0');
  assert.ok(kinkAfter(2, -0.05) > 1, 'ξ₂ leaves through 1');
});

test('shifted losses of a ReLU network much wider than the mesh are those of full evaluations', () => {
  // 300 kinks in 8 cells, ~38 a cell: a shift changes a few pieces of a
  // cell that holds many. Steps of 0.05 move a kink by 0.05/|w| (a) or
  // 0.05·ξ/|w| (w), |w| < 5: across cell boundaries, out of (0, 1) and in.
  const width = 300;
  const cells = 8;
  const h = 0.05;
  const config = parseRunConfig({
    activation: 'relu',
    width,
    cells,
    gauss_points: 3,
    fd_h: h,
    seed: 5,
  });
  const theta = initParams(config);
  const model = createModel(config);
  const differences = createGaussDifference(config);
  const grid = new UniformGauss(cells, 3);
  const inside = (x: number) => x > 0 && x < 1;
  const kink = (t: Float64Array, i: number) => -t[width + i] / t[i];
  const shifted = theta.slice();
  let crossed = 0;
  let leftOrEntered = 0;
  for (let j = 0; j < theta.length; j++) {
    for (const value of [theta[j] + h, theta[j] - h]) {
      shifted[j] = value;
      const expected = model.loss(shifted);
      const got = differences.lossWith(theta, j, value);
      // Each sum to its rounding, as in assertSameDifferences: (n + 16)·ε
      // times Σ|terms|, which is at least |L|, so Σ|terms| is summed only
      // where |L| is not enough.
      const nodes = model.nodes(shifted).x.length + 2;
      let scale = Math.abs(expected);
      if (Math.abs(got - expected) > (nodes + 16) * EPS * scale) {
        scale = lossScale(model, shifted, 0).scale;
      }
      assertWithin(
        got,
        expected,
        (nodes + 16) * EPS * scale,
        `L, θ[${j}] = ${value}`,
      );
      if (j < 2 * width) {
        const [before, after] = [
          kink(theta, j % width),
          kink(shifted, j % width),
        ];
        if (inside(before) !== inside(after)) leftOrEntered++;
        else if (inside(before) && grid.cellOf(before) !== grid.cellOf(after))
          crossed++;
      }
    }
    shifted[j] = theta[j];
  }
  // The steps really do move kinks across cells and out of (0, 1).
  assert.ok(crossed >= 100, `${crossed} steps move a kink to another cell`);
  assert.ok(
    leftOrEntered >= 20,
    `${leftOrEntered} steps move a kink out or in`,
  );
});

test('the samples are the model’s u at k/100', () => {
  for (const activation of METRIC_ACTIVATIONS) {
    for (const bc of BOUNDARY_MODES) {
      const config = parseRunConfig({ activation, bc, width: 5, seed: 3 });
      const theta = initParams(config);
      const model = createModel(config);
      const { x, u } = solutionSamples(config, theta);
      for (let k = 0; k < x.length; k++) {
        const expected = model.evaluate(theta, x[k]).u;
        // The same sum of W + 1 terms, to its rounding: (W + 2)·ε·Σ|terms|.
        let scale = Math.abs(theta[3 * 5]);
        for (let i = 0; i < 5; i++) {
          const z = theta[i] * x[k] + theta[5 + i];
          scale += Math.abs(theta[10 + i] * model.activation.sigma(z));
        }
        const g = Math.abs(model.boundary.g(x[k]));
        assertWithin(
          u[k],
          expected,
          8 * EPS * g * scale,
          `${activation}, ${bc}, u(${x[k]})`,
        );
      }
    }
  }
});
