import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { Redis } from 'ioredis';
import {
  cancelQueued,
  enqueueRuns,
  queueCounts,
  startRecorder,
} from '../../coordinator/queue/index.ts';
import { PREFIX } from '../../coordinator/queue/keys.ts';
import { redisForFile } from '../support/file-redis.ts';
import {
  eventually,
  finals,
  rows,
  smallSpec,
  spawnWorker,
  sweepFixture,
} from '../support/pipeline.ts';
import { runSweep } from '../support/processes.ts';

const server = redisForFile();

async function coordinator(t: TestContext, name: string, seeds: number) {
  const fx = await sweepFixture(smallSpec(name, seeds));
  const recorder = await startRecorder(server.url, fx.store, {
    housekeepingMs: 200,
  });
  t.after(async () => {
    await recorder.stop();
    await fx.close();
  });
  const enqueue = async () =>
    enqueueRuns(server.url, fx.plan, await fx.store.pendingRuns(fx.sweepId));
  return { fx, recorder, enqueue };
}

async function outcomes(dbPath: string, runId: string) {
  const tries = await rows(
    dbPath,
    `SELECT outcome FROM attempts WHERE run_id = '${runId}' ORDER BY attempt`,
  );
  return tries.map((a) => a.outcome);
}

test('SIGTERM lets a running run finish within the grace period', async (t) => {
  const { fx, enqueue } = await coordinator(t, 'stop-finish', 1);
  const [run] = fx.plan.runs;
  const worker = spawnWorker(server.url, {
    owner: t,
    faults: 'sleep:1500@*',
    graceMs: 30_000,
  });
  await worker.waitFor('joined');
  await enqueue();
  await worker.waitFor(`run ${run.runId} of sweep stop-finish started`);
  await worker.kill('SIGTERM');
  assert.equal((await worker.exited).code, 0);
  assert.equal(
    worker.count(
      /stopping: taking no more runs, 1 run in progress gets 30\.0 s to finish$/,
    ),
    1,
    worker.lines.join('\n'),
  );
  assert.ok(worker.count(`run ${run.runId} inaccurate`) === 1);
  await eventually('the result', async () => (await finals(fx)) === 1);
  assert.deepEqual(await outcomes(fx.dbPath, run.runId), ['ok']);
});

test('past the grace period a run is handed back and trained elsewhere at once', async (t) => {
  const { fx, enqueue, recorder } = await coordinator(t, 'stop-hand-back', 1);
  const [run] = fx.plan.runs;
  // The default 30 s lock: a run redelivered sooner was handed back, not
  // found stalled.
  const leaving = spawnWorker(server.url, {
    owner: t,
    faults: 'sleep:10000@*',
    graceMs: 200,
  });
  await leaving.waitFor('joined');
  await enqueue();
  await eventually('the first try to start', async () => {
    return (await outcomes(fx.dbPath, run.runId)).length === 1;
  });
  const stoppedAt = Date.now();
  await leaving.kill('SIGTERM');
  assert.equal((await leaving.exited).code, 0);
  await leaving.waitFor(`run ${run.runId} handed back to the queue`);
  assert.equal(
    leaving.count('grace period over, handing 1 run back to the queue'),
    1,
    leaving.lines.join('\n'),
  );
  // The store knows at once: the try ended, the run waits in the queue.
  await recorder.drain();
  assert.deepEqual(await outcomes(fx.dbPath, run.runId), ['lost']);
  const [state] = await rows(
    fx.dbPath,
    `SELECT status FROM runs WHERE run_id = '${run.runId}'`,
  );
  assert.equal(state?.status, 'queued');

  const staying = spawnWorker(server.url, { owner: t });
  await eventually('the result', async () => (await finals(fx)) === 1);
  assert.ok(Date.now() - stoppedAt < 25_000, 'not redelivered as stalled');
  assert.deepEqual(await outcomes(fx.dbPath, run.runId), ['lost', 'ok']);
  await staying.kill('SIGTERM');
});

test('on SIGTERM a run waiting in line for a thread is handed back at once', async (t) => {
  // 30 short runs, then a long one: while runs are short the worker takes
  // a second job per thread, which waits in line behind the long run.
  const { fx, enqueue } = await coordinator(t, 'stop-waiting', 40);
  // Should it fail half-way, its queued jobs must not reach later tests.
  t.after(() => cancelQueued(server.url, 'stop-waiting'));
  const long = fx.plan.runs[30];
  const worker = spawnWorker(server.url, {
    owner: t,
    faults: `sleep:3000@seed=${long.config.seed}`,
    graceMs: 30_000,
  });
  await worker.waitFor('joined');
  await enqueue();
  await worker.waitFor(`run ${long.runId} of sweep stop-waiting started`);
  // The long run trains; the worker has taken the next job too.
  await eventually(
    'a second job for the one thread',
    async () => (await queueCounts(server.url)).active === 2,
  );
  await worker.kill('SIGTERM');
  assert.equal((await worker.exited).code, 0);

  const lines = worker.lines;
  const handed = lines.findIndex((l) => l.endsWith('handed back to the queue'));
  const longEnded = lines.findIndex((l) =>
    l.startsWith(`run ${long.runId} inaccurate after`),
  );
  assert.ok(handed >= 0, `nothing handed back:\n${lines.join('\n')}`);
  assert.ok(handed < longEnded, 'handed back before the long run ended');
  // It never began here: it has no try until another worker trains it.
  const waiting = lines[handed].split(' ')[1];
  assert.deepEqual(await outcomes(fx.dbPath, waiting), []);

  const staying = spawnWorker(server.url, { owner: t });
  await eventually('every result', async () => (await finals(fx)) === 40);
  assert.deepEqual(await outcomes(fx.dbPath, waiting), ['ok']);
  assert.deepEqual(await outcomes(fx.dbPath, long.runId), ['ok']);
  await staying.kill('SIGTERM');
});

test('cancel stops running tries, removes queued ones, and the worker goes on', async (t) => {
  const { fx, recorder, enqueue } = await coordinator(t, 'cancel-me', 8);
  const worker = spawnWorker(server.url, {
    owner: t,
    threads: 2,
    faults: 'sleep:10000@*',
  });
  await worker.waitFor('joined');
  await enqueue();
  await eventually('two tries to start', async () => {
    const [row] = await rows(fx.dbPath, 'SELECT count(*) AS n FROM attempts');
    return row.n === 2;
  });

  // What `sweep cancel` does: the store first, then Redis.
  const cancelledAt = Date.now();
  await fx.store.cancelSweep(fx.sweepId, cancelledAt);
  assert.equal(await cancelQueued(server.url, 'cancel-me'), 6);
  await eventually('the running tries to stop', async () => {
    const [row] = await rows(
      fx.dbPath,
      `SELECT count(*) AS n FROM attempts WHERE outcome = 'cancelled'`,
    );
    return row.n === 2;
  });
  // Stopped, not left to sleep out their 10 s.
  assert.ok(Date.now() - cancelledAt < 5000);
  const counts = await fx.store.statusCounts(fx.sweepId);
  assert.equal(counts.cancelled, 8);
  // The stopped tries' jobs complete right after their results are sent.
  await eventually('the queue to empty', async () => {
    const queue = await queueCounts(server.url);
    return queue.waiting + queue.active + queue.delayed === 0;
  });
  await recorder.drain();
  assert.equal((await queueCounts(server.url)).unrecorded, 0);
  const redis = new Redis(server.url);
  assert.deepEqual(await redis.keys(`${PREFIX}:train:run-*`), []);
  redis.disconnect();
  assert.equal(worker.child.exitCode, null);
  await worker.kill('SIGTERM');
});

test('a worker stops even when Redis is gone, within grace plus a few seconds', async (t) => {
  const { fx, enqueue } = await coordinator(t, 'stop-no-redis', 1);
  const worker = spawnWorker(server.url, {
    owner: t,
    faults: 'sleep:30000@*',
    graceMs: 200,
  });
  await worker.waitFor('joined');
  await enqueue();
  await eventually(
    'the try to start',
    async () => (await rows(fx.dbPath, 'SELECT 1 FROM attempts')).length === 1,
  );
  await server.kill();
  t.after(() => server.restart());
  await worker.waitFor('Redis lost');
  const stoppedAt = Date.now();
  await worker.kill('SIGTERM');
  assert.equal((await worker.exited).code, 0);
  // 200 ms of grace, then at most 5 s to hand back, then it gives up.
  assert.ok(Date.now() - stoppedAt < 8000, `took ${Date.now() - stoppedAt} ms`);
  assert.equal(
    worker.count('could not hand 1 run back'),
    1,
    worker.lines.join('\n'),
  );
});

test('a worker without Redis refuses to start, saying why', async () => {
  const result = await runSweep(['worker']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /sweep worker needs Redis: pass --redis/);
});
