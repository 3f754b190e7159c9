import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../coordinator/input-error.ts';
import { parseRunConfig } from '../../workers/run-config.ts';
import {
  final,
  freshStore,
  makeSweep,
  metrics,
  result,
  rows,
  start,
} from './fixture.ts';

test('createSweep records the sweep and every run with its settings', async (t) => {
  const { store, path } = await freshStore(t);
  // Values that are easy to round wrongly on the way through text; the
  // last two are ones SQLite's own text-to-REAL conversion gets 1 ulp off.
  const lrs = [
    0.1 + 0.2,
    1.2345678901234567e-3,
    5e-324,
    1e-3,
    9.27781672326605e-14,
    6672338.795578063,
  ];
  const sweep = makeSweep('exact', {
    lr: lrs,
    activation: ['relu', 'gelu'],
    seed: [Number.MAX_SAFE_INTEGER],
  });
  const { sweepId, created } = await store.createSweep(sweep, 1234);
  assert.equal(created, true);

  const stored = await rows<Record<string, unknown>>(
    path,
    'SELECT * FROM runs ORDER BY idx',
  );
  assert.equal(stored.length, sweep.runs.length);
  for (const [i, run] of sweep.runs.entries()) {
    const row = stored[i];
    assert.equal(row.run_id, run.runId);
    assert.equal(row.sweep_id, sweepId);
    assert.equal(row.idx, run.idx);
    assert.equal(row.status, 'queued');
    assert.equal(row.generation, 0);
    assert.equal(row.updated_at, 1234);
    for (const [name, value] of Object.entries(run.config)) {
      assert.ok(
        Object.is(row[name], value),
        `${name}: ${row[name]} ≠ ${value}`,
      );
    }
    assert.deepEqual(JSON.parse(row.config_json as string), run.config);
    const sortedKeys = Object.keys(run.config).sort();
    assert.equal(row.config_json, JSON.stringify(run.config, sortedKeys));
  }
  const sweepRow = await store.getSweep('exact');
  assert.deepEqual(
    { ...sweepRow, sweepId: 0 },
    {
      sweepId: 0,
      name: 'exact',
      specJson: sweep.specJson,
      specHash: sweep.specHash,
      axes: ['lr', 'activation', 'seed'],
      threshold: 5e-3,
      retries: 2,
      timeoutMs: 60_000,
      createdAt: 1234,
      startedAt: null,
      finishedAt: null,
      cancelledAt: null,
    },
  );
});

test('createSweep again with the same spec changes nothing', async (t) => {
  const { store, path } = await freshStore(t);
  const sweep = makeSweep('same', { width: [10, 20, 40] });
  const first = await store.createSweep(sweep, 1);
  await store.recordEvents([start(sweep.runs[0].runId, 'a', 5)]);
  const again = await store.createSweep(sweep, 2);
  assert.deepEqual(again, { sweepId: first.sweepId, created: false });
  const runs = await rows(path, 'SELECT status, updated_at FROM runs');
  assert.equal(runs.length, 3);
  assert.equal((await store.statusCounts(first.sweepId)).running, 1);
});

test('the same name with another spec is refused and changes nothing', async (t) => {
  const { store, path } = await freshStore(t);
  await store.createSweep(makeSweep('taken', { width: [10] }));
  const other = makeSweep('taken', { width: [10, 20] });
  await assert.rejects(store.createSweep(other), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.match(error.message, /sweep "taken" already exists/);
    return true;
  });
  assert.equal((await rows(path, 'SELECT * FROM runs')).length, 1);
});

test('two stores creating the same sweep at once record each run once', async (t) => {
  const { store, path } = await freshStore(t);
  const { openStore } = await import('../../coordinator/store/store.ts');
  const second = await openStore(path);
  t.after(() => second.close());
  const sweep = makeSweep('race', { width: [10, 20], lr: [1e-3, 1e-2] });
  const results = await Promise.all([
    store.createSweep(sweep),
    second.createSweep(sweep),
  ]);
  assert.deepEqual(results.map((r) => r.created).sort(), [false, true]);
  assert.equal(results[0].sweepId, results[1].sweepId);
  assert.equal((await rows(path, 'SELECT * FROM runs')).length, 4);
});

test('pendingRuns lists the runs without a final result, in grid order', async (t) => {
  const { store } = await freshStore(t);
  const sweep = makeSweep('p', { width: [10, 20, 40, 80] });
  const { sweepId } = await store.createSweep(sweep);
  const [r0, r1, r2] = sweep.runs.map((r) => r.runId);
  await store.recordEvents([
    start(r0, 'a', 1),
    final(r0, 'a', 2, 'done', { result: result(metrics()) }),
    start(r1, 'b', 3),
    start(r2, 'c', 4),
    final(r2, 'c', 5, 'timeout', { error: 'time limit' }),
  ]);
  const pending = await store.pendingRuns(sweepId);
  assert.deepEqual(
    pending.map((p) => p.runId),
    [sweep.runs[1].runId, sweep.runs[3].runId],
  );
  assert.deepEqual(pending[1], {
    runId: sweep.runs[3].runId,
    generation: 0,
    config: parseRunConfig({ steps: 100, width: 80 }),
  });
});

test('resetForRetry requeues exactly the chosen final states', async (t) => {
  const { store, path } = await freshStore(t);
  const sweep = makeSweep('r', { width: [10, 20, 40, 80] });
  const { sweepId } = await store.createSweep(sweep);
  const ids = sweep.runs.map((r) => r.runId);
  await store.recordEvents([
    start(ids[0], 'a', 1),
    final(ids[0], 'a', 2, 'crashed', { error: 'boom' }),
    start(ids[1], 'b', 1),
    final(ids[1], 'b', 2, 'timeout', { error: 'slow' }),
    start(ids[2], 'c', 1),
    final(ids[2], 'c', 2, 'done', { result: result(metrics()) }),
  ]);
  const again = await store.resetForRetry(sweepId, ['crashed', 'timeout'], 9);
  assert.deepEqual(
    again.map((r) => [r.runId, r.generation]),
    [
      [ids[0], 1],
      [ids[1], 1],
    ],
  );
  const counts = await store.statusCounts(sweepId);
  assert.equal(counts.queued, 3, 'two requeued plus one never started');
  assert.equal(counts.done, 1);
  const left = await rows<{ run_id: string }>(
    path,
    'SELECT run_id FROM metrics',
  );
  assert.deepEqual(
    left.map((r) => r.run_id),
    [ids[2]],
  );
  const curves = await rows<{ run_id: string }>(
    path,
    'SELECT run_id FROM curves',
  );
  assert.deepEqual(
    curves.map((r) => r.run_id),
    [ids[2]],
  );
  assert.equal(
    (await rows(path, 'SELECT * FROM attempts')).length,
    3,
    'the tries stay on record',
  );
  assert.deepEqual(await store.resetForRetry(sweepId, ['crashed']), []);
});

test('cancelSweep gives every unfinished run a cancelled result, once', async (t) => {
  const { store, path } = await freshStore(t);
  const sweep = makeSweep('c', { width: [10, 20, 40] });
  const { sweepId } = await store.createSweep(sweep);
  const ids = sweep.runs.map((r) => r.runId);
  await store.recordEvents([
    start(ids[0], 'a', 1),
    final(ids[0], 'a', 2, 'done', { result: result(metrics()) }),
    start(ids[1], 'b', 3),
  ]);
  assert.equal(await store.cancelSweep(sweepId, 10), 2);
  const counts = await store.statusCounts(sweepId);
  assert.deepEqual([counts.done, counts.cancelled, counts.queued], [1, 2, 0]);
  const sweepRow = await store.getSweep('c');
  assert.equal(sweepRow?.cancelledAt, 10);
  assert.equal(sweepRow?.finishedAt, 10);
  const open = await rows<{ outcome: string; ended_at: number }>(
    path,
    "SELECT outcome, ended_at FROM attempts WHERE token = 'b'",
  );
  assert.deepEqual(open, [{ outcome: 'cancelled', ended_at: 10 }]);
  const m = await rows<{ status: string; error: string }>(
    path,
    "SELECT status, error FROM metrics WHERE status = 'cancelled'",
  );
  assert.equal(m.length, 2);

  assert.equal(await store.cancelSweep(sweepId, 20), 0);
  assert.equal((await store.getSweep('c'))?.cancelledAt, 10, 'first kept');
  // The running try finishes after the cancel: its result is not taken.
  await store.recordEvents([
    final(ids[1], 'b', 30, 'done', { result: result(metrics()) }),
  ]);
  assert.equal((await store.statusCounts(sweepId)).cancelled, 2);
  assert.deepEqual(await store.pendingRuns(sweepId), []);

  const requeued = await store.resetForRetry(sweepId, ['cancelled']);
  assert.equal(requeued.length, 2);
  assert.equal((await store.getSweep('c'))?.cancelledAt, null, 'cancel lifted');
});

test('listSweeps gives counts, progress and times of every sweep', async (t) => {
  const { store } = await freshStore(t);
  const a = makeSweep('a', { width: [10, 20] });
  const b = makeSweep('b', { width: [10, 20, 40, 80] });
  await store.createSweep(a, 1);
  await store.createSweep(b, 2);
  await store.recordEvents([
    start(b.runs[0].runId, 't', 100),
    final(b.runs[0].runId, 't', 150, 'inaccurate', {
      result: result(metrics({ rel_l2: 0.3 })),
    }),
    start(b.runs[1].runId, 'u', 120),
  ]);
  const list = await store.listSweeps();
  assert.deepEqual(
    list.map((s) => [s.name, s.total, s.finals, s.progress, s.startedAt]),
    [
      ['a', 2, 0, 0, null],
      ['b', 4, 1, 0.25, 100],
    ],
  );
  assert.deepEqual(list[1].counts, {
    queued: 2,
    running: 1,
    done: 0,
    inaccurate: 1,
    diverged: 0,
    crashed: 0,
    timeout: 0,
    cancelled: 0,
  });
});
