import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { queueCounts } from '../../coordinator/queue/index.ts';
import { QueueWatch } from '../../dashboard/queue-watch.ts';
import {
  eventually,
  smallSpec,
  spawnWorker,
  specDir,
} from '../support/pipeline.ts';
import { killAll, spawnSweep } from '../support/processes.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

let server: RedisServer;

before(async () => {
  server = await startRedis();
});

after(async () => {
  await killAll();
  await server.stop();
});

test('a worker on database 4 is counted on database 4 only', async (t) => {
  const on4 = `${server.url}/4`;
  const on9 = `${server.url}/9`;
  assert.equal((await queueCounts(on4)).workers, 0);
  const worker = spawnWorker(on4, { owner: t });
  await worker.waitFor('joined');
  const counted = (await queueCounts(on4)).workers;
  assert.ok(counted >= 1, `counted ${counted} on /4`);
  assert.equal((await queueCounts(on9)).workers, 0);
  assert.equal((await queueCounts(server.url)).workers, 0);

  // The dashboard's live counts, polled on one open client.
  for (const [url, expected] of [
    [on9, 0],
    [on4, counted],
  ] as const) {
    const watch = new QueueWatch(url, 100);
    t.after(() => watch.stop());
    await watch.start();
    const status = watch.status;
    assert.ok(status.mode === 'redis' && status.reachable, url);
    assert.equal(status.counts.workers, expected, url);
    watch.stop();
  }
});

test('sweep run on database 9 says no worker is connected while workers are on 4 and 5', async (t) => {
  const dir = specDir(smallSpec('other-database', 2));
  t.after(() => dir.close());
  for (const db of [4, 5]) {
    const worker = spawnWorker(`${server.url}/${db}`, { owner: t });
    await worker.waitFor('joined');
  }
  await eventually(
    'both workers to be listed',
    async () =>
      (await queueCounts(`${server.url}/4`)).workers > 0 &&
      (await queueCounts(`${server.url}/5`)).workers > 0,
  );
  const coordinator = spawnSweep([
    'run',
    dir.specPath,
    '--redis',
    `${server.url}/9`,
    '--db',
    dir.dbPath,
  ]);
  t.after(() => coordinator.kill());
  await coordinator.waitFor('no worker is connected', { timeoutMs: 20_000 });
});
