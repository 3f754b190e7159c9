/**
 * `sweep cancel` stopping a running local sweep, and `sweep retry`
 * running crashed (or cancelled) runs again as new tries.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { killAll, runSweep, spawnSweep } from '../support/processes.ts';
import {
  query,
  scalar,
  smallSpec,
  tempDir,
  until,
  writeFile,
} from './helpers.ts';

const dir = tempDir();

after(async () => {
  await killAll();
  dir.remove();
});

test('cancel stops a running local sweep; retry runs it again', async () => {
  const db = dir.file('cancel.sqlite');
  const spec = writeFile(dir.path, 'cancel.yaml', smallSpec('to-cancel'));
  // Each try blocks its thread for 10 s: without the cancel the sweep
  // would last a minute on 2 threads, and the first two tries are still
  // under way when the cancel (a process start, a few seconds) lands.
  const run = spawnSweep(['run', spec, '--db', db, '--threads', '2'], {
    env: { PINN_SWEEP_FAULTS: 'sleep:10000@*' },
  });
  await until('two tries under way', async () => {
    const open = 'SELECT count(*) FROM attempts WHERE outcome IS NULL';
    return (await scalar(db, open)) >= 2;
  });

  const cancel = await runSweep(['cancel', 'to-cancel', '--db', db]);
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.match(cancel.stderr, /cancelled sweep to-cancel/);
  const sent = Date.now();
  const exit = await run.exited;
  // Noticed within ~1 s (poll every 500 ms), plus stopping the threads and
  // the final table: far less than the 10 s the tries in flight had left.
  assert.ok(Date.now() - sent < 5000, 'the running sweep stops promptly');
  assert.equal(exit.code, 1, run.stderr());
  assert.match(run.stderr(), /was cancelled/);

  const statuses = await query<{ status: string; n: number }>(
    db,
    'SELECT status, count(*) AS n FROM metrics GROUP BY status',
  );
  assert.deepEqual(statuses, [{ status: 'cancelled', n: 12 }]);
  const open = await scalar(
    db,
    'SELECT count(*) FROM attempts WHERE outcome IS NULL',
  );
  assert.equal(open, 0, 'the tries in flight ended');
  const stopped = await scalar(
    db,
    "SELECT count(*) FROM attempts WHERE outcome = 'cancelled'",
  );
  assert.ok(stopped >= 2, 'the tries in flight ended cancelled');

  const retry = await runSweep([
    'retry',
    'to-cancel',
    '--db',
    db,
    '--status',
    'cancelled',
  ]);
  assert.equal(retry.code, 0, retry.stderr);
  assert.match(retry.stderr, /retrying 12 runs/);
  const left = await scalar(
    db,
    "SELECT count(*) FROM runs WHERE status IN ('cancelled', 'queued')",
  );
  assert.equal(left, 0);
  assert.equal(
    await scalar(db, 'SELECT count(*) FROM sweeps WHERE cancelled_at IS NULL'),
    1,
    'the cancel is lifted',
  );
});

test('retry re-runs crashed runs as a new generation', async () => {
  const db = dir.file('crash.sqlite');
  const spec = writeFile(dir.path, 'crash.yaml', smallSpec('crashy'));
  // Seed 1 throws on every try: 1 + retries (1) tries, then `crashed`.
  const first = await runSweep(['run', spec, '--db', db, '--threads', '2'], {
    env: { PINN_SWEEP_FAULTS: 'throw@seed=1' },
  });
  assert.equal(first.code, 0, 'crashed runs are findings, not a failure');
  assert.match(first.stderr, /crashed \(try 1 of 2\): injected fault/);
  assert.match(first.stdout, /6 runs crashed or timed out; `sweep retry/);
  const crashed = await query<{ run_id: string; tries: number }>(
    db,
    'SELECT r.run_id, count(*) AS tries FROM runs r JOIN attempts a ' +
      "USING (run_id) WHERE r.status = 'crashed' GROUP BY r.run_id",
  );
  assert.equal(crashed.length, 6);
  assert.ok(crashed.every((row) => row.tries === 2));
  const healthyTries = await scalar(
    db,
    'SELECT count(*) FROM attempts a JOIN runs r USING (run_id) ' +
      'WHERE r.seed = 0',
  );
  assert.equal(healthyTries, 6);

  const retry = await runSweep(['retry', 'crashy', '--db', db, '--json']);
  assert.equal(retry.code, 0, retry.stderr);
  assert.match(retry.stderr, /retrying 6 runs of sweep crashy/);
  const summary = JSON.parse(retry.stdout);
  assert.equal(summary.outcome, 'complete');
  assert.equal(summary.enqueued, 6);
  assert.equal(summary.counts.crashed, 0);

  const rerun = await query<{ generation: number; tries: number }>(
    db,
    'SELECT r.generation, count(*) AS tries FROM runs r JOIN attempts a ' +
      'USING (run_id) WHERE r.seed = 1 GROUP BY r.run_id',
  );
  assert.ok(rerun.every((row) => row.generation === 1 && row.tries === 3));
  assert.equal(
    await scalar(
      db,
      'SELECT count(*) FROM attempts a JOIN runs r USING (run_id) ' +
        'WHERE r.seed = 0',
    ),
    6,
    'runs that did not crash are not run again',
  );

  const nothing = await runSweep(['retry', 'crashy', '--db', db]);
  assert.equal(nothing.code, 0);
  assert.match(nothing.stderr, /nothing to retry/);
});
