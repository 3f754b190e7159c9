/**
 * What the CLI says reads right: a count agrees with its noun, a library's
 * message continued by more of the sentence loses its full stop, and an
 * environment variable set to nothing counts as not set.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeNotice } from '../../coordinator/cli/sweep-command.ts';
import { clause, plural } from '../../coordinator/cli/words.ts';
import { openStore } from '../../coordinator/store/store.ts';
import { tempDir } from '../store/fixture.ts';
import { runSweep } from '../support/processes.ts';

test('counts agree with their noun', () => {
  assert.equal(plural(1, 'run'), '1 run');
  assert.equal(plural(0, 'run'), '0 runs');
  assert.equal(plural(2, 'query', 'queries'), '2 queries');
});

test('a message continued by more of the sentence loses its full stop', () => {
  assert.equal(clause('Connection is closed.'), 'Connection is closed');
  assert.equal(
    clause('connect ECONNREFUSED 127.0.0.1:1'),
    'connect ECONNREFUSED 127.0.0.1:1',
  );
  assert.equal(clause('waiting...'), 'waiting...');
  const line = describeNotice(
    {
      kind: 'retry',
      runId: 'abc123',
      error: 'Connection is closed.',
      attempt: 1,
      attempts: 3,
      delayMs: 1000,
    },
    'study',
  );
  assert.equal(
    line,
    'run abc123 crashed (try 1 of 3): Connection is closed; retrying in 1s',
  );
});

test('one run, one step and one row are singular in what the CLI prints', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'one.sqlite');
  const spec = join(dir, 'one.yaml');
  writeFileSync(spec, 'name: one\nsettings:\n  steps: 1\n  width: 2\n');
  const run = await runSweep(['run', spec, '--db', db]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /started sweep one \(id \d+\): 1 run$/m);

  const status = await runSweep(['status', 'one', '--db', db]);
  assert.match(status.stdout, /^sweep one: 1 run · /m);

  const out = join(dir, 'one.csv');
  const exported = await runSweep(['export', 'one', '--db', db, '--out', out]);
  assert.match(exported.stderr, /wrote 1 run of one to /);

  const sql = 'SELECT 1 UNION ALL SELECT 2';
  const query = await runSweep([
    'query',
    sql,
    '--db',
    db,
    '--max-rows',
    '1',
    '--format',
    'csv',
  ]);
  assert.match(query.stderr, /only the first row was written/);

  const train = await runSweep(['train', '--steps', '1', '--width', '2']);
  assert.equal(train.code, 0, train.stderr);
  assert.match(train.stdout, / · 1 step · /);
});

test('REDIS_URL and SWEEP_DB set to nothing count as not set', async (t) => {
  const dir = tempDir(t);
  const env = { REDIS_URL: '', SWEEP_DB: '' };
  const missing = await runSweep(['status'], { cwd: dir, env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no results database at \.\/sweeps\.sqlite/);

  await (await openStore(join(dir, 'sweeps.sqlite'))).close();
  const local = await runSweep(['status'], { cwd: dir, env });
  assert.equal(local.code, 0, local.stderr);
  assert.match(local.stdout, /no sweeps recorded yet/);
});
