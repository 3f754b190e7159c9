import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queueCounts } from '../../coordinator/queue/index.ts';
import { redisForFile } from '../support/file-redis.ts';
import {
  eventually,
  rows,
  smallSpec,
  spawnWorker,
  specDir,
} from '../support/pipeline.ts';
import { runSweep, spawnSweep } from '../support/processes.ts';

const server = redisForFile();

async function count(dbPath: string, sql: string): Promise<number> {
  const [row] = await rows(dbPath, sql);
  return Number(row?.n ?? 0);
}

test('coordinator killed mid-sweep: resume runs only what has no result, twice is a no-op', async (t) => {
  const total = 12;
  const dir = specDir(smallSpec('coordinator-kill', total));
  t.after(() => dir.close());
  const db = ['--redis', server.url, '--db', dir.dbPath];
  const worker = spawnWorker(server.url, { faults: 'sleep:300@*', owner: t });
  await worker.waitFor('joined');

  const coordinator = spawnSweep(['run', dir.specPath, ...db]);
  await eventually('a few results', async () => {
    const n = await count(
      dir.dbPath,
      "SELECT count(*) AS n FROM runs WHERE status = 'inaccurate'",
    ).catch(() => 0);
    return n >= 3;
  });
  await coordinator.kill('SIGKILL');
  // Meanwhile the worker goes on; its results wait in Redis.
  const recordedAtKill = await count(
    dir.dbPath,
    'SELECT count(*) AS n FROM metrics',
  );
  await eventually('results waiting in Redis', async () => {
    return (await queueCounts(server.url)).unrecorded > 0;
  });

  const resumed = await runSweep([
    'resume',
    'coordinator-kill',
    ...db,
    '--json',
  ]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary = JSON.parse(resumed.stdout);
  assert.equal(summary.outcome, 'complete');
  // Runs still queued were not added again; nothing finished is enqueued.
  assert.ok(summary.enqueued <= total - recordedAtKill);

  // Every run trained exactly once: one try each, each ended `ok`.
  assert.equal(
    await count(dir.dbPath, 'SELECT count(*) AS n FROM metrics'),
    total,
  );
  assert.equal(
    await count(dir.dbPath, 'SELECT count(*) AS n FROM attempts'),
    total,
  );
  assert.equal(
    await count(
      dir.dbPath,
      "SELECT count(*) AS n FROM attempts WHERE outcome = 'ok'",
    ),
    total,
  );

  const again = await runSweep(['resume', 'coordinator-kill', ...db, '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).enqueued, 0);
  assert.equal(
    await count(dir.dbPath, 'SELECT count(*) AS n FROM attempts'),
    total,
  );
  await worker.kill('SIGTERM');
});

test('two coordinators start the same spec at once: each run exists once', async (t) => {
  const total = 10;
  const dir = specDir(smallSpec('two-coordinators', total));
  t.after(() => dir.close());
  const db = ['--redis', server.url, '--db', dir.dbPath];
  const worker = spawnWorker(server.url, { threads: 2, owner: t });
  await worker.waitFor('joined');

  const [a, b] = await Promise.all([
    runSweep(['run', dir.specPath, ...db, '--json']),
    runSweep(['run', dir.specPath, ...db, '--json']),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  for (const out of [a, b])
    assert.equal(JSON.parse(out.stdout).outcome, 'complete');

  assert.equal(await count(dir.dbPath, 'SELECT count(*) AS n FROM sweeps'), 1);
  const [runs] = await rows(
    dir.dbPath,
    `SELECT count(*) AS n, count(DISTINCT run_id) AS ids FROM runs`,
  );
  assert.deepEqual(runs, { n: total, ids: total });
  const [results] = await rows(
    dir.dbPath,
    `SELECT count(*) AS n, count(DISTINCT run_id) AS ids FROM metrics`,
  );
  assert.deepEqual(results, { n: total, ids: total });
  await worker.kill('SIGTERM');
});
