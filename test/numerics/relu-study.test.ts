/**
 * The first study's contrast (deep-ritz.md, last section), over three seeds:
 * on `sine`, `ansatz`, `spread`, Adam, 3000 steps, ReLU with `autodiff`
 * stalls at rel_l2 ≈ 1.2e-2 whatever the width, while ReLU with `analytic`
 * improves with width, from ≈ 2–3e-3 at W 10 to ≈ 3–7e-4 at W 40.
 *
 * The figures quoted come from an independent check; the thresholds below
 * are those figures with a margin for seed-to-seed spread, and each one
 * separates the two behaviours by a wide gap:
 * - autodiff in [6e-3, 2.4e-2]: 1.2e-2 within a factor 2 either way. Far
 *   from 3–7e-4, and above the default `done` threshold 5e-3, so these runs
 *   are judged `inaccurate`, which is the study's finding.
 * - autodiff at W 40 no better than 0.7× its W 10 value: a stall, where a
 *   4× wider correct model gains ~5×.
 * - analytic at W 40 ≤ 1.2e-3 (the quoted ≤ 7e-4 with a 1.7× margin) and
 *   at least 2× better than its own W 10 (the quoted gain is ≥ 3×).
 * - at W 40 analytic beats autodiff by ≥ 8× (quoted: 1.2e-2 vs ≤ 7e-4, 17×).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRunConfig } from '../../workers/run-config.ts';
import { train } from '../../workers/train.ts';

const SEEDS = [0, 1, 2];

function relL2(width: number, gradient: 'autodiff' | 'analytic', seed: number) {
  const config = parseRunConfig({
    problem: 'sine',
    bc: 'ansatz',
    init: 'spread',
    activation: 'relu',
    optimizer: 'adam',
    lr: 1e-2,
    steps: 3000,
    width,
    gradient,
    seed,
  });
  return train(config).metrics.rel_l2;
}

for (const seed of SEEDS) {
  test(`seed ${seed}: relu autodiff stalls, analytic improves with W`, () => {
    const autodiff10 = relL2(10, 'autodiff', seed);
    const autodiff40 = relL2(40, 'autodiff', seed);
    const analytic10 = relL2(10, 'analytic', seed);
    const analytic40 = relL2(40, 'analytic', seed);
    const shown =
      `autodiff ${autodiff10} → ${autodiff40}, ` +
      `analytic ${analytic10} → ${analytic40}`;

    for (const value of [autodiff10, autodiff40]) {
      assert.ok(
        value >= 6e-3 && value <= 2.4e-2,
        `autodiff stalls near 1.2e-2: ${shown}`,
      );
    }
    assert.ok(
      autodiff40 >= 0.7 * autodiff10,
      `width does not help autodiff: ${shown}`,
    );
    assert.ok(
      analytic40 <= 1.2e-3,
      `analytic reaches ≲ 7e-4 at W 40: ${shown}`,
    );
    assert.ok(
      analytic40 <= analytic10 / 2,
      `analytic improves with width: ${shown}`,
    );
    assert.ok(analytic40 * 8 <= autodiff40, `the gap at W 40: ${shown}`);
  });
}
