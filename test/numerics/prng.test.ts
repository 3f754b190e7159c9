/**
 * The seeded generator: reproducible, exact for every integer seed up to
 * 2⁵³ − 1, and well mixed across nearby seeds. Statistical bounds are set
 * at 4–8 standard deviations so that a correct generator fails them with
 * probability below 1e-4, while a poorly mixed one (e.g. seed used as the
 * state directly) fails them by orders of magnitude.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../workers/numerics/prng.ts';
import { MAX_SEED } from '../../workers/run-config.ts';

function popcount64(x: bigint): number {
  let count = 0;
  for (let v = x; v > 0n; v >>= 1n) count += Number(v & 1n);
  return count;
}

test('the same seed gives the same stream, bit for bit', () => {
  const a = createRng(12345);
  const b = createRng(12345);
  for (let i = 0; i < 1000; i++) assert.equal(a.uniform(), b.uniform());
  const c = createRng(12345);
  const d = createRng(12345);
  for (let i = 0; i < 100; i++) assert.equal(c.normal(), d.normal());
});

test('seeds are exact up to 2^53 − 1: neighbours there differ', () => {
  const seeds = [MAX_SEED, MAX_SEED - 1, MAX_SEED - 2, 2 ** 52, 2 ** 52 + 1];
  const firsts = seeds.map((s) => createRng(s).bits64());
  assert.equal(new Set(firsts).size, seeds.length);
});

test('seeds that are not integers 0 … 2^53 − 1 are refused', () => {
  for (const bad of [-1, 1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => createRng(bad), RangeError, String(bad));
  }
});

test('first draws of seeds 0 … 9999 are uniform (Kolmogorov–Smirnov)', () => {
  const n = 10000;
  const values = Array.from({ length: n }, (_, s) => createRng(s).uniform());
  values.sort((a, b) => a - b);
  let d = 0;
  values.forEach((v, i) => {
    d = Math.max(d, Math.abs((i + 1) / n - v), Math.abs(v - i / n));
  });
  // Critical value at the 0.01% level: √(−ln(0.0001/2)/2)/√n ≈ 2.1/√n.
  assert.ok(d < 2.1 / Math.sqrt(n), `D = ${d}`);
});

test('nearby seeds give uncorrelated streams', () => {
  const n = 10000;
  let sxy = 0;
  let sx = 0;
  let sxx = 0;
  const first = Array.from({ length: n + 1 }, (_, s) => createRng(s).uniform());
  for (let s = 0; s < n; s++) {
    sx += first[s];
    sxx += first[s] ** 2;
    sxy += first[s] * first[s + 1];
  }
  const mean = sx / n;
  const r = (sxy / n - mean * mean) / (sxx / n - mean * mean);
  // Correlation of independent samples has standard deviation 1/√n.
  assert.ok(Math.abs(r) < 4 / Math.sqrt(n), `r = ${r}`);
});

test('seeds one apart flip about half of the 64 output bits (avalanche)', () => {
  const pairs = 2000;
  let total = 0;
  for (let s = 0; s < pairs; s++) {
    total += popcount64(createRng(s).bits64() ^ createRng(s + 1).bits64());
  }
  const mean = total / pairs;
  // Binomial(64, ½): σ = 4 per pair, 4/√2000 ≈ 0.09 for the mean.
  assert.ok(Math.abs(mean - 32) < 0.7, `mean flipped bits ${mean}`);
});

test('uniform lies in [0, 1) and normal has mean 0, variance 1', () => {
  const rng = createRng(7);
  const n = 100000;
  let sum = 0;
  let sumNormal = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    const z = rng.normal();
    sumNormal += z;
    sumSquares += z * z;
  }
  // Standard errors: 0.2887/√n, 1/√n and √2/√n; bounds at 5σ.
  assert.ok(Math.abs(sum / n - 0.5) < (5 * 0.2887) / Math.sqrt(n));
  assert.ok(Math.abs(sumNormal / n) < 5 / Math.sqrt(n));
  assert.ok(Math.abs(sumSquares / n - 1) < (5 * Math.SQRT2) / Math.sqrt(n));
});

test('between(low, high) stays in [low, high)', () => {
  const rng = createRng(3);
  for (let i = 0; i < 10000; i++) {
    const v = rng.between(-5, 5);
    assert.ok(v >= -5 && v < 5);
  }
});
