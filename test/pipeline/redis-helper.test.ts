import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis } from '../support/redis.ts';

test('the test Redis restarts empty on the same port and stops', async () => {
  const server = await startRedis();
  const client = new Redis(server.url, { lazyConnect: true });
  try {
    assert.notEqual(server.port, 6379);
    await client.connect();
    await client.set('k', 'v');
    assert.equal(await client.get('k'), 'v');

    await server.restart();
    assert.equal(server.running, true);
    const again = new Redis(server.port, '127.0.0.1');
    assert.equal(await again.get('k'), null);
    again.disconnect();

    await server.kill();
    assert.equal(server.running, false);
  } finally {
    client.disconnect();
    await server.stop();
  }
});
