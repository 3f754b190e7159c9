import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { queueCounts } from '../../coordinator/queue/index.ts';
import { QueueWatch } from '../../dashboard/queue-watch.ts';
import { redisForFile } from '../support/file-redis.ts';
import {
  eventually,
  smallSpec,
  spawnWorker,
  specDir,
} from '../support/pipeline.ts';
import { spawnSweep } from '../support/processes.ts';
import { startRedis } from '../support/redis.ts';

const server = redisForFile();

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

/** A port on 127.0.0.1 that nothing listens on (free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** A server that accepts connections and never answers: a hung Redis. */
async function silentServer(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const silent: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close() {
      for (const socket of sockets) socket.destroy();
      silent.close();
    },
  };
}

for (const [kind, db] of [
  ['unreachable', ''],
  ['unresponsive', ''],
  // The URL's database number is checked before the worker starts.
  ['unresponsive', '/4'],
] as const) {
  test(`a worker waiting for an ${kind} Redis${db} stops on SIGTERM and exits 0`, async (t) => {
    let port: number;
    if (kind === 'unreachable') port = await closedPort();
    else {
      const silent = await silentServer();
      t.after(() => silent.close());
      port = silent.port;
    }
    const url = `redis://127.0.0.1:${port}${db}`;
    const worker = spawnWorker(url, { owner: t });
    await worker.waitFor(`waiting for Redis at ${url}`, { timeoutMs: 15_000 });
    const signalledAt = Date.now();
    const exit = await worker.kill('SIGTERM');
    const output = worker.lines.join('\n');
    assert.deepEqual(exit, { code: 0, signal: null }, output);
    assert.ok(
      Date.now() - signalledAt < 5000,
      `took ${Date.now() - signalledAt} ms`,
    );
    assert.equal(worker.count(/^worker \S+ stopped$/), 1, output);
    assert.equal(worker.count('joined'), 0, output);
  });
}

test('a worker that never reached Redis says it waits, not that Redis was lost', async (t) => {
  const later = await startRedis();
  t.after(() => later.stop());
  await later.kill();
  const worker = spawnWorker(later.url, { owner: t });
  await worker.waitFor('waiting for Redis at');
  // Attempts to connect keep failing meanwhile (every 2 s at most).
  await new Promise((resolve) => setTimeout(resolve, 2500));
  await later.restart();
  await worker.waitFor('joined');
  const output = () => worker.lines.join('\n');
  assert.equal(worker.count('Redis lost'), 0, output());
  assert.equal(worker.count('Redis back'), 0, output());
  // Once it had been connected, a loss is one.
  await later.kill();
  await worker.waitFor('Redis lost; reconnecting');
  await later.restart();
  await worker.waitFor('Redis back');
  assert.equal(worker.count('Redis lost'), 1, output());
  const exit = await worker.kill('SIGTERM');
  assert.equal(exit.code, 0, output());
});
