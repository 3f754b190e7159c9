/**
 * A local `sweep run` stopped mid-sweep, by kill -9 or by Ctrl-C, and
 * `sweep resume`: only the runs without a final result train again, and a
 * second resume does nothing.
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

// Every try sleeps first, so that a sweep of 12 runs on 2 threads lasts
// a few seconds and can be stopped in the middle.
const SLOW = { PINN_SWEEP_FAULTS: 'sleep:400@*' };

interface Finished {
  run_id: string;
  recorded_at: number;
}

async function finished(db: string): Promise<Finished[]> {
  return query<Finished>(db, 'SELECT run_id, recorded_at FROM metrics');
}

async function expectComplete(db: string): Promise<void> {
  assert.equal(await scalar(db, 'SELECT count(*) FROM metrics'), 12);
  const open = await scalar(
    db,
    "SELECT count(*) FROM runs WHERE status IN ('queued', 'running')",
  );
  assert.equal(open, 0);
  const oks = await query<{ n: number }>(
    db,
    "SELECT count(*) AS n FROM attempts WHERE outcome = 'ok' GROUP BY run_id",
  );
  assert.equal(oks.length, 12, 'every run has a successful try');
  assert.ok(
    oks.every((row) => row.n === 1),
    'and only one: no run trained to the end twice',
  );
}

test('after kill -9, resume trains only the unfinished runs', async () => {
  const db = dir.file('killed.sqlite');
  const spec = writeFile(dir.path, 'killed.yaml', smallSpec('killed'));
  const run = spawnSweep(['run', spec, '--db', db, '--threads', '2'], {
    env: SLOW,
  });
  await until('three results', async () => {
    return (await scalar(db, 'SELECT count(*) FROM metrics')) >= 3;
  });
  await run.kill('SIGKILL');

  const before = await finished(db);
  const triesBefore = await scalar(db, 'SELECT count(*) FROM attempts');
  assert.ok(before.length < 12, 'killed in the middle of the sweep');

  const resumed = await runSweep(['resume', 'killed', '--db', db]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const unfinished = 12 - before.length;
  assert.match(
    resumed.stderr,
    new RegExp(`${unfinished} runs? without a final result`),
  );
  await expectComplete(db);

  // Results recorded before the kill are untouched, and their runs got no
  // new try.
  const after = new Map(
    (await finished(db)).map((row) => [row.run_id, row.recorded_at]),
  );
  for (const row of before) {
    assert.equal(after.get(row.run_id), row.recorded_at);
  }
  const newTries =
    (await scalar(db, 'SELECT count(*) FROM attempts')) - triesBefore;
  assert.equal(newTries, unfinished, 'one new try per unfinished run');
  const retrained = await scalar(
    db,
    'SELECT count(*) FROM attempts WHERE run_id IN (' +
      before.map(() => '?').join(',') +
      ') ',
    before.map((row) => row.run_id),
  );
  assert.equal(retrained, before.length, 'finished runs kept their one try');

  // The tries in flight at the kill show as lost, not as open.
  const open = await scalar(
    db,
    'SELECT count(*) FROM attempts WHERE outcome IS NULL',
  );
  assert.equal(open, 0);

  const again = await runSweep(['resume', 'killed', '--db', db]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /nothing to enqueue/);
  assert.equal(
    await scalar(db, 'SELECT count(*) FROM attempts'),
    triesBefore + unfinished,
    'a second resume trains nothing',
  );
});

test('Ctrl-C stops cleanly: tries in flight get no result', async () => {
  const db = dir.file('interrupted.sqlite');
  const spec = writeFile(dir.path, 'int.yaml', smallSpec('interrupted'));
  const run = spawnSweep(['run', spec, '--db', db, '--threads', '2'], {
    env: { PINN_SWEEP_FAULTS: 'sleep:1500@*' },
  });
  await until('two tries under way', async () => {
    const open = 'SELECT count(*) FROM attempts WHERE outcome IS NULL';
    return (await scalar(db, open)) >= 2;
  });
  const sent = Date.now();
  const exit = await run.kill('SIGINT');
  assert.equal(exit.code, 130, run.stderr());
  assert.ok(Date.now() - sent < 5000, 'stops within seconds, not 1.5 s × 6');
  assert.match(run.stdout(), /`sweep resume interrupted --db \S+` continues/);

  const results = await scalar(db, 'SELECT count(*) FROM metrics');
  assert.ok(results < 12, 'interrupted before the end');
  const cancelled = await scalar(
    db,
    "SELECT count(*) FROM metrics WHERE status = 'cancelled'",
  );
  assert.equal(cancelled, 0, 'abandoned tries are not results');
  // Nothing shows as running: the stopped tries ended `lost`, saying why,
  // and their runs wait for `resume`.
  const open = 'SELECT count(*) FROM attempts WHERE outcome IS NULL';
  assert.equal(await scalar(db, open), 0);
  const running = "SELECT count(*) FROM runs WHERE status = 'running'";
  assert.equal(await scalar(db, running), 0);
  const handedBack =
    "SELECT count(*) FROM attempts WHERE outcome = 'lost' " +
    "AND error = 'handed back: interrupted'";
  assert.ok((await scalar(db, handedBack)) >= 2);

  const resumed = await runSweep(['resume', 'interrupted', '--db', db]);
  assert.equal(resumed.code, 0, resumed.stderr);
  await expectComplete(db);
});
