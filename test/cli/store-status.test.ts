import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nonFiniteReviver } from '../../coordinator/cli/json-numbers.ts';
import { openStore } from '../../coordinator/store/store.ts';
import { studyStore, tempDir } from '../store/fixture.ts';
import { runSweep } from '../support/processes.ts';

test('status without a database says so, exits 2 and creates nothing', async (t) => {
  const db = join(tempDir(t), 'none.sqlite');
  const run = await runSweep(['--db', db, 'status']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /no results database at .*none\.sqlite/);
  assert.equal(existsSync(db), false);
});

test('status lists every sweep with its progress', async (t) => {
  const { path } = await studyStore(t);
  const run = await runSweep(['--db', path, 'status']);
  assert.equal(run.code, 0, run.stderr);
  const line = run.stdout.split('\n').find((l) => l.startsWith('study'));
  assert.ok(line, run.stdout);
  assert.match(line, /\b32\s+32\/32 100%/);
  assert.match(line, /done 21 · inaccurate 8 · diverged 2 · crashed 1/);

  const json = await runSweep(['--db', path, 'status', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const { sweeps } = JSON.parse(json.stdout);
  assert.equal(sweeps.length, 1);
  assert.equal(sweeps[0].total, 32);
  assert.equal(sweeps[0].counts.crashed, 1);
});

test('status of one sweep shows its failure table and settings', async (t) => {
  const { path } = await studyStore(t);
  const run = await runSweep(['--db', path, 'status', 'study']);
  assert.equal(run.code, 0, run.stderr);
  // relu + autodiff fails every run; its median rel_l2 is 0.2 by the
  // fixture's rule (values 0.1, 0.1, 0.2 ×4, 0.4, 0.4).
  assert.match(run.stdout, /relu\s+100% · 2\.0e-1\s+0% · 6\.0e-4/);
  assert.match(run.stdout, /progress 32\/32 100%/);
  assert.match(run.stdout, /gradient\s+autodiff\s+16\s+56\.3%.*fails most/);

  const json = await runSweep(['--db', path, 'status', 'study', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout, nonFiniteReviver);
  assert.equal(report.sweep.name, 'study');
  assert.equal(report.failureTable.length, 4);
  const cell = report.failureTable.find(
    (c: { activation: string; gradient: string }) =>
      c.activation === 'relu' && c.gradient === 'autodiff',
  );
  assert.equal(cell.failureRate, 1);
  assert.equal(cell.medianRelL2, 0.2);
  assert.ok(report.axes.length > 0);
});

test('status of an unknown sweep exits 2 naming the known ones', async (t) => {
  const { path } = await studyStore(t);
  const run = await runSweep(['--db', path, 'status', 'nope']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /no sweep named "nope" .*known sweeps: study/);
});

test('status of an empty database', async (t) => {
  const path = join(tempDir(t), 'empty.sqlite');
  await (await openStore(path)).close();
  const run = await runSweep(['--db', path, 'status']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /no sweeps recorded yet/);
  const unknown = await runSweep(['--db', path, 'status', 'x']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /known sweeps: none yet/);
});

test('status of a cancelled sweep says when it was cancelled, not finished', async (t) => {
  const { path, store, sweepId } = await studyStore(t);
  const { startedAt } = (await store.getSweep('study'))!;
  await store.cancelSweep(sweepId, startedAt! + 65_000);
  const one = await runSweep(['--db', path, 'status', 'study']);
  assert.equal(one.code, 0, one.stderr);
  assert.doesNotMatch(one.stdout, /finished cancelled/);
  assert.match(
    one.stdout,
    / · cancelled \d{4}-\d\d-\d\d [\d:]{8} \(after 1m 05s\)$/m,
  );

  const all = await runSweep(['--db', path, 'status']);
  assert.match(all.stdout, /^sweep .* ended$/m);
  assert.match(all.stdout, /^study .* cancelled \d{4}-\d\d-\d\d [\d:]{8}$/m);
});
