import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecorderEvent } from '../../workers/events.ts';
import {
  final,
  freshStore,
  makeSweep,
  metrics,
  result,
  retry,
  rows,
  start,
} from './fixture.ts';

interface AttemptRow {
  attempt: number;
  token: string;
  generation: number;
  started_at: number;
  ended_at: number | null;
  outcome: string | null;
  error: string | null;
}

async function oneRun(t: Parameters<typeof freshStore>[0]) {
  const fresh = await freshStore(t);
  const sweep = makeSweep('one', { width: [10, 20] });
  const { sweepId } = await fresh.store.createSweep(sweep);
  const runId = sweep.runs[0].runId;
  const attempts = () =>
    rows<AttemptRow>(
      fresh.path,
      'SELECT attempt, token, generation, started_at, ended_at, outcome, ' +
        'error FROM attempts WHERE run_id = ? ORDER BY attempt',
      [runId],
    );
  const run = async () =>
    (
      await rows<{ status: string; generation: number }>(
        fresh.path,
        'SELECT status, generation FROM runs WHERE run_id = ?',
        [runId],
      )
    )[0];
  const metricRows = () =>
    rows<{ status: string; rel_l2: number; attempt: number; worker: string }>(
      fresh.path,
      'SELECT status, rel_l2, attempt, worker FROM metrics WHERE run_id = ?',
      [runId],
    );
  return { ...fresh, sweep, sweepId, runId, attempts, run, metricRows };
}

const ok = (rel_l2: number) => ({ result: result(metrics({ rel_l2 })) });

test('a start makes the run running and opens attempt 1', async (t) => {
  const s = await oneRun(t);
  await s.store.recordEvents([start(s.runId, 'a', 100)]);
  assert.deepEqual(await s.run(), { status: 'running', generation: 0 });
  const [attempt] = await s.attempts();
  assert.equal(attempt.attempt, 1);
  assert.equal(attempt.outcome, null);
  assert.equal(attempt.started_at, 100);
  assert.equal((await s.store.statusCounts(s.sweepId)).running, 1);
});

test('the first final result wins; a duplicate final never overwrites it', async (t) => {
  const s = await oneRun(t);
  await s.store.recordEvents([
    start(s.runId, 'a', 100),
    final(s.runId, 'a', 200, 'done', ok(1e-3)),
  ]);
  // The same try reported twice (a redelivered stream entry), then a
  // different try of the same run finishing later with another result.
  await s.store.recordEvents([final(s.runId, 'a', 300, 'inaccurate', ok(0.5))]);
  await s.store.recordEvents([
    start(s.runId, 'b', 400),
    final(s.runId, 'b', 500, 'inaccurate', ok(0.7)),
  ]);
  assert.deepEqual(await s.metricRows(), [
    { status: 'done', rel_l2: 1e-3, attempt: 1, worker: 'host:1' },
  ]);
  assert.equal((await s.run()).status, 'done');
  const attempts = await s.attempts();
  assert.deepEqual(
    attempts.map((a) => [a.attempt, a.token, a.outcome, a.ended_at]),
    [
      [1, 'a', 'ok', 200],
      [2, 'b', 'ok', 500],
    ],
  );
  const curves = await rows(s.path, 'SELECT * FROM curves');
  assert.equal(curves.length, 1);
});

test('two finals of one run in one batch: only the first counts', async (t) => {
  const s = await oneRun(t);
  await s.store.recordEvents([
    start(s.runId, 'a', 1),
    start(s.runId, 'b', 2),
    final(s.runId, 'b', 3, 'done', ok(2e-3)),
    final(s.runId, 'a', 4, 'inaccurate', ok(0.9)),
  ]);
  assert.deepEqual(await s.metricRows(), [
    { status: 'done', rel_l2: 2e-3, attempt: 2, worker: 'host:1' },
  ]);
  const attempts = await s.attempts();
  // Try a was marked lost when b started, then reported after all.
  assert.deepEqual(
    attempts.map((a) => [a.token, a.outcome]),
    [
      ['a', 'ok'],
      ['b', 'ok'],
    ],
  );
});

test('a new try marks the open ones lost and numbers attempts per run', async (t) => {
  const s = await oneRun(t);
  const other = s.sweep.runs[1].runId;
  await s.store.recordEvents([start(s.runId, 'a', 10), start(other, 'x', 11)]);
  await s.store.recordEvents([start(s.runId, 'b', 20)]);
  await s.store.recordEvents([start(s.runId, 'c', 30)]);
  const attempts = await s.attempts();
  assert.deepEqual(
    attempts.map((a) => [a.attempt, a.token, a.outcome, a.ended_at]),
    [
      [1, 'a', 'lost', 20],
      [2, 'b', 'lost', 30],
      [3, 'c', null, null],
    ],
  );
  const theirs = await rows<{ attempt: number; outcome: string | null }>(
    s.path,
    'SELECT attempt, outcome FROM attempts WHERE run_id = ?',
    [other],
  );
  assert.deepEqual(theirs, [{ attempt: 1, outcome: null }], 'other run kept');
});

test('a start seen twice is one attempt', async (t) => {
  const s = await oneRun(t);
  await s.store.recordEvents([
    start(s.runId, 'a', 10),
    start(s.runId, 'a', 10),
  ]);
  await s.store.recordEvents([start(s.runId, 'a', 10)]);
  assert.equal((await s.attempts()).length, 1);
  assert.equal((await s.attempts())[0].outcome, null, 'not lost to itself');
});

test('a retry ends the try as crashed and puts the run back in the queue', async (t) => {
  const s = await oneRun(t);
  await s.store.recordEvents([
    start(s.runId, 'a', 10),
    retry(s.runId, 'a', 11, 'out of memory'),
  ]);
  assert.equal((await s.run()).status, 'queued');
  assert.deepEqual(
    (await s.attempts()).map((a) => [a.outcome, a.error]),
    [['crashed', 'out of memory']],
  );
  await s.store.recordEvents([
    start(s.runId, 'b', 20),
    final(s.runId, 'b', 21, 'crashed', { error: 'out of memory again' }),
  ]);
  assert.equal((await s.run()).status, 'crashed');
  const [m] = await rows<{ error: string; rel_l2: number | null }>(
    s.path,
    'SELECT error, rel_l2 FROM metrics',
  );
  assert.deepEqual(m, { error: 'out of memory again', rel_l2: null });
  assert.deepEqual(
    (await s.attempts()).map((a) => [a.attempt, a.outcome]),
    [
      [1, 'crashed'],
      [2, 'crashed'],
    ],
  );
});

test('a handed-back try ends lost and its run waits for the next try', async (t) => {
  const s = await oneRun(t);
  const handback = (token: string, at: number): RecorderEvent => ({
    kind: 'handback',
    runId: s.runId,
    token,
    generation: 0,
    worker: 'w',
    at,
    reason: 'worker stopping',
  });
  await s.store.recordEvents([start(s.runId, 'a', 10), handback('a', 12)]);
  assert.deepEqual(await s.run(), { status: 'queued', generation: 0 });
  assert.deepEqual(
    (await s.attempts()).map((a) => [a.outcome, a.ended_at, a.error]),
    [['lost', 12, 'handed back: worker stopping']],
  );
  // Late, after the next try began: that try keeps the run running.
  await s.store.recordEvents([start(s.runId, 'b', 20)]);
  await s.store.recordEvents([start(s.runId, 'c', 30), handback('b', 31)]);
  assert.equal((await s.run()).status, 'running');
  assert.deepEqual(
    (await s.attempts()).map((a) => [a.token, a.outcome]),
    [
      ['a', 'lost'],
      ['b', 'lost'],
      ['c', null],
    ],
  );
  // A run with its result stays final.
  await s.store.recordEvents([final(s.runId, 'c', 40, 'done', ok(1e-4))]);
  await s.store.recordEvents([handback('c', 41)]);
  assert.equal((await s.run()).status, 'done');
  assert.equal((await s.attempts())[2].outcome, 'ok');
});

test('an event of a kind this version does not know is skipped', async (t) => {
  const s = await oneRun(t);
  const unknown = {
    ...start(s.runId, 'a', 10),
    kind: 'paused',
  } as unknown as RecorderEvent;
  await s.store.recordEvents([start(s.runId, 'a', 9), unknown]);
  assert.deepEqual(await s.run(), { status: 'running', generation: 0 });
  assert.deepEqual(await s.metricRows(), []);
});

test('a final that arrives before its start: recorded once, run stays final', async (t) => {
  const s = await oneRun(t);
  await s.store.recordEvents([final(s.runId, 'a', 50, 'done', ok(1e-3))]);
  await s.store.recordEvents([start(s.runId, 'a', 40)]);
  assert.equal((await s.run()).status, 'done');
  const attempts = await s.attempts();
  assert.deepEqual(
    attempts.map((a) => [a.attempt, a.token, a.outcome]),
    [[1, 'a', 'ok']],
  );
  // A start of another try after the final (a redelivery racing the ack)
  // is a real try, but cannot reopen the run.
  await s.store.recordEvents([start(s.runId, 'b', 60)]);
  assert.equal((await s.run()).status, 'done');
  assert.equal((await s.store.statusCounts(s.sweepId)).done, 1);
});

test('a result of an older generation is ignored', async (t) => {
  const s = await oneRun(t);
  await s.store.recordEvents([
    start(s.runId, 'a', 1),
    final(s.runId, 'a', 2, 'crashed', { error: 'boom' }),
  ]);
  const [queued] = await s.store.resetForRetry(s.sweepId, ['crashed'], 3);
  assert.equal(queued.generation, 1);
  // The old try reports again (a late duplicate of generation 0).
  await s.store.recordEvents([
    final(s.runId, 'z', 4, 'done', { ...ok(1e-3), generation: 0 }),
  ]);
  assert.deepEqual(await s.run(), { status: 'queued', generation: 1 });
  assert.deepEqual(await s.metricRows(), []);
  await s.store.recordEvents([
    start(s.runId, 'b', 5, 1),
    final(s.runId, 'b', 6, 'done', { ...ok(2e-3), generation: 1 }),
  ]);
  assert.deepEqual(await s.run(), { status: 'done', generation: 1 });
  assert.equal((await s.metricRows())[0].rel_l2, 2e-3);
});

test('events of runs that are not in the store are skipped', async (t) => {
  const s = await oneRun(t);
  await s.store.recordEvents([
    start('ffffffffffffffff', 'ghost', 1),
    final('ffffffffffffffff', 'ghost', 2, 'done', ok(1e-3)),
    start(s.runId, 'a', 3),
  ]);
  assert.equal((await rows(s.path, 'SELECT * FROM attempts')).length, 1);
  assert.equal((await rows(s.path, 'SELECT * FROM metrics')).length, 0);
});

test('a batch is one transaction: a bad event leaves nothing of it', async (t) => {
  const s = await oneRun(t);
  const bad = {
    ...final(s.runId, 'a', 2, 'done', ok(1e-3)),
    status: 'exploded',
  } as unknown as RecorderEvent;
  await assert.rejects(
    s.store.recordEvents([start(s.runId, 'a', 1), bad]),
    /CHECK constraint failed/,
  );
  assert.deepEqual(await s.attempts(), []);
  assert.deepEqual(await s.run(), { status: 'queued', generation: 0 });
  // The store goes on after a failed batch.
  await s.store.recordEvents([start(s.runId, 'a', 1)]);
  assert.equal((await s.attempts()).length, 1);
});

test('replaying every batch again changes nothing', async (t) => {
  const s = await oneRun(t);
  const other = s.sweep.runs[1].runId;
  const batches: RecorderEvent[][] = [
    [start(s.runId, 'a', 1), start(other, 'x', 2)],
    [retry(s.runId, 'a', 3, 'boom'), start(s.runId, 'b', 4)],
    [final(s.runId, 'b', 5, 'done', ok(1e-3)), final(other, 'x', 6, 'timeout')],
  ];
  for (const batch of batches) await s.store.recordEvents(batch);
  const dump = () =>
    Promise.all(
      ['runs', 'attempts', 'metrics', 'curves', 'sweeps'].map((table) =>
        rows(s.path, `SELECT * FROM ${table} ORDER BY 1, 2`),
      ),
    );
  const before = await dump();
  for (const batch of batches) await s.store.recordEvents(batch);
  await s.store.recordEvents(batches.flat());
  assert.deepEqual(await dump(), before);
});

test('sweep start and finish times follow the first try and the last result', async (t) => {
  const s = await oneRun(t);
  const other = s.sweep.runs[1].runId;
  await s.store.recordEvents([start(other, 'x', 70), start(s.runId, 'a', 50)]);
  let sweep = await s.store.getSweep('one');
  assert.equal(sweep?.startedAt, 50);
  assert.equal(sweep?.finishedAt, null);
  await s.store.recordEvents([final(s.runId, 'a', 80, 'done', ok(1e-3))]);
  assert.equal((await s.store.getSweep('one'))?.finishedAt, null);
  await s.store.recordEvents([
    final(other, 'x', 90, 'diverged', ok(Number.NaN)),
  ]);
  sweep = await s.store.getSweep('one');
  assert.equal(sweep?.finishedAt, 90);
  await s.store.resetForRetry(s.sweepId, ['diverged'], 95);
  assert.equal((await s.store.getSweep('one'))?.finishedAt, null);
});
