/**
 * The WebAssembly kernel: its lane functions against `Math.*` and
 * elementary.ts, and its loss and gradient against the plain JavaScript
 * loops (reference-kernel.ts) for every activation, width parity, boundary
 * mode and rule.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getActivation } from '../../workers/numerics/activations.ts';
import { getBoundary } from '../../workers/numerics/boundary.ts';
import {
  cos,
  expClamped,
  log1p,
  sin,
  tanh,
} from '../../workers/numerics/elementary.ts';
import { gaussRule } from '../../workers/numerics/gauss-rule.ts';
import {
  midpointRule,
  type NodeRule,
} from '../../workers/numerics/node-set.ts';
import { createRng } from '../../workers/numerics/prng.ts';
import { getProblem } from '../../workers/numerics/problems.ts';
import {
  ritzGradient,
  ritzLoss,
  Workspace,
} from '../../workers/numerics/ritz-kernel.ts';
import { wasmElementary } from '../../workers/numerics/wasm-kernel.ts';
import {
  ACTIVATIONS,
  type Activation,
  type BoundaryMode,
} from '../../workers/run-config.ts';
import { referenceGradient, referenceLoss } from './reference-kernel.ts';

const EPS = Number.EPSILON;

/**
 * Both sides are within about 1–2 ulp of the true value, so they may
 * differ by a few ulp; 8 ulp allows for that and still catches a wrong
 * coefficient (as in elementary.test.ts).
 */
const ULPS = 8;

function assertUlps(got: number, expected: number, what: string): void {
  const error = Math.abs(got - expected);
  assert.ok(
    error <= ULPS * EPS * Math.abs(expected) || got === expected,
    `${what}: ${got} vs ${expected} ` +
      `(${(error / (EPS * Math.abs(expected))).toFixed(1)} ulp)`,
  );
}

/** Values over many magnitudes, both signs, from a fixed seed. */
function samples(count: number, maxExponent: number, seed: number) {
  const rng = createRng(seed);
  return Float64Array.from({ length: count }, () => {
    const magnitude = 10 ** rng.between(-8, maxExponent);
    return rng.uniform() < 0.5 ? -magnitude : magnitude;
  });
}

test('lane tanh agrees with Math.tanh and elementary.ts, saturating to ±1', () => {
  const zs = Float64Array.from([
    ...samples(20000, 1.5, 2),
    1e-300,
    -1e-12,
    0.17,
    25,
    -1e300,
    0,
  ]);
  const got = wasmElementary('tanh', zs);
  zs.forEach((z, i) => {
    assertUlps(got[i], Math.tanh(z), `tanh(${z})`);
    assertUlps(got[i], tanh(z), `tanh(${z}) against elementary.ts`);
  });
  assert.deepEqual(
    Array.from(wasmElementary('tanh', Float64Array.of(25, -1e300, 0))),
    [1, -1, 0],
  );
  assert.ok(
    Number.isNaN(wasmElementary('tanh', Float64Array.of(Number.NaN))[0]),
  );
});

test('lane exp agrees with Math.exp over [−708, 708] and clamps beyond', () => {
  const xs = samples(20000, 2.85, 1).filter((x) => Math.abs(x) <= 708);
  const got = wasmElementary('exp', xs);
  xs.forEach((x, i) => {
    assertUlps(got[i], Math.exp(x), `exp(${x})`);
    assertUlps(got[i], expClamped(x), `exp(${x}) against elementary.ts`);
  });
  const ends = wasmElementary('exp', Float64Array.of(1000, -1000, 0));
  assert.deepEqual(
    Array.from(ends),
    Array.from(wasmElementary('exp', Float64Array.of(708, -708, 0))),
  );
  assert.equal(ends[2], 1);
});

test('lane log1p on [0, 1] gives the bits of elementary.ts', () => {
  const rng = createRng(4);
  const ys = Float64Array.from({ length: 20000 }, () =>
    rng.uniform() < 0.2 ? rng.uniform() : 10 ** rng.between(-300, 0),
  );
  const got = wasmElementary('log1p', Float64Array.of(...ys, 0, 1));
  ys.forEach((y, i) => {
    assert.equal(got[i], log1p(y), `log1p(${y})`);
    assertUlps(got[i], Math.log1p(y), `log1p(${y}) against Math`);
  });
  assert.equal(got[ys.length], 0);
  assert.equal(got[ys.length + 1], log1p(1));
});

test('lane sin and cos give the bits of elementary.ts', () => {
  const zs = Float64Array.from([...samples(20000, 4, 5), 0, Math.PI]);
  const s = wasmElementary('sin', zs);
  const c = wasmElementary('cos', zs);
  zs.forEach((z, i) => {
    // Up to the sign of a zero: elementary.ts adds ±0 terms.
    assert.ok(s[i] === sin(z), `sin(${z}): ${s[i]} vs ${sin(z)}`);
    assert.ok(c[i] === cos(z), `cos(${z}): ${c[i]} vs ${cos(z)}`);
  });
});

/**
 * σ, σ′, σ″ of the ReLU family and sin are made of the same operations in
 * the same order on both sides, and so are every sum: the results are the
 * same bits.
 */
const SAME_BITS: ReadonlySet<Activation> = new Set([
  'relu',
  'leaky-relu',
  'relu2',
  'sin',
]);

/**
 * Elsewhere σ comes from the lane exp/tanh, within a few ulp of
 * elementary.ts's: each node's term moves by a few 1e-16 of the size of
 * its parts (σ′ = 1 − t² and σ″ add no more than that in absolute terms,
 * |t| ≤ 1). Summed over the nodes that stays below ~1e-14 of the largest
 * component for these θ (|w|, |a| ≤ 3, no cancellation to speak of);
 * 1e-12 leaves a margin of 100 and is far below what a wrong formula or a
 * dropped neuron gives (≥ 1e-6).
 */
const TOLERANCE = 1e-12;

interface KernelCase {
  activation: Activation;
  width: number;
  bc: BoundaryMode;
  rule: 'midpoint' | 'gauss';
}

function makeRule(c: KernelCase): NodeRule {
  const run = {
    problem: getProblem({ problem: 'variable-kappa', interface_k: 10 }),
    boundary: getBoundary({ bc: c.bc, beta: 100 }),
    activation: getActivation(c.activation),
    width: c.width,
  };
  return c.rule === 'midpoint' ? midpointRule(37, run) : gaussRule(6, 3, run);
}

function randomTheta(width: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: 3 * width + 1 }, () => rng.between(-3, 3));
}

function checkCase(c: KernelCase, seed: number): void {
  const activation = getActivation(c.activation);
  const rule = makeRule(c);
  const theta = randomTheta(c.width, seed);
  rule.prepare(theta);
  const ws = new Workspace(c.width);
  const gradient = new Float64Array(3 * c.width + 1);
  ritzGradient(rule.nodes, theta, activation, ws, gradient);
  const lossWithGradient = ws.loss;
  ritzLoss(rule.nodes, theta, activation, ws);
  assert.equal(ws.loss, lossWithGradient, 'the loss of both entry points');

  const expected = referenceGradient(rule.nodes, theta, activation, c.width);
  const expectedLoss = referenceLoss(rule.nodes, theta, activation, c.width);
  const label = `${JSON.stringify(c)}, seed ${seed}`;
  if (SAME_BITS.has(c.activation)) {
    assert.equal(ws.loss, expectedLoss, `loss, ${label}`);
    assert.deepEqual(gradient, expected, `gradient, ${label}`);
    return;
  }
  const scale = Math.max(...expected.map(Math.abs));
  const lossError = Math.abs(ws.loss - expectedLoss);
  assert.ok(lossError <= TOLERANCE * Math.abs(expectedLoss), `loss, ${label}`);
  gradient.forEach((g, j) => {
    assert.ok(
      Math.abs(g - expected[j]) <= TOLERANCE * scale,
      `∂L/∂θ[${j}] = ${g} vs ${expected[j]}, ${label}`,
    );
  });
}

for (const activation of ACTIVATIONS) {
  test(`${activation}: the wasm kernel agrees with the JavaScript loops`, () => {
    let seed = 1;
    for (const width of [1, 2, 3, 20, 33]) {
      for (const bc of ['ansatz', 'sine-ansatz', 'penalty'] as const) {
        for (const rule of ['midpoint', 'gauss'] as const) {
          checkCase({ activation, width, bc, rule }, seed++);
        }
      }
    }
  });
}

test('a model far larger than the last one grows the memory and still agrees', () => {
  checkCase({ activation: 'tanh', width: 3, bc: 'ansatz', rule: 'gauss' }, 7);
  const big = { activation: 'relu', bc: 'penalty', rule: 'midpoint' } as const;
  const activation = getActivation(big.activation);
  const rule = midpointRule(20000, {
    problem: getProblem({ problem: 'sine', interface_k: 10 }),
    boundary: getBoundary({ bc: big.bc, beta: 100 }),
    activation,
    width: 500,
  });
  const theta = randomTheta(500, 8);
  const ws = new Workspace(500);
  const gradient = new Float64Array(3 * 500 + 1);
  ritzGradient(rule.nodes, theta, activation, ws, gradient);
  assert.deepEqual(
    gradient,
    referenceGradient(rule.nodes, theta, activation, 500),
  );
  checkCase({ activation: 'tanh', width: 3, bc: 'ansatz', rule: 'gauss' }, 7);
});
