/**
 * A worker that Redis refuses (a wrong or missing password) gives up at
 * once with exit 1 naming the URL, password hidden, instead of hanging.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { runSweep } from '../support/processes.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

let server: RedisServer;

before(async () => {
  server = await startRedis();
  const admin = new Redis(server.url);
  await admin.config('SET', 'requirepass', 'right-one');
  admin.disconnect();
});

after(() => server.stop());

test('a wrong or missing password ends the worker with exit 1', async () => {
  const host = server.url.replace('redis://', '');
  for (const url of [`redis://:wrong-one@${host}`, `redis://${host}`]) {
    const run = await runSweep(['worker', '--redis', url], {
      timeoutMs: 20_000,
    });
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /cannot join the queue at redis:\/\/.*127\.0\.0\.1/,
    );
    assert.match(run.stderr, /WRONGPASS|NOAUTH/);
    assert.doesNotMatch(run.stderr + run.stdout, /wrong-one/);
  }
});
