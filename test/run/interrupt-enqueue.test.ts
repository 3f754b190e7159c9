/**
 * Ctrl-C while a large sweep is still being enqueued: enqueueing stops
 * there (the runs left without a job are for `sweep resume`), and even
 * with `--detach` the command exits 130, not 0, saying how to continue.
 * Redis going away while enqueueing: the coordinator waits for it and
 * enqueues the rest when it is back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isConnectionLoss } from '../../coordinator/queue/enqueue.ts';
import { queueCounts } from '../../coordinator/queue/index.ts';
import { killAll, spawnSweep } from '../support/processes.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { tempDir, until, writeFile } from './helpers.ts';

const dir = tempDir('pinn-interrupt-enqueue-');
let server: RedisServer;

before(async () => {
  server = await startRedis();
});

after(async () => {
  await killAll();
  await server.stop();
  dir.remove();
});

/** Enough one-step runs that enqueueing takes a few seconds. */
const RUNS = 60_000;

test('Ctrl-C while enqueueing stops it; --detach then exits 130', async () => {
  const spec = writeFile(
    dir.path,
    'many.yaml',
    [
      'name: many',
      'settings: { steps: 1, width: 2 }',
      'grid:',
      '  lr: [1e-3, 2e-3, 3e-3, 4e-3, 5e-3, 6e-3]',
      `seeds: ${RUNS / 6}`,
      '',
    ].join('\n'),
  );
  const db = dir.file('many.sqlite');
  const proc = spawnSweep([
    'run',
    spec,
    '--db',
    db,
    '--redis',
    server.url,
    '--detach',
  ]);
  const waiting = async () => (await queueCounts(server.url)).waiting;
  await until('the first jobs in the queue', async () => (await waiting()) > 0);
  const exit = await proc.kill('SIGINT');
  assert.equal(exit.code, 130, proc.stderr());
  const left = await waiting();
  assert.ok(left < RUNS, `all ${RUNS} runs were enqueued after Ctrl-C`);
  assert.match(
    proc.stderr(),
    /enqueued [\d,]+ runs of sweep many before the interrupt stopped enqueueing/,
  );
  assert.match(
    proc.stdout(),
    /`sweep resume many --db \S+ --redis \S+` continues/,
  );
  // Nothing was trained: no failure table.
  assert.doesNotMatch(proc.stdout(), /failure rate/);
  // Nothing goes on adding jobs once the command is gone.
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(await waiting(), left);
});

test('the messages of a lost connection are told from other failures', () => {
  for (const lost of [
    'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
    'Command aborted due to connection close',
    'read ECONNRESET',
    'connect ECONNREFUSED 127.0.0.1:6379',
    'Connection is closed.',
  ]) {
    assert.ok(isConnectionLoss(lost), lost);
  }
  assert.ok(!isConnectionLoss('ERR unknown command'));
});

test('Redis lost while enqueueing: the coordinator waits and enqueues the rest', async () => {
  await server.restart(); // empty: the first test leaves its jobs
  const runs = 20_000;
  const spec = writeFile(
    dir.path,
    'outage.yaml',
    [
      'name: outage',
      'settings: { steps: 1, width: 2 }',
      'grid:',
      '  lr: [1e-3, 2e-3]',
      `seeds: ${runs / 2}`,
      '',
    ].join('\n'),
  );
  const proc = spawnSweep([
    'run',
    spec,
    '--db',
    dir.file('outage.sqlite'),
    '--redis',
    server.url,
  ]);
  const waiting = async () => (await queueCounts(server.url)).waiting;
  await until('the first jobs in the queue', async () => (await waiting()) > 0);
  await server.restart(1000);
  await until(
    'every run enqueued again',
    async () => (await waiting()) === runs,
  );
  await proc.waitFor(/Redis back at .*: re-enqueued [\d,]+ runs/);
  assert.equal(proc.child.exitCode, null, proc.stderr());
  assert.doesNotMatch(proc.stderr(), /^\s+at /m, 'no stack trace');
  const exit = await proc.kill('SIGINT');
  assert.equal(exit.code, 130, proc.stderr());
});
