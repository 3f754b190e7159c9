import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { durableOptions } from '../../coordinator/queue/connection.ts';
import { createEventWriter } from '../../coordinator/queue/event-writer.ts';
import { enqueueRuns, startRecorder } from '../../coordinator/queue/index.ts';
import { redisForFile } from '../support/file-redis.ts';
import {
  eventually,
  finals,
  rows,
  smallSpec,
  spawnWorker,
  sweepFixture,
} from '../support/pipeline.ts';

const server = redisForFile();

test('a late result of a redelivered run never replaces the accepted one', async (t) => {
  // No retries: the frozen worker's try is its run's last, so when it
  // wakes up it reports a final result (crashed) for a run that already
  // has one.
  const fx = await sweepFixture(smallSpec('late-duplicate', 1, { retries: 0 }));
  const recorder = await startRecorder(server.url, fx.store, {
    housekeepingMs: 200,
  });
  t.after(async () => {
    await recorder.stop();
    await fx.close();
  });
  const [run] = fx.plan.runs;
  const frozen = spawnWorker(server.url, {
    lockMs: 1000,
    faults: 'sleep:2000@*,throw@*',
  });
  await frozen.waitFor('joined');
  await enqueueRuns(
    server.url,
    fx.plan,
    await fx.store.pendingRuns(fx.sweepId),
  );
  await eventually('the first try to start', async () => {
    const [row] = await rows(fx.dbPath, 'SELECT count(*) AS n FROM attempts');
    return row.n === 1;
  });
  // Frozen, it cannot renew its lock: the run is redelivered.
  frozen.child.kill('SIGSTOP');
  const healthy = spawnWorker(server.url, { lockMs: 1000 });
  await eventually('the accepted result', async () => (await finals(fx)) === 1);
  const [accepted] = await rows(
    fx.dbPath,
    `SELECT status, worker, attempt, recorded_at FROM metrics`,
  );
  assert.equal(accepted.status, 'inaccurate');
  assert.match(String(accepted.worker), new RegExp(`:${healthy.pid}$`));

  frozen.child.kill('SIGCONT');
  await frozen.waitFor(/crashed after .*injected fault/);
  await eventually('the late result to be recorded', async () => {
    const [first] = await rows(
      fx.dbPath,
      'SELECT outcome FROM attempts ORDER BY attempt LIMIT 1',
    );
    return first?.outcome === 'crashed';
  });

  const [kept] = await rows(
    fx.dbPath,
    `SELECT status, worker, attempt, recorded_at FROM metrics`,
  );
  assert.deepEqual(kept, accepted);
  const tries = await rows(
    fx.dbPath,
    `SELECT outcome, error FROM attempts ORDER BY attempt`,
  );
  // The frozen try is on record with what it reported, after the fact.
  assert.deepEqual(
    tries.map((a) => a.outcome),
    ['crashed', 'ok'],
  );
  assert.match(String(tries[0].error), /injected fault/);

  // A duplicate final straight into the stream changes nothing either.
  const redis = new Redis(durableOptions(server.url));
  await createEventWriter(redis).emit({
    kind: 'final',
    status: 'timeout',
    runId: run.runId,
    generation: 0,
    token: 'replayed',
    worker: 'elsewhere:1',
    at: Date.now(),
    error: 'late',
  });
  redis.disconnect();
  await recorder.drain();
  const [still] = await rows(
    fx.dbPath,
    `SELECT status, worker, attempt, recorded_at FROM metrics`,
  );
  assert.deepEqual(still, accepted);
  const [{ n }] = await rows(fx.dbPath, 'SELECT count(*) AS n FROM metrics');
  assert.equal(n, 1);
  await Promise.all([frozen.kill('SIGTERM'), healthy.kill('SIGTERM')]);
});
