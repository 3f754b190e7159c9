/**
 * θ's layout, its seeded initialisations and its plain-object form.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  initParams,
  paramsFromObject,
  paramsToObject,
} from '../../workers/numerics/params.ts';
import { ConfigError } from '../../workers/run-config.ts';

test('spread: w in [−5, 5), kinks in [0, 1), c ~ N(0, 1/W), d = 0', () => {
  const width = 4000;
  const theta = initParams({ width, init: 'spread', seed: 11 });
  assert.equal(theta.length, 3 * width + 1);
  const { w, a, c, d } = paramsToObject(theta);
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < width; i++) {
    assert.ok(w[i] >= -5 && w[i] < 5);
    const kink = -a[i] / w[i];
    // ξ = U·(1 ± rounding): inside [0, 1) up to one ulp.
    assert.ok(kink >= 0 && kink < 1 + 1e-15, `kink ${kink}`);
    sum += c[i];
    squares += c[i] ** 2;
  }
  assert.equal(d, 0);
  // W·c ~ N(0, W): mean of c within 5 standard errors of 0 and variance
  // W·var(c) within 5·√(2/W) of 1.
  assert.ok(Math.abs(sum / width) < 5 / width);
  assert.ok(Math.abs(squares - 1) < 5 * Math.sqrt(2 / width));
});

test('torch: w, a in [−1, 1), c and d in [−1/√W, 1/√W)', () => {
  const width = 50;
  const theta = initParams({ width, init: 'torch', seed: 5 });
  const bound = 1 / Math.sqrt(width);
  const { w, a, c, d } = paramsToObject(theta);
  for (const v of [...w, ...a]) assert.ok(v >= -1 && v < 1);
  for (const v of [...c, d]) assert.ok(v >= -bound && v < bound);
  assert.notEqual(d, 0);
});

test('the same seed gives the same θ bit for bit; another seed does not', () => {
  for (const init of ['spread', 'torch'] as const) {
    const one = initParams({ width: 20, init, seed: 2 ** 53 - 1 });
    const two = initParams({ width: 20, init, seed: 2 ** 53 - 1 });
    const other = initParams({ width: 20, init, seed: 2 ** 53 - 2 });
    assert.deepEqual(one, two);
    assert.notDeepEqual(one, other);
  }
});

test('θ round-trips through { w, a, c, d } bit for bit', () => {
  const theta = initParams({ width: 9, init: 'spread', seed: 1 });
  const object = paramsToObject(theta);
  assert.deepEqual(Object.keys(object), ['w', 'a', 'c', 'd']);
  assert.equal(object.w.length, 9);
  assert.deepEqual(paramsFromObject(object, 9), theta);
  assert.deepEqual(paramsFromObject(JSON.parse(JSON.stringify(object))), theta);
});

function issuesOf(input: unknown, width?: number): string[] {
  try {
    paramsFromObject(input, width);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues;
  }
  assert.fail('expected a ConfigError');
}

test('bad params name the field, what was expected and what was got', () => {
  const good = { w: [1, 2], a: [0, 0], c: [1, 1], d: 0 };

  assert.deepEqual(issuesOf({ ...good, a: [0] }), [
    'params.a: expected 2 numbers (width), got 1',
  ]);
  assert.deepEqual(issuesOf(good, 3), [
    'params.w: expected 3 numbers (width), got 2',
    'params.a: expected 3 numbers (width), got 2',
    'params.c: expected 3 numbers (width), got 2',
  ]);
  assert.deepEqual(issuesOf({ ...good, c: [1, 'x'] }), [
    'params.c[1]: expected a finite number, got "x"',
  ]);
  assert.deepEqual(issuesOf({ ...good, w: [1, Number.NaN] }), [
    'params.w[1]: expected a finite number, got NaN',
  ]);
  assert.deepEqual(issuesOf({ w: [1], a: [1], c: [1] }), [
    'params.d: expected a finite number, got nothing',
  ]);
  assert.deepEqual(issuesOf({ ...good, e: 1 }), [
    'params: unknown field e; allowed: w, a, c, d',
  ]);
  assert.deepEqual(issuesOf({ w: [], a: [], c: [], d: 0 }), [
    'params.w: must not be empty',
    'params.a: must not be empty',
    'params.c: must not be empty',
  ]);
  assert.equal(issuesOf([1, 2]).length, 1);
  assert.match(issuesOf(null)[0], /expected an object/);
  assert.match(
    issuesOf({ ...good, w: 'many' })[0],
    /params\.w: expected an array/,
  );
});
