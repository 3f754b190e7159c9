/**
 * A Redis URL the CLI cannot use is refused with exit 2, naming --redis,
 * the value and what is allowed, before anything is written: a port out
 * of range, a database path that is not a number, and a database number
 * the server does not have (ioredis would go on in database 0).
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { tempDir } from '../store/fixture.ts';
import { runSweep } from '../support/processes.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

let server: RedisServer;

before(async () => {
  server = await startRedis();
});

after(async () => {
  await server.stop();
});

test('a port out of range is a usage error naming --redis', async () => {
  const run = await runSweep(['worker', '--redis', 'redis://127.0.0.1:99999']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /--redis <url>.*redis:\/\/127\.0\.0\.1:99999/);
  assert.match(run.stderr, /PORT from 1 to 65535/);
});

test('a database path that is not a number is refused before connecting', async () => {
  const run = await runSweep(['worker'], {
    env: { REDIS_URL: `${server.url}/abc` },
  });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /from env 'REDIS_URL'/);
  assert.match(run.stderr, /the database "abc" is not a number/);
  assert.doesNotMatch(run.stdout, /joined/);
});

test('a database the server refuses stops every Redis command with exit 2', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'r.sqlite');
  const spec = join(dir, 'r.yaml');
  writeFileSync(spec, 'name: r\nsettings:\n  steps: 1\n  width: 2\n');
  const url = `${server.url}/99`;
  const commands = [
    ['run', spec],
    ['resume', 'r'],
    ['retry', 'r'],
    ['status'],
    ['cancel', 'r'],
    ['worker'],
    ['dashboard', '--port', '0'],
  ];
  for (const args of commands) {
    const run = await runSweep([...args, '--db', db, '--redis', url], {
      timeoutMs: 20_000,
    });
    assert.equal(run.code, 2, `${args[0]}: ${run.stderr}`);
    assert.match(
      run.stderr,
      /--redis \(or \$REDIS_URL\): .*refuses database 99 \(ERR DB index is out of range\)/,
    );
    assert.doesNotMatch(run.stdout, /joined/);
  }
  assert.equal(existsSync(db), false);
  const redis = new Redis(server.url);
  t.after(() => redis.disconnect());
  assert.equal(await redis.dbsize(), 0);
});

test('a refused URL is shown without its password, from a flag or REDIS_URL', async () => {
  const urls = [
    'redis://:hunter2@127.0.0.1:99999',
    'redis://team:hunter2@127.0.0.1:6379/abc',
    'redis://:hun@ter2@127.0.0.1:1/x',
  ];
  for (const url of urls) {
    for (const run of [
      await runSweep(['status', '--redis', url]),
      await runSweep(['worker'], { env: { REDIS_URL: url } }),
    ]) {
      assert.equal(run.code, 2, run.stderr);
      assert.doesNotMatch(run.stderr + run.stdout, /hunter2|ter2@/, url);
      assert.match(run.stderr, /:\*\*\*@127\.0\.0\.1/);
      // The form of a URL in the same message keeps its words.
      assert.match(run.stderr, /redis:\/\/\[user:password@\]HOST/);
    }
  }
});

test('a URL whose password cannot be read, or that carries one in a query, is refused without showing it', async () => {
  const cases: [string, RegExp][] = [
    ['http://:hunter2@127.0.0.1:6379/1', /the scheme|not a Redis URL/],
    ['redis://:hun ter2@127.0.0.1:6379/1', /holds a space/],
    ['redis://:hunter2%ZZ@127.0.0.1:6379/1', /not valid percent-encoding/],
    ['redis://127.0.0.1:6379/3?password=hunter2', /a query .* is not read/],
  ];
  for (const [url, why] of cases) {
    const run = await runSweep(['status', '--redis', url]);
    assert.equal(run.code, 2, `${url}: ${run.stderr}`);
    assert.match(run.stderr, why, url);
    assert.doesNotMatch(run.stderr + run.stdout, /hunter2|ter2/, url);
  }
});
