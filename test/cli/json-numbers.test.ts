import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  nonFiniteReviver,
  stringifyJson,
} from '../../coordinator/cli/json-numbers.ts';

test('NaN and ±Infinity become strings, not null', () => {
  const value = {
    nan: Number.NaN,
    inf: Number.POSITIVE_INFINITY,
    ninf: Number.NEGATIVE_INFINITY,
    missing: null,
    list: [1, Number.NaN],
    typed: new Float64Array([0.5, Number.NEGATIVE_INFINITY]),
  };
  assert.equal(
    stringifyJson(value),
    '{"nan":"NaN","inf":"Infinity","ninf":"-Infinity","missing":null,' +
      '"list":[1,"NaN"],"typed":[0.5,"-Infinity"]}',
  );
});

test('finite numbers round-trip exactly', () => {
  const values = [0.1 + 0.2, -2.5, 5e-324, Number.MAX_SAFE_INTEGER, 1e300];
  const back = JSON.parse(stringifyJson(values), nonFiniteReviver);
  assert.deepEqual(back, values);
});

test('the reviver restores the non-finite numbers', () => {
  const text = stringifyJson({ a: [Number.NaN, Number.POSITIVE_INFINITY] });
  const back = JSON.parse(text, nonFiniteReviver);
  assert.ok(Number.isNaN(back.a[0]));
  assert.equal(back.a[1], Number.POSITIVE_INFINITY);
});
