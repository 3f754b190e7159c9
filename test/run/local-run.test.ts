/**
 * `sweep run` in local mode (no Redis) as a real process on real SQLite
 * files: a whole sweep end to end, running it again, and bad input that
 * must change nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { runSweep } from '../support/processes.ts';
import { query, scalar, smallSpec, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
const db = dir.file('results.sqlite');
let spec = '';
let first: Awaited<ReturnType<typeof runSweep>>;

before(async () => {
  spec = writeFile(dir.path, 'small.yaml', smallSpec('small-local'));
  first = await runSweep(['run', spec, '--db', db, '--threads', '2']);
});

after(() => dir.remove());

test('a local sweep trains every run once and ends with the table', async () => {
  assert.equal(first.code, 0, first.stderr);
  const runs = await scalar(db, 'SELECT count(*) FROM runs');
  assert.equal(runs, 12);
  const finals = await query<{ status: string; n: number }>(
    db,
    'SELECT status, count(*) AS n FROM metrics GROUP BY status',
  );
  const total = finals.reduce((sum, row) => sum + row.n, 0);
  assert.equal(total, 12, 'one final result per run');
  for (const row of finals) {
    assert.ok(
      ['done', 'inaccurate', 'diverged'].includes(row.status),
      `no crash, timeout or cancel in a healthy sweep: ${row.status}`,
    );
  }
  const tries = await query<{ run_id: string; n: number; ok: number }>(
    db,
    "SELECT run_id, count(*) AS n, sum(outcome = 'ok') AS ok " +
      'FROM attempts GROUP BY run_id',
  );
  assert.equal(tries.length, 12);
  assert.ok(
    tries.every((t) => t.n === 1 && t.ok === 1),
    'one try each',
  );

  for (const word of ['relu', 'tanh', 'autodiff', 'analytic']) {
    assert.match(first.stdout, new RegExp(word), `table shows ${word}`);
  }
  assert.match(first.stdout, /finite-difference/);
  assert.match(first.stdout, /12\/12 runs have a final result/);
  assert.match(first.stderr, /started sweep small-local \(id \d+\): 12 runs/);
});

test('the status in runs agrees with the final results', async () => {
  const mismatched = await scalar(
    db,
    'SELECT count(*) FROM runs r JOIN metrics m USING (run_id) ' +
      'WHERE r.status <> m.status',
  );
  assert.equal(mismatched, 0);
});

test('the same spec again enqueues nothing and trains nothing', async () => {
  const again = await runSweep(['run', spec, '--db', db, '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /already recorded with this spec/);
  assert.match(again.stderr, /nothing to enqueue/);
  const summary = JSON.parse(again.stdout);
  assert.equal(summary.sweep, 'small-local');
  assert.equal(summary.outcome, 'complete');
  assert.equal(summary.enqueued, 0);
  assert.equal(summary.runs, 12);
  assert.equal(summary.failureTable.length, 6, '2 activations × 3 methods');
  assert.equal(await scalar(db, 'SELECT count(*) FROM attempts'), 12);
  assert.equal(await scalar(db, 'SELECT count(*) FROM sweeps'), 1);
});

test('an invalid spec exits 2 and creates no database', async () => {
  const bad = writeFile(
    dir.path,
    'bad.yaml',
    smallSpec('bad-spec').replace('[relu, tanh]', '[relu, tanhh]'),
  );
  const fresh = dir.file('never.sqlite');
  const result = await runSweep(['run', bad, '--db', fresh]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /grid\.activation/);
  assert.match(result.stderr, /tanhh/);
  assert.equal(existsSync(fresh), false, 'no database file was created');
});

test('an invalid spec leaves an existing database unchanged', async () => {
  const bad = writeFile(
    dir.path,
    'bad-seeds.yaml',
    smallSpec('bad-seeds').replace('seeds: 2', 'seeds: -1'),
  );
  const result = await runSweep(['run', bad, '--db', db]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /seeds/);
  assert.equal(await scalar(db, 'SELECT count(*) FROM sweeps'), 1);
  assert.equal(await scalar(db, 'SELECT count(*) FROM runs'), 12);
});

test('a changed spec under a recorded name exits 2 naming it', async () => {
  const changed = writeFile(
    dir.path,
    'changed.yaml',
    smallSpec('small-local', { seeds: 3 }),
  );
  const result = await runSweep(['run', changed, '--db', db]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /small-local/);
  assert.match(result.stderr, /different spec/);
  assert.equal(await scalar(db, 'SELECT count(*) FROM runs'), 12);
});

test('--detach without Redis exits 2 and explains why', async () => {
  const other = dir.file('detach.sqlite');
  const result = await runSweep(['run', spec, '--db', other, '--detach']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--detach needs --redis/);
  assert.equal(existsSync(other), false);
});

test('an unknown sweep name exits 2 and lists the known sweeps', async () => {
  for (const command of ['resume', 'cancel']) {
    const result = await runSweep([command, 'no-such-sweep', '--db', db]);
    assert.equal(result.code, 2, `${command}: ${result.stderr}`);
    assert.match(result.stderr, /no sweep named "no-such-sweep"/);
    assert.match(result.stderr, /known sweeps: small-local/);
  }
});

test('retry --status names the allowed states when given a wrong one', async () => {
  const result = await runSweep([
    'retry',
    'small-local',
    '--db',
    db,
    '--status',
    'crashed,broken',
  ]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--status/);
  assert.match(result.stderr, /crashed, timeout, cancelled/);
});
