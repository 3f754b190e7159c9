/**
 * `sweep retry --detach`, like `resume --detach`: with Redis it enqueues
 * the runs to retry and returns; without Redis it is refused up front.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { queueCounts } from '../../coordinator/queue/index.ts';
import { killAll, runSweep } from '../support/processes.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { scalar, smallSpec, tempDir, writeFile } from './helpers.ts';

const dir = tempDir('pinn-retry-detach-');
let redis: RedisServer;

before(async () => {
  redis = await startRedis();
});

after(async () => {
  await killAll();
  await redis.stop();
  dir.remove();
});

test('retry --detach enqueues the runs to retry and returns', async () => {
  const spec = writeFile(dir.path, 'again.yaml', smallSpec('again'));
  const db = dir.file('again.sqlite');
  const target = ['--db', db, '--redis', redis.url];
  // No worker: the runs wait in the queue until cancelled.
  const run = await runSweep(['run', spec, ...target, '--detach']);
  assert.equal(run.code, 0, run.stderr);
  const cancel = await runSweep(['cancel', 'again', ...target]);
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.equal((await queueCounts(redis.url)).waiting, 0);

  const local = await runSweep(['retry', 'again', '--db', db, '--detach']);
  assert.equal(local.code, 2, local.stderr);
  assert.match(local.stderr, /--detach needs --redis/);

  const retried = await runSweep([
    'retry',
    'again',
    '--status',
    'cancelled',
    ...target,
    '--detach',
    '--json',
  ]);
  assert.equal(retried.code, 0, retried.stderr);
  assert.equal(JSON.parse(retried.stdout).outcome, 'detached');
  assert.equal((await queueCounts(redis.url)).waiting, 12);
  const queued = "SELECT count(*) FROM runs WHERE status = 'queued'";
  assert.equal(await scalar(db, queued), 12);
});
