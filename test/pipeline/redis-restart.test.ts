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

test('Redis restarted empty mid-sweep: workers go on, the unrecorded runs are enqueued again', async (t) => {
  const total = 16;
  const fx = await sweepFixture(smallSpec('redis-restart', total));
  const recorder = await startRecorder(server.url, fx.store, {
    housekeepingMs: 200,
  });
  t.after(async () => {
    await recorder.stop();
    await fx.close();
  });
  // Every run takes at least 250 ms, so the sweep is surely half done when
  // Redis goes away.
  const faults = 'sleep:250@*';
  const workers = [
    spawnWorker(server.url, { faults, lockMs: 2000 }),
    spawnWorker(server.url, { faults, lockMs: 2000 }),
  ];
  await Promise.all(workers.map((w) => w.waitFor('joined')));
  await enqueueRuns(
    server.url,
    fx.plan,
    await fx.store.pendingRuns(fx.sweepId),
  );
  await eventually(
    'a quarter of the runs',
    async () => (await finals(fx)) >= 4,
  );

  await server.restart(500);
  const restartedAt = Date.now();
  for (const w of workers) {
    await w.waitFor('Redis lost');
    await w.waitFor('Redis back');
  }

  // The tries under way when Redis went away finish, and their results
  // reach the new Redis: wait until both workers are idle.
  await eventually('the tries under way to end', () =>
    workers.every((w) => w.count(/ started \(try/) === w.count(/ after /)),
  );
  // What `sweep resume` does: record what is in Redis, then enqueue the
  // runs the store has no final result for. The queue is empty now, so
  // each of them is added, and none that has a result.
  await recorder.drain();
  const pending = await fx.store.pendingRuns(fx.sweepId);
  const recorded = await finals(fx);
  assert.equal(pending.length, total - recorded);
  assert.ok(pending.length > 0, 'the restart came before the sweep ended');
  const added = await enqueueRuns(server.url, fx.plan, pending);
  assert.equal(added, pending.length);

  await eventually(
    'every run to finish',
    async () => (await finals(fx)) === total,
  );
  const [counts] = await rows(
    fx.dbPath,
    `SELECT count(*) AS results, count(DISTINCT run_id) AS runs FROM metrics`,
  );
  assert.deepEqual(counts, { results: total, runs: total });

  // Both workers kept working after Redis came back.
  const after = await rows(
    fx.dbPath,
    `SELECT DISTINCT worker FROM attempts WHERE started_at > ${restartedAt}`,
  );
  assert.equal(after.length, 2);
  for (const w of workers) assert.equal(w.child.exitCode, null);
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
});
