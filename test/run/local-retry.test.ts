/**
 * Local mode: a crashed try whose backoff is over starts on the next free
 * thread, before the runs that have not started yet, as the log line
 * "retrying in 1s" says (it used to wait behind every queued run).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runSweep } from '../support/processes.ts';
import { query, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
after(() => dir.remove());

test('a due retry starts before the runs not started yet', async () => {
  const db = dir.file('retry.sqlite');
  const spec = writeFile(
    dir.path,
    'retry.yaml',
    [
      'name: retry-first',
      'settings: { activation: tanh, width: 4, cells: 8, steps: 1 }',
      'seeds: 8',
      'retries: 1',
      'timeout: 2m',
      '',
    ].join('\n'),
  );
  // One thread; seed 0 throws at once, every other run takes 0.5 s: the
  // 1 s backoff is over while 5 or more runs are still waiting.
  const run = await runSweep(['run', spec, '--db', db, '--threads', '1'], {
    env: { PINN_SWEEP_FAULTS: 'throw@seed=0,sleep:500@activation=tanh' },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /crashed \(try 1 of 2\): .*; retrying in 1s/);

  const tries = await query<{
    seed: number;
    attempt: number;
    started_at: number;
    ended_at: number;
  }>(
    db,
    'SELECT r.seed, a.attempt, a.started_at, a.ended_at FROM attempts a ' +
      'JOIN runs r USING (run_id) ORDER BY a.started_at, a.attempt',
  );
  assert.equal(tries.length, 9, 'eight runs, one retried');
  const [crashed, retried] = tries.filter((t) => t.seed === 0);
  assert.equal(retried.attempt, 2);
  // Not before its backoff (ms timestamps, from two clocks: some slack).
  assert.ok(
    retried.started_at - crashed.ended_at >= 950,
    `retry ${retried.started_at - crashed.ended_at} ms after the crash`,
  );
  const later = tries.filter(
    (t) => t.seed !== 0 && t.started_at > retried.started_at,
  );
  assert.ok(
    later.length >= 2,
    `${later.length} runs started after the retry:\n` +
      tries.map((t) => `seed ${t.seed} try ${t.attempt}`).join('\n'),
  );
});
