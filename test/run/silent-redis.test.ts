/**
 * A Redis that takes the connection and never answers (wedged, or another
 * server on that port): commands give up after a while with a message
 * naming the URL, and `sweep cancel` writes nothing until Redis answers.
 * A later cancel on a working Redis removes the jobs the failed one left.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { queueCounts } from '../../coordinator/queue/index.ts';
import { killAll, runSweep } from '../support/processes.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { scalar, smallSpec, tempDir, writeFile } from './helpers.ts';

const dir = tempDir('pinn-silent-redis-');
let redis: RedisServer;
let silentUrl: string;
const sockets = new Set<Socket>();
const silent = createServer((socket) => sockets.add(socket));

before(async () => {
  redis = await startRedis();
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  silentUrl = `redis://127.0.0.1:${port}`;
});

after(async () => {
  await killAll();
  for (const socket of sockets) socket.destroy();
  silent.close();
  await redis.stop();
  dir.remove();
});

test('resume and cancel give up on a Redis that never answers, naming it', async () => {
  const spec = writeFile(dir.path, 'quiet.yaml', smallSpec('quiet'));
  const db = dir.file('quiet.sqlite');
  // Recorded first, in local mode's file, with its jobs on a working Redis.
  const detached = await runSweep([
    'run',
    spec,
    '--db',
    db,
    '--redis',
    redis.url,
    '--detach',
  ]);
  assert.equal(detached.code, 0, detached.stderr);

  const started = Date.now();
  const ran = await runSweep(
    ['resume', 'quiet', '--db', db, '--redis', silentUrl],
    { timeoutMs: 30_000 },
  );
  assert.equal(ran.code, 1, ran.stderr);
  assert.match(
    ran.stderr,
    new RegExp(`cannot reach Redis at ${silentUrl}: no answer within 10 s`),
  );
  assert.ok(Date.now() - started < 25_000);

  const cancel = await runSweep(
    ['cancel', 'quiet', '--db', db, '--redis', silentUrl],
    { timeoutMs: 30_000 },
  );
  assert.equal(cancel.code, 1, cancel.stderr);
  assert.match(cancel.stderr, /no answer within 10 s/);
  const cancelled = "SELECT count(*) FROM runs WHERE status = 'cancelled'";
  assert.equal(await scalar(db, cancelled), 0, 'nothing was written');

  // Cancelled in the store alone (no --redis): the jobs stay in Redis
  // until a cancel that reaches it removes them.
  const storeOnly = await runSweep(['cancel', 'quiet', '--db', db]);
  assert.equal(storeOnly.code, 0, storeOnly.stderr);
  assert.equal((await queueCounts(redis.url)).waiting, 12);
  const cleanup = await runSweep([
    'cancel',
    'quiet',
    '--db',
    db,
    '--redis',
    redis.url,
  ]);
  assert.equal(cleanup.code, 0, cleanup.stderr);
  assert.match(cleanup.stderr, /nothing to cancel/);
  assert.match(cleanup.stderr, /removed 12 leftover queued jobs from redis:/);
  assert.equal((await queueCounts(redis.url)).waiting, 0);
});
