import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { Redis } from 'ioredis';
import { enqueueRuns, startRecorder } from '../../coordinator/queue/index.ts';
import { EVENTS_STREAM, PREFIX } from '../../coordinator/queue/keys.ts';
import { redisForFile } from '../support/file-redis.ts';
import {
  eventually,
  finals,
  rows,
  type SweepFixture,
  smallSpec,
  spawnWorker,
  sweepFixture,
} from '../support/pipeline.ts';

const server = redisForFile();

/** The store, a recorder on it, and the sweep's runs enqueued. */
async function coordinator(t: TestContext, name: string, seeds: number) {
  const fx = await sweepFixture(smallSpec(name, seeds));
  const recorder = await startRecorder(server.url, fx.store, {
    housekeepingMs: 200,
  });
  t.after(async () => {
    await recorder.stop();
    await fx.close();
  });
  return {
    fx,
    recorder,
    enqueue: async () =>
      enqueueRuns(server.url, fx.plan, await fx.store.pendingRuns(fx.sweepId)),
    async close() {
      await recorder.stop();
      await fx.close();
    },
  };
}

async function isRunning(fx: SweepFixture, runId: string) {
  const [row] = await rows(
    fx.dbPath,
    `SELECT status FROM runs WHERE run_id = '${runId}'`,
  );
  return row?.status === 'running';
}

/** Keys left in Redis besides the queue's bookkeeping. */
async function leftovers(): Promise<{ jobs: number; events: number }> {
  const redis = new Redis(server.url);
  const keys = await redis.keys(`${PREFIX}:train:run-*`);
  const events = await redis.xlen(EVENTS_STREAM);
  redis.disconnect();
  return { jobs: keys.length, events };
}

test('a worker killed mid-run: the run is redelivered and recorded once', async (t) => {
  const c = await coordinator(t, 'kill-worker', 6);
  const slow = c.fx.plan.runs[0];
  // The first run sleeps 5 s before training in the first worker, so it
  // is surely in progress when that worker is killed.
  const first = spawnWorker(server.url, {
    owner: t,
    lockMs: 1000,
    faults: `sleep:5000@seed=${slow.config.seed}`,
  });
  await first.waitFor('joined');
  assert.equal(await c.enqueue(), 6);
  await eventually('the first try to start', () => isRunning(c.fx, slow.runId));
  await first.kill('SIGKILL');

  const second = spawnWorker(server.url, { lockMs: 1000, owner: t });
  await eventually(
    'every run to finish',
    async () => (await finals(c.fx)) === 6,
  );
  await c.recorder.drain();

  const tries = await rows(
    c.fx.dbPath,
    `SELECT worker, outcome FROM attempts WHERE run_id = '${slow.runId}'
     ORDER BY attempt`,
  );
  assert.deepEqual(
    tries.map((t) => t.outcome),
    ['lost', 'ok'],
  );
  assert.match(String(tries[0].worker), new RegExp(`:${first.pid}$`));
  assert.match(String(tries[1].worker), new RegExp(`:${second.pid}$`));

  // One result per run, and every other run trained exactly once.
  const [counts] = await rows(
    c.fx.dbPath,
    `SELECT (SELECT count(*) FROM metrics) AS results,
            (SELECT count(*) FROM attempts WHERE outcome = 'ok') AS trained,
            (SELECT count(*) FROM attempts) AS tries`,
  );
  assert.deepEqual(counts, { results: 6, trained: 6, tries: 7 });

  // Redis keeps nothing of a finished sweep: no jobs, no events.
  // A job completes just after its result is sent: give it a moment.
  await eventually('Redis to empty', async () => {
    const left = await leftovers();
    return left.jobs === 0 && left.events === 0;
  });
  await second.kill('SIGTERM');
  assert.equal((await second.exited).code, 0);
});

test('a run whose workers keep dying ends crashed, and the rest finish', async (t) => {
  const c = await coordinator(t, 'kill-twice', 3);
  const doomed = c.fx.plan.runs[0];
  const fault = `sleep:5000@seed=${doomed.config.seed}`;
  await c.enqueue();
  // BullMQ gives a stalled job back once (maxStalledCount 1); the second
  // stall fails it, and the recorder records that as `crashed`.
  for (let i = 0; i < 2; i++) {
    const doomedWorker = spawnWorker(server.url, {
      owner: t,
      lockMs: 500,
      faults: fault,
    });
    // The log numbers the try as the store's `attempts` will: a try
    // redelivered after a stall is try 2.
    await doomedWorker.waitFor(
      `run ${doomed.runId} of sweep kill-twice started (try ${i + 1},`,
    );
    await eventually('the try to be recorded', async () => {
      const [row] = await rows(
        c.fx.dbPath,
        `SELECT count(*) AS n FROM attempts WHERE run_id = '${doomed.runId}'`,
      );
      return row.n === i + 1;
    });
    await doomedWorker.kill('SIGKILL');
  }
  const healthy = spawnWorker(server.url, { lockMs: 500, owner: t });
  await eventually(
    'every run to finish',
    async () => (await finals(c.fx)) === 3,
  );

  const [result] = await rows(
    c.fx.dbPath,
    `SELECT status, error FROM metrics WHERE run_id = '${doomed.runId}'`,
  );
  assert.equal(result.status, 'crashed');
  assert.match(String(result.error), /stalled more than allowable limit/);
  const tries = await rows(
    c.fx.dbPath,
    `SELECT outcome, worker FROM attempts WHERE run_id = '${doomed.runId}'
     ORDER BY attempt`,
  );
  assert.deepEqual(
    tries.map((t) => t.outcome),
    ['lost', 'lost', 'crashed'],
  );
  // The crash is BullMQ's, noticed by whichever worker checked for stalls
  // (perhaps the healthy one, which never ran the run): no worker is named.
  assert.equal(tries[2].worker, 'queue');
  assert.notEqual(tries[0].worker, 'queue');
  await c.recorder.drain();
  // A job completes just after its result is sent: give it a moment.
  await eventually('Redis to empty', async () => {
    const left = await leftovers();
    return left.jobs === 0 && left.events === 0;
  });
  await healthy.kill('SIGTERM');
});
