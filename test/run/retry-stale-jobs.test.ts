/**
 * `sweep retry --redis` after a `sweep cancel` given without `--redis`:
 * the cancel marked the store only, so the old generation's jobs are
 * still in Redis under the same job ids. Retry must not wait forever on
 * runs whose only job is of the older generation.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  killAll,
  runSweep,
  type SweepProcess,
  spawnSweep,
} from '../support/processes.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { query, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
let redis: RedisServer;
let worker: SweepProcess;

before(async () => {
  redis = await startRedis();
  // One thread, each try sleeps 4 s: when the retry enqueues, one old job
  // is active (left to finish) and the other still waits in the queue.
  worker = spawnSweep(['worker', '--redis', redis.url, '--threads', '1'], {
    env: { PINN_SWEEP_FAULTS: 'sleep:4000@*' },
    echo: process.env.ECHO_WORKERS ? '[worker]' : undefined,
  });
});

after(async () => {
  await worker?.kill('SIGTERM');
  await killAll();
  await redis?.stop();
  dir.remove();
});

const SPEC = [
  'name: late',
  'settings:',
  '  problem: sine',
  '  width: 8',
  '  cells: 16',
  '  steps: 100',
  '  lr: 1e-2',
  '  activation: tanh',
  '  gradient: finite-difference',
  'seeds: 2',
  'timeout: 2m',
  '',
].join('\n');

test('retry after a store-only cancel finishes every run', async () => {
  const db = dir.file('late.sqlite');
  const spec = writeFile(dir.path, 'late.yaml', SPEC);
  const run = await runSweep([
    'run',
    spec,
    '--db',
    db,
    '--redis',
    redis.url,
    '--detach',
  ]);
  assert.equal(run.code, 0, run.stderr);
  // A detached run records nothing: the worker's log shows the first try.
  await worker.waitFor(/started/);
  const cancel = await runSweep(['cancel', 'late', '--db', db]);
  assert.equal(cancel.code, 0, cancel.stderr);

  // Both old tries take 8 s in all on one thread; the new generation's two
  // another 8 s. 40 s leaves room for a loaded machine, and is far less
  // than forever.
  const retry = await runSweep(
    [
      'retry',
      'late',
      '--status',
      'cancelled',
      '--db',
      db,
      '--redis',
      redis.url,
      '--json',
    ],
    { timeoutMs: 40_000 },
  );
  assert.equal(retry.code, 0, `retry did not finish: ${retry.stderr}`);
  const summary = JSON.parse(retry.stdout);
  assert.equal(summary.outcome, 'complete');
  // The tiny network trains to `done` or `inaccurate`, whichever: what
  // matters is that each run trained to an end in the new generation.
  const runs = await query<{ status: string; generation: number }>(
    db,
    'SELECT status, generation FROM runs ORDER BY idx',
  );
  assert.equal(runs.length, 2);
  for (const run of runs) {
    assert.equal(run.generation, 1);
    assert.ok(['done', 'inaccurate'].includes(run.status), run.status);
  }
  // Every result kept is of the new generation's try.
  const kept = await query<{ generation: number }>(
    db,
    'SELECT a.generation FROM metrics m JOIN attempts a ' +
      'ON a.run_id = m.run_id AND a.attempt = m.attempt',
  );
  assert.deepEqual(kept, [{ generation: 1 }, { generation: 1 }]);
});
