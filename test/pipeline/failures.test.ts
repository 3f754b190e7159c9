import assert from 'node:assert/strict';
import { test } from 'node:test';
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

test('each failure ends as its own status, in a worker that keeps going', async (t) => {
  // Seeds 0–4 train normally unless a fault says otherwise; the included
  // run takes a gradient step of 1e300 and diverges.
  const fx = await sweepFixture(
    smallSpec('failures', 5, {
      include: [{ lr: 1e300, optimizer: 'sgd', seed: 9 }],
      retries: 1,
      timeout: '2s',
    }),
  );
  const recorder = await startRecorder(server.url, fx.store, {
    housekeepingMs: 200,
  });
  t.after(async () => {
    await recorder.stop();
    await fx.close();
  });
  const worker = spawnWorker(server.url, {
    threads: 2,
    // A small heap makes the `oom` fault reach the limit quickly.
    threadHeapMb: 64,
    faults: 'throw@seed=1,hang@seed=2,exit@seed=3,oom@seed=4',
  });
  await worker.waitFor('joined');
  const backoffMs = 300;
  await enqueueRuns(
    server.url,
    fx.plan,
    await fx.store.pendingRuns(fx.sweepId),
    { backoffMs },
  );
  await eventually('every run to finish', async () => (await finals(fx)) === 6);

  const results = await rows(
    fx.dbPath,
    `SELECT seed, status, error, attempts FROM results ORDER BY seed`,
  );
  const bySeed = Object.fromEntries(results.map((r) => [r.seed, r]));
  assert.equal(bySeed[0].status, 'inaccurate');
  assert.equal(bySeed[9].status, 'diverged');
  assert.equal(bySeed[9].attempts, 1, 'diverged is a result, not retried');
  assert.equal(bySeed[1].status, 'crashed');
  assert.match(String(bySeed[1].error), /injected fault: throw@seed=1/);
  assert.equal(bySeed[2].status, 'timeout');
  assert.equal(bySeed[2].attempts, 1, 'a timeout is final, not retried');
  assert.equal(bySeed[3].status, 'crashed');
  assert.equal(bySeed[4].status, 'crashed');
  assert.match(String(bySeed[4].error), /memory/i);
  for (const seed of [1, 3, 4]) assert.equal(bySeed[seed].attempts, 2);

  // The retry waited out its backoff: the second try started at least
  // `backoffMs` after the first one ended.
  const tries = await rows(
    fx.dbPath,
    `SELECT a.outcome, a.started_at, a.ended_at, a.error FROM attempts a
     JOIN runs r USING (run_id) WHERE r.seed = 1 ORDER BY a.attempt`,
  );
  assert.deepEqual(
    tries.map((t) => t.outcome),
    ['crashed', 'crashed'],
  );
  assert.match(String(tries[0].error), /injected fault/);
  const gap = Number(tries[1].started_at) - Number(tries[0].ended_at);
  assert.ok(gap >= backoffMs, `retried after ${gap} ms`);

  // The same process did all of it: dead and starved threads were replaced.
  assert.equal(worker.child.exitCode, null);
  const workers = await rows(fx.dbPath, 'SELECT DISTINCT worker FROM attempts');
  assert.equal(workers.length, 1);
  // The hung run's thread was stopped, not left spinning: the worker stops
  // at once, with nothing left to finish.
  await worker.kill('SIGTERM');
  assert.equal((await worker.exited).code, 0);
});
