/**
 * `sweep dashboard` as a user runs it: it prints the address, serves,
 * shows an empty store before any sweep, and stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnSweep } from '../support/processes.ts';
import { startRedis } from '../support/redis.ts';
import { tempDir } from './harness.ts';

test('sweep dashboard serves a new store and stops on SIGTERM', async () => {
  const dir = tempDir();
  const db = join(dir, 'fresh.sqlite');
  const proc = spawnSweep(['dashboard', '--db', db, '--port', '0'], {
    env: { SWEEP_DASHBOARD_TOKEN: undefined },
  });
  try {
    const url = await proc.waitFor(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(proc.stderr(), /dashboard: serving .*fresh\.sqlite at http/);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /No sweeps in this store yet/);
    const api = await fetch(`${url}api/sweeps`);
    assert.deepEqual(await api.json(), { sweeps: [] });
    const exit = await proc.kill('SIGTERM');
    assert.equal(exit.code, 0, proc.stderr());
  } finally {
    await proc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with a token it prints the address to open once', async () => {
  const dir = tempDir();
  const token = 'a1b2c3d4e5f60718293a';
  const proc = spawnSweep(
    ['dashboard', '--db', join(dir, 's.sqlite'), '--port', '0'],
    { env: { SWEEP_DASHBOARD_TOKEN: token } },
  );
  try {
    const line = await proc.waitFor(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    assert.ok(line.endsWith(`?token=${token}`));
    const base = line.slice(0, line.indexOf('?'));
    assert.equal((await fetch(`${base}api/sweeps`)).status, 401);
    const ok = await fetch(`${base}api/sweeps`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(ok.status, 200);
  } finally {
    await proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Redis from $REDIS_URL is named as such; an empty one means none', async () => {
  const dir = tempDir();
  const redis = await startRedis();
  const db = join(dir, 's.sqlite');
  const withRedis = spawnSweep(['dashboard', '--db', db, '--port', '0'], {
    env: { REDIS_URL: redis.url, SWEEP_DASHBOARD_TOKEN: undefined },
  });
  const without = spawnSweep(['dashboard', '--db', db, '--port', '0'], {
    env: { REDIS_URL: '', SWEEP_DASHBOARD_TOKEN: undefined },
  });
  try {
    const serving = await withRedis.waitFor(/dashboard: serving/);
    assert.ok(
      serving.includes(`and queue ${redis.url} (from $REDIS_URL) at http`),
      serving,
    );
    await withRedis.waitFor(`dashboard: Redis reachable at ${redis.url}`);

    const local = await without.waitFor(/dashboard: serving/);
    assert.match(local, /serving .*s\.sqlite at http/);
    assert.doesNotMatch(local, /queue/);
    assert.equal((await without.kill('SIGTERM')).code, 0, without.stderr());
    assert.doesNotMatch(without.stderr(), /Redis/);
  } finally {
    await withRedis.kill();
    await without.kill();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
