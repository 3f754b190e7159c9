/**
 * `sweep run --redis` with two `sweep worker` processes against a real
 * redis-server: the coordinator records and does not train, and the
 * results are those of local mode, bit for bit.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { after, before, test } from 'node:test';
import {
  killAll,
  runSweep,
  type SweepProcess,
  spawnSweep,
} from '../support/processes.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import {
  query,
  scalar,
  smallSpec,
  tempDir,
  until,
  writeFile,
} from './helpers.ts';

const dir = tempDir();
let redis: RedisServer;
let workers: SweepProcess[] = [];

before(async () => {
  redis = await startRedis();
  workers = [1, 2].map((n) =>
    spawnSweep(['worker', '--redis', redis.url, '--threads', '1'], {
      // Only the cancel test's runs (seed 7) are slow.
      env: { PINN_SWEEP_FAULTS: 'sleep:8000@seed=7' },
      echo: process.env.ECHO_WORKERS ? `[worker ${n}]` : undefined,
    }),
  );
});

after(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await killAll();
  await redis?.stop();
  dir.remove();
});

// Everything of the results view except what depends on when and where a
// run trained.
const COMPARED = 'SELECT * FROM results WHERE sweep = ? ORDER BY idx';
const TIMING = ['wall_ms', 'steps_per_s', 'worker', 'recorded_at'];

async function resultsOf(db: string, sweep: string) {
  const rows = await query<Record<string, unknown>>(db, COMPARED, [sweep]);
  return rows.map((row) => {
    const kept = { ...row };
    for (const column of TIMING) delete kept[column];
    return kept;
  });
}

test('two workers give the run ids and results of local mode', async () => {
  const spec = writeFile(dir.path, 'both.yaml', smallSpec('both-modes'));
  const localDb = dir.file('local.sqlite');
  const sharedDb = dir.file('distributed.sqlite');

  const local = await runSweep(['run', spec, '--db', localDb]);
  assert.equal(local.code, 0, local.stderr);
  const coordinator = spawnSweep([
    'run',
    spec,
    '--db',
    sharedDb,
    '--redis',
    redis.url,
  ]);
  const exit = await coordinator.exited;
  assert.equal(exit.code, 0, coordinator.stderr());
  assert.match(coordinator.stderr(), /enqueued 12 runs/);
  assert.match(coordinator.stdout(), /12\/12 runs have a final result/);

  const expected = await resultsOf(localDb, 'both-modes');
  const got = await resultsOf(sharedDb, 'both-modes');
  assert.equal(got.length, 12);
  // deepStrictEqual compares numbers with Object.is: bit-identical
  // metrics, not merely close ones (training is deterministic).
  assert.deepStrictEqual(got, expected);

  const trainers = await query<{ worker: string }>(
    sharedDb,
    'SELECT DISTINCT worker FROM attempts ORDER BY worker',
  );
  const expectedWorkers = workers.map((w) => `${hostname()}:${w.pid}`).sort();
  assert.ok(
    trainers.every((t) => expectedWorkers.includes(t.worker)),
    `only the worker processes trained: ${JSON.stringify(trainers)}`,
  );
  assert.ok(
    !trainers.some((t) => t.worker === `${hostname()}:${coordinator.pid}`),
  );
});

test('--detach enqueues and returns; resume records the results', async () => {
  const spec = writeFile(dir.path, 'detached.yaml', smallSpec('detached'));
  const db = dir.file('detached.sqlite');
  const detached = await runSweep([
    'run',
    spec,
    '--db',
    db,
    '--redis',
    redis.url,
    '--detach',
    '--json',
  ]);
  assert.equal(detached.code, 0, detached.stderr);
  const summary = JSON.parse(detached.stdout);
  assert.equal(summary.outcome, 'detached');
  assert.equal(summary.enqueued, 12);

  const resumed = await runSweep([
    'resume',
    'detached',
    '--db',
    db,
    '--redis',
    redis.url,
  ]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(await scalar(db, 'SELECT count(*) FROM metrics'), 12);
  const oks = await scalar(
    db,
    "SELECT count(*) FROM attempts WHERE outcome = 'ok'",
  );
  assert.equal(oks, 12, 'each run trained once');
});

test('an unreachable Redis exits 1 naming the URL; nothing written', async () => {
  const spec = writeFile(dir.path, 'nowhere.yaml', smallSpec('nowhere'));
  const db = dir.file('nowhere.sqlite');
  // Port 1 on the loopback: nothing listens there, the connection is
  // refused at once.
  const url = 'redis://127.0.0.1:1';
  const result = await runSweep(['run', spec, '--db', db, '--redis', url]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /redis:\/\/127\.0\.0\.1:1/);
  assert.match(result.stderr, /cannot reach Redis/);
  // The socket's own reason, not the client's "Connection is closed".
  assert.match(result.stderr, /ECONNREFUSED/);
  assert.equal(existsSync(db), false, 'no database was created');
});

test('cancel with --redis stops the workers and the coordinator', async () => {
  // Seed 7 makes every try sleep 8 s on the workers: 6 runs on 2 workers
  // would take 24 s.
  const text = smallSpec('stopped').replace('seeds: 2', 'seeds: [7]');
  const spec = writeFile(dir.path, 'stopped.yaml', text);
  const db = dir.file('stopped.sqlite');
  const coordinator = spawnSweep([
    'run',
    spec,
    '--db',
    db,
    '--redis',
    redis.url,
  ]);
  await until(
    'a try under way',
    async () => {
      const open = 'SELECT count(*) FROM attempts WHERE outcome IS NULL';
      return (await scalar(db, open)) >= 1;
    },
    60_000,
  );
  const from = workers.map((w) => w.lines.length);

  const cancel = await runSweep([
    'cancel',
    'stopped',
    '--db',
    db,
    '--redis',
    redis.url,
  ]);
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.match(cancel.stderr, /removed \d+ queued jobs? from redis:/);
  const exit = await coordinator.exited;
  assert.equal(exit.code, 1, coordinator.stderr());
  assert.match(coordinator.stdout(), /sweep stopped was cancelled/);
  const statuses = await query<{ status: string; n: number }>(
    db,
    'SELECT status, count(*) AS n FROM metrics GROUP BY status',
  );
  assert.deepEqual(statuses, [{ status: 'cancelled', n: 6 }]);

  // The try under way is stopped, long before its 8 s end.
  await Promise.any(
    workers.map((w, i) =>
      w.waitFor(/cancelled, stopping it/, { from: from[i], timeoutMs: 6000 }),
    ),
  );
});
