/**
 * The deterministic elementary functions against the engine's `Math.*`
 * (a different implementation: fdlibm in V8) and against identities.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cos,
  exp,
  expClamped,
  expm1,
  log,
  log1p,
  logistic,
  sin,
  tanh,
} from '../../workers/numerics/elementary.ts';
import { createRng } from '../../workers/numerics/prng.ts';

const EPS = Number.EPSILON;

/**
 * Both sides are within about 1–2 ulp of the true value (fdlibm promises
 * < 1 ulp; ours is a series with a final division or scaling), so they may
 * differ by a few ulp; 8 ulp allows for that and still catches a wrong
 * coefficient, which costs far more than 8 ulp somewhere in the range.
 */
const ULPS = 8;

function ulps(error: number, expected: number): string {
  return (error / (EPS * Math.abs(expected))).toFixed(1);
}

function assertUlps(got: number, expected: number, what: string) {
  const error = Math.abs(got - expected);
  const bound = ULPS * EPS * Math.abs(expected);
  assert.ok(
    error <= bound || got === expected,
    `${what}: ${got} vs ${expected} (${ulps(error, expected)} ulp)`,
  );
}

/** Values spread over many magnitudes, both signs, from a fixed seed. */
function samples(count: number, maxExponent: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => {
    const magnitude = 10 ** rng.between(-8, maxExponent);
    return rng.uniform() < 0.5 ? -magnitude : magnitude;
  });
}

test('exp and expm1 agree with Math to a few ulp over the whole range', () => {
  for (const x of [...samples(20000, 2.85, 1), 709.7, -745, 0.5, -0.5]) {
    assertUlps(exp(x), Math.exp(x), `exp(${x})`);
    if (x > -700) assertUlps(expm1(x), Math.expm1(x), `expm1(${x})`);
  }
});

test('expm1 keeps relative accuracy for tiny arguments', () => {
  for (const x of [1e-300, -1e-300, 1e-17, 3e-9, -2.5e-5, 0.3, -0.34]) {
    assertUlps(expm1(x), Math.expm1(x), `expm1(${x})`);
  }
});

test('exp handles overflow, underflow, subnormals and NaN', () => {
  assert.equal(exp(710), Number.POSITIVE_INFINITY);
  assert.equal(exp(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
  assert.equal(exp(-746), 0);
  assert.equal(exp(Number.NEGATIVE_INFINITY), 0);
  assert.ok(Number.isNaN(exp(Number.NaN)));
  assert.ok(Number.isNaN(expm1(Number.NaN)));
  assert.ok(Number.isNaN(tanh(Number.NaN)));
  assert.equal(expm1(-50), -1);
  // e^−740 ≈ 4.2e−322 is subnormal: only a few bits, compare absolutely.
  assert.ok(Math.abs(exp(-740) - Math.exp(-740)) <= 2 * 5e-324);
  assert.equal(exp(0), 1);
  assert.equal(exp(1), Math.E);
});

test('expClamped saturates at e^±708 instead of overflowing', () => {
  assert.equal(expClamped(1000), expClamped(708));
  assert.equal(expClamped(-1000), expClamped(-708));
  assert.ok(Number.isFinite(expClamped(1000)));
  assertUlps(expClamped(3.7), Math.exp(3.7), 'expClamped(3.7)');
});

test('tanh agrees with Math.tanh for both signs and saturates to ±1', () => {
  for (const z of [...samples(20000, 1.5, 2), 1e-12, -0.17, 0.55]) {
    assertUlps(tanh(z), Math.tanh(z), `tanh(${z})`);
  }
  assert.equal(tanh(25), 1);
  assert.equal(tanh(-1e300), -1);
  assert.equal(tanh(0), 0);
});

test('logistic is 1/(1 + e^−z) and keeps relative accuracy in both tails', () => {
  for (const z of samples(5000, 2.8, 3)) {
    if (z < -700) continue;
    assertUlps(logistic(z), 1 / (1 + Math.exp(-z)), `logistic(${z})`);
  }
  assert.equal(logistic(0), 0.5);
  assert.equal(logistic(800), 1);
});

test('log and log1p agree with Math to a few ulp, subnormals included', () => {
  const rng = createRng(4);
  for (let i = 0; i < 20000; i++) {
    const x = 10 ** rng.between(-310, 308);
    assertUlps(log(x), Math.log(x), `log(${x})`);
    const y = 10 ** rng.between(-20, 3);
    assertUlps(log1p(y), Math.log1p(y), `log1p(${y})`);
  }
  assert.equal(log(1), 0);
  assert.equal(log(0), Number.NEGATIVE_INFINITY);
  assert.ok(Number.isNaN(log(-1)));
  assert.equal(log1p(0), 0);
});

test('sin and cos agree with Math and satisfy sin² + cos² = 1', () => {
  for (const z of samples(20000, 4, 5)) {
    const s = sin(z);
    const c = cos(z);
    // Near a zero of sin or cos the relative error of either side grows
    // with the conditioning |z|/|result|; compare absolutely there, with
    // the ulp of the argument's size (what reduction by π/2 can keep).
    const tolerance = ULPS * EPS * Math.max(1, Math.abs(z));
    assert.ok(Math.abs(s - Math.sin(z)) <= tolerance, `sin(${z})`);
    assert.ok(Math.abs(c - Math.cos(z)) <= tolerance, `cos(${z})`);
    assert.ok(Math.abs(s * s + c * c - 1) <= 4 * EPS, `sin² + cos² at ${z}`);
  }
  assert.equal(sin(0), 0);
  assert.equal(cos(0), 1);
  assert.ok(Number.isNaN(sin(Number.POSITIVE_INFINITY)));
});

test('sin(πx) is accurate on [0, 1], where the problems use it', () => {
  for (let k = 0; k <= 1000; k++) {
    const x = k / 1000;
    assert.ok(Math.abs(sin(Math.PI * x) - Math.sin(Math.PI * x)) <= 2 * EPS);
  }
});
