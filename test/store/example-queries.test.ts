import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXAMPLE_QUERIES } from '../../coordinator/store/example-queries.ts';
import { runReadOnlyQuery } from '../../coordinator/store/read-only-query.ts';
import type { RunConfig } from '../../workers/run-config.ts';
import { studyOutcome, studyStore } from './fixture.ts';

/** Median of finite-or-infinite numbers (NaN left out). */
function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2
    ? sorted[Math.floor(mid)]
    : (sorted[mid - 1] + sorted[mid]) / 2;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  }
  return groups;
}

test('every example query of the README runs on a recorded sweep and answers right', async (t) => {
  const { path, sweep } = await studyStore(t, 'relu-failure');
  const runs = sweep.runs.map((r) => ({
    ...r.config,
    outcome: studyOutcome(r.config),
  }));
  const relL2 = (r: (typeof runs)[number]) => r.outcome.metrics?.rel_l2;
  const answers = new Map<string, { columns: string[]; rows: unknown[][] }>();
  for (const example of EXAMPLE_QUERIES) {
    const result = await runReadOnlyQuery(path, example.sql);
    assert.ok(result.rows.length > 0, `${example.id} returns rows`);
    answers.set(example.id, result);
  }
  const rowsOf = (id: string) => {
    const { columns, rows } = answers.get(id)!;
    return rows.map((r) =>
      Object.fromEntries(columns.map((c, i) => [c, r[i]])),
    );
  };

  // Failure rate: every combination, highest first.
  const byCell = groupBy(runs, (r) => `${r.activation} ${r.gradient}`);
  const expectedRates = [...byCell].map(([key, group]) => {
    const failed = group.filter((r) => r.outcome.status !== 'done').length;
    const [activation, gradient] = key.split(' ');
    const pct = Math.round((1000 * failed) / group.length) / 10;
    return {
      activation,
      gradient,
      runs: group.length,
      failed,
      failure_pct: pct,
    };
  });
  expectedRates.sort(
    (a, b) =>
      b.failure_pct - a.failure_pct ||
      a.activation.localeCompare(b.activation) ||
      a.gradient.localeCompare(b.gradient),
  );
  assert.deepEqual(rowsOf('failure-rate'), expectedRates);

  // Median rel_l2 of ReLU per width and gradient.
  const relu = runs.filter((r) => r.activation === 'relu');
  const medianRows = [10, 20].map((width) => {
    const of = (gradient: RunConfig['gradient']) =>
      median(
        relu
          .filter((r) => r.width === width && r.gradient === gradient)
          .map((r) => relL2(r)!),
      );
    return { width, analytic: of('analytic'), autodiff: of('autodiff') };
  });
  assert.deepEqual(rowsOf('median-relu'), medianRows);

  // Best learning rate per width: the lowest mean rel_l2 over runs with one.
  const bestRows = [10, 20].map((width) => {
    const means = [1e-3, 1e-2].map((lr) => {
      const values = runs
        .filter((r) => r.width === width && r.lr === lr)
        .map(relL2)
        .filter((v): v is number => v !== undefined && !Number.isNaN(v));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return { lr, mean, runs: values.length };
    });
    const best = means.reduce((a, b) => (b.mean < a.mean ? b : a));
    return { width, best_lr: best.lr, runs: best.runs, mean: best.mean };
  });
  const gotBest = rowsOf('best-lr');
  assert.deepEqual(
    gotBest.map((r) => [r.width, r.best_lr, r.runs]),
    bestRows.map((r) => [r.width, r.best_lr, r.runs]),
  );
  for (const [i, row] of gotBest.entries()) {
    // Sums of a few values in another order: equal to rounding.
    const want = bestRows[i].mean;
    assert.ok(Math.abs((row.mean_rel_l2 as number) - want) <= 1e-15 * want);
  }

  // The crashed run: two attempts, both crashed with their error.
  const crashed = runs.filter((r) => r.outcome.status === 'crashed');
  assert.equal(crashed.length, 1);
  assert.deepEqual(
    rowsOf('crashed-attempts').map((r) => [
      r.attempt,
      r.outcome,
      r.error,
      r.ms,
    ]),
    [
      [1, 'crashed', 'worker thread died', 1],
      [2, 'crashed', 'worker thread died', 1],
    ],
  );

  // Diverged runs: NaN rel_l2 is NULL and named; +Infinity loss as text.
  const diverged = rowsOf('diverged');
  assert.equal(
    diverged.length,
    runs.filter((r) => r.outcome.status === 'diverged').length,
  );
  for (const row of diverged) {
    assert.equal(row.status, 'diverged');
    assert.equal(row.nan_metrics, 'rel_l2,rel_h1');
    assert.equal(row.final_loss, 'Infinity');
    assert.equal(row.diverged_step, 42);
  }

  // Gradient check: the fixture reports 1e-8 everywhere.
  for (const row of rowsOf('gradient-check')) {
    assert.ok(Math.abs((row.autodiff_vs_fd as number) - 1e-8) < 1e-20);
  }

  // Wall time per width and gradient: width × 10 ms by construction.
  const slowest = rowsOf('slowest');
  assert.deepEqual(
    slowest.map((r) => [r.width, r.mean_ms]),
    [
      [20, 200],
      [20, 200],
      [10, 100],
      [10, 100],
    ],
  );

  assert.deepEqual(rowsOf('progress'), [
    {
      name: 'relu-failure',
      runs: 32,
      finished: 32,
      pct: 100,
      started: '1970-01-01 00:16:40',
    },
  ]);
});
