import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringifyJson } from '../../coordinator/cli/json-numbers.ts';
import { readMetrics } from '../../coordinator/store/metric-values.ts';
import { RESULT_COLUMNS } from '../../coordinator/store/results.ts';
import type { ResultRow } from '../../coordinator/store/store.ts';
import {
  final,
  freshStore,
  makeSweep,
  metrics,
  result,
  rows,
  STUDY_GRID,
  start,
  studyOutcome,
  studyStore,
} from './fixture.ts';

async function collect(iterable: AsyncIterable<ResultRow>) {
  const out: ResultRow[] = [];
  for await (const row of iterable) out.push(row);
  return out;
}

test('NaN, ±Infinity and missing metrics stay distinct from end to end', async (t) => {
  const { store, path } = await freshStore(t);
  const sweep = makeSweep('nan', { width: [10, 20] });
  const { sweepId } = await store.createSweep(sweep);
  const [a, b] = sweep.runs.map((r) => r.runId);
  const m = metrics({
    rel_l2: Number.NaN,
    final_loss: Number.POSITIVE_INFINITY,
    energy: Number.NEGATIVE_INFINITY,
    energy_gap: Number.NaN,
    diverged_step: 7,
  });
  await store.recordEvents([
    start(a, 'a', 1),
    final(a, 'a', 2, 'diverged', { result: result(m) }),
    start(b, 'b', 3),
    final(b, 'b', 4, 'crashed', { error: 'boom' }),
  ]);

  // In SQL: NaN is NULL and named in nan_metrics; ±Inf are real ±Inf.
  const [raw] = await rows<Record<string, unknown>>(
    path,
    'SELECT rel_l2, energy_gap, nan_metrics, typeof(final_loss) AS t, ' +
      'final_loss > 1e308 AS big, energy < -1e308 AS small ' +
      'FROM metrics WHERE run_id = ?',
    [a],
  );
  assert.deepEqual(raw, {
    rel_l2: null,
    energy_gap: null,
    nan_metrics: 'rel_l2,energy_gap',
    t: 'real',
    big: 1,
    small: 1,
  });

  const [diverged, crashed] = await collect(store.exportRows(sweepId));
  assert.ok(Number.isNaN(diverged.rel_l2));
  assert.ok(Number.isNaN(diverged.energy_gap));
  assert.equal(diverged.final_loss, Number.POSITIVE_INFINITY);
  assert.equal(diverged.energy, Number.NEGATIVE_INFINITY);
  assert.equal(diverged.diverged_step, 7);
  assert.equal(diverged.rel_h1, m.rel_h1);
  assert.equal(crashed.rel_l2, null, 'not measured stays null');
  assert.equal(crashed.error, 'boom');

  const json = JSON.parse(stringifyJson(diverged));
  assert.equal(json.rel_l2, 'NaN');
  assert.equal(json.final_loss, 'Infinity');
  assert.equal(json.energy, '-Infinity');
  assert.equal(JSON.parse(stringifyJson(crashed)).rel_l2, null);

  const curve = await rows<{ loss_json: string }>(
    path,
    'SELECT loss_json FROM curves WHERE run_id = ?',
    [a],
  );
  assert.deepEqual(JSON.parse(curve[0].loss_json), {
    step: [0, 50, 100],
    loss: [0, 'Infinity', 'Infinity'],
  });
});

test('readMetrics turns only the listed NULLs back into NaN', () => {
  const row = { rel_l2: null, rel_h1: null, energy: 1, nan_metrics: 'rel_l2' };
  const read = readMetrics(row);
  assert.ok(Number.isNaN(read.rel_l2));
  assert.equal(read.rel_h1, null);
  assert.equal(read.energy, 1);
  assert.equal(row.rel_l2, null, 'the input is not changed');
});

test('the results view has one row per run with settings and metrics', async (t) => {
  const { store, sweep, sweepId } = await studyStore(t);
  const all = await collect(store.exportRows(sweepId));
  assert.equal(all.length, sweep.runs.length);
  assert.deepEqual(Object.keys(all[0]), [...RESULT_COLUMNS]);
  for (const [i, row] of all.entries()) {
    const run = sweep.runs[i];
    const expected = studyOutcome(run.config);
    assert.equal(row.sweep, 'study');
    assert.equal(row.run_id, run.runId);
    assert.equal(row.idx, i);
    assert.equal(row.activation, run.config.activation);
    assert.equal(row.lr, run.config.lr);
    assert.equal(row.status, expected.status);
    assert.equal(row.failed, expected.status === 'done' ? 0 : 1);
    assert.equal(row.attempts, Math.max(expected.crashes, 1));
    if (expected.metrics) {
      assert.ok(Object.is(row.rel_l2, expected.metrics.rel_l2));
      assert.equal(row.wall_ms, expected.metrics.wall_ms);
    } else {
      assert.equal(row.rel_l2, null);
    }
  }
});

test('exportRows streams in grid order, page by page, from one snapshot', async (t) => {
  const { store, sweep, sweepId } = await studyStore(t);
  const reset = await store.resetForRetry(sweepId, ['inaccurate']);
  assert.ok(reset.length > 0);

  const seen: ResultRow[] = [];
  let cancelled = 0;
  for await (const row of store.exportRows(sweepId, 4)) {
    seen.push(row);
    // A write while the export is under way is not seen by it.
    if (seen.length === 1) cancelled = await store.cancelSweep(sweepId);
  }
  assert.equal(cancelled, reset.length, 'the cancel did happen');
  assert.deepEqual(
    seen.map((r) => r.idx),
    sweep.runs.map((r) => r.idx),
  );
  const statuses = seen.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 'cancelled').length, 0);
  assert.equal(statuses.filter((s) => s === 'queued').length, reset.length);

  let n = 0;
  for await (const _ of store.exportRows(sweepId, 2)) if (++n === 3) break;
  assert.equal(n, 3);
  assert.equal(
    (await store.statusCounts(sweepId)).cancelled,
    reset.length,
    'the store is usable after an export stopped early',
  );
});

test('the failure table matches the study computed by hand', async (t) => {
  const { store, sweep, sweepId } = await studyStore(t);
  const cells = await store.failureTable(sweepId);
  assert.equal(
    cells.length,
    STUDY_GRID.activation.length * STUDY_GRID.gradient.length,
  );
  for (const cell of cells) {
    const runs = sweep.runs.filter(
      (r) =>
        r.config.activation === cell.activation &&
        r.config.gradient === cell.gradient,
    );
    const outcomes = runs.map((r) => studyOutcome(r.config));
    const failed = outcomes.filter((o) => o.status !== 'done').length;
    assert.equal(cell.runs, runs.length);
    assert.equal(cell.finals, runs.length);
    assert.equal(cell.failed, failed);
    assert.equal(cell.failureRate, failed / runs.length);
    const values = outcomes
      .map((o) => o.metrics?.rel_l2)
      .filter((v): v is number => v !== undefined && !Number.isNaN(v))
      .sort((x, y) => x - y);
    const mid = values.length / 2;
    const median =
      values.length % 2 === 1
        ? values[Math.floor(mid)]
        : (values[mid - 1] + values[mid]) / 2;
    // SQLite averages the two middle values in the same double arithmetic.
    assert.equal(
      cell.medianRelL2,
      median,
      `${cell.activation} ${cell.gradient}`,
    );
  }
  const reluAutodiff = cells.find(
    (c) => c.activation === 'relu' && c.gradient === 'autodiff',
  );
  assert.equal(reluAutodiff?.failureRate, 1);
  assert.equal(reluAutodiff?.counts.inaccurate, 8);
});

test('the per-axis summary gives failure rate and mean wall time per value', async (t) => {
  const { store, sweep, sweepId } = await studyStore(t);
  const summary = await store.axisSummary(sweepId);
  assert.deepEqual(
    summary.map((s) => `${s.axis}=${s.value}`),
    [
      'activation=relu',
      'activation=tanh',
      'width=10',
      'width=20',
      'lr=0.001',
      'lr=0.01',
      'gradient=analytic',
      'gradient=autodiff',
      'seed=0',
      'seed=1',
    ],
  );
  for (const s of summary) {
    const runs = sweep.runs.filter(
      (r) => r.config[s.axis as keyof typeof r.config] === s.value,
    );
    const outcomes = runs.map((r) => studyOutcome(r.config));
    const failed = outcomes.filter((o) => o.status !== 'done').length;
    const walls = outcomes.flatMap((o) =>
      o.metrics ? [o.metrics.wall_ms] : [],
    );
    assert.equal(s.runs, runs.length);
    assert.equal(s.failed, failed);
    assert.equal(s.failureRate, failed / runs.length);
    const mean = walls.reduce((x, y) => x + y, 0) / walls.length;
    // Means of a few exact integers: equal up to summation order.
    assert.ok(Math.abs((s.meanWallMs ?? 0) - mean) < 1e-9, `${s.axis}`);
  }
});

test('the dashboard and README queries use indexes, not table scans', async (t) => {
  const { path } = await studyStore(t);
  const plan = async (sql: string) =>
    (await rows<{ detail: string }>(path, `EXPLAIN QUERY PLAN ${sql}`)).map(
      (r) => r.detail,
    );
  const counts = await plan(
    'SELECT status, count(*) FROM runs WHERE sweep_id = 1 GROUP BY status',
  );
  assert.match(counts.join(' '), /COVERING INDEX runs_sweep_status/);
  const cells = await plan(
    'SELECT activation, gradient, status, count(*) FROM runs ' +
      'WHERE sweep_id = 1 GROUP BY activation, gradient, status',
  );
  assert.match(
    cells.join(' '),
    /COVERING INDEX runs_sweep_activation_gradient/,
  );
  const page = await plan(
    "SELECT run_id FROM runs WHERE sweep_id = 1 AND status = 'crashed' " +
      'AND idx > 10 ORDER BY idx LIMIT 50',
  );
  assert.match(
    page.join(' '),
    /INDEX runs_sweep_status \(sweep_id=\? AND status=\? AND idx>\?\)/,
  );
  assert.doesNotMatch(page.join(' '), /TEMP B-TREE/);
  const view = await plan(
    "SELECT * FROM results WHERE sweep = 'study' AND idx > 10 " +
      'ORDER BY idx LIMIT 50',
  );
  assert.doesNotMatch(view.join(' '), /SCAN r\b|TEMP B-TREE/);
  const recent = await plan(
    'SELECT count(*) FROM metrics WHERE recorded_at > 5',
  );
  assert.match(recent.join(' '), /metrics_recorded_at/);
});
