import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSpecFile } from '../../coordinator/spec/index.ts';

const SWEEPS = fileURLToPath(new URL('../../sweeps/', import.meta.url));

test('every shipped spec is valid, with no duplicates or warnings', async () => {
  const files = (await readdir(SWEEPS)).filter((f) =>
    /\.(ya?ml|json)$/.test(f),
  );
  assert.ok(files.length >= 4, files.join(', '));
  for (const file of files) {
    const plan = await loadSpecFile(SWEEPS + file);
    assert.deepEqual(plan.duplicates, [], file);
    assert.deepEqual(plan.warnings, [], file);
    assert.ok(plan.runs.length > 0, file);
  }
});

test('relu-failure is the first study of deep-ritz.md', async () => {
  const plan = await loadSpecFile(`${SWEEPS}relu-failure.yaml`);
  assert.equal(plan.name, 'relu-failure');
  assert.deepEqual(plan.axes, ['activation', 'width', 'lr', 'gradient']);
  for (const { config } of plan.runs) {
    assert.equal(config.problem, 'sine');
    assert.equal(config.bc, 'ansatz');
    assert.equal(config.init, 'spread');
    assert.equal(config.optimizer, 'adam');
    assert.equal(config.steps, 3000);
  }
  assert.equal(plan.threshold, 5e-3);
  assert.deepEqual(plan.spec.seeds, [0, 1, 2]);

  // Every cell of the failure table (activation × gradient) has runs.
  const cells = new Set(
    plan.runs.map((r) => `${r.config.activation}/${r.config.gradient}`),
  );
  assert.equal(cells.size, 5 * 3);
  // autodiff and analytic cover the whole grid: 5 × 3 × 2 × 2 × 3 seeds.
  const exact = plan.runs.filter(
    (r) => r.config.gradient !== 'finite-difference',
  );
  assert.equal(exact.length, 180);
});

test('relu-failure keeps finite differences to their cheapest corner', async () => {
  const plan = await loadSpecFile(`${SWEEPS}relu-failure.yaml`);
  const fd = plan.runs.filter((r) => r.config.gradient === 'finite-difference');
  assert.equal(fd.length, 5 * 3);
  assert.ok(fd.every((r) => r.config.width === 10 && r.config.lr === 1e-2));

  // The spec's own cost model, in loss evaluations per step times width
  // (a loss evaluation costs about W): an autodiff or analytic step is
  // counted as 3 loss evaluations (the loss and its gradient), a finite-
  // difference step as 2(3W + 1) + 1. The finite-difference block must not
  // dominate the sweep by more than the ~1:1 the spec's comments plan.
  const cost = (width: number, gradient: string) =>
    width * (gradient === 'finite-difference' ? 2 * (3 * width + 1) + 1 : 3);
  let fdCost = 0;
  let exactCost = 0;
  for (const { config } of plan.runs) {
    const c = cost(config.width, config.gradient);
    if (config.gradient === 'finite-difference') fdCost += c;
    else exactCost += c;
  }
  assert.ok(fdCost < 2 * exactCost, `${fdCost} vs ${exactCost}`);
});

test('the smoke spec is about a dozen tiny runs', async () => {
  const plan = await loadSpecFile(`${SWEEPS}smoke.yaml`);
  assert.equal(plan.runs.length, 12);
  assert.ok(plan.runs.every((r) => r.config.steps <= 200));
  assert.ok(plan.runs.every((r) => r.config.width <= 10));
});
