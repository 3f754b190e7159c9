import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { studyStore, tempDir } from '../store/fixture.ts';
import { runSweep } from '../support/processes.ts';

const CELLS =
  'SELECT activation, gradient, sum(failed) AS failed, ' +
  'max(final_loss) AS worst ' +
  "FROM results WHERE sweep = 'study' GROUP BY 1, 2 ORDER BY 1, 2";

test('query prints a table, CSV or JSON', async (t) => {
  const { path } = await studyStore(t);
  const table = await runSweep(['--db', path, 'query', CELLS]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^activation\s+gradient\s+failed\s+worst$/);
  assert.match(lines[1], /^─+\s+─+/);
  assert.match(lines[3], /^relu\s+autodiff\s+8\s+-2\.4$/);
  assert.match(lines[5], /^tanh\s+autodiff\s+1\s+Infinity$/);
  assert.match(lines.at(-1)!, /^4 rows · \d+ ms$/);

  const csv = await runSweep(['--db', path, 'query', CELLS, '--format', 'csv']);
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal(
    csv.stdout,
    [
      'activation,gradient,failed,worst',
      'relu,analytic,0,-2.4',
      'relu,autodiff,8,-2.4',
      'tanh,analytic,2,Infinity',
      'tanh,autodiff,1,Infinity',
      '',
    ].join('\n'),
  );

  const json = await runSweep(['--db', path, '--json', 'query', CELLS]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout)[3], {
    activation: 'tanh',
    gradient: 'autodiff',
    failed: 1,
    worst: 'Infinity',
  });
});

test('a refused or failing query exits 2 with the reason', async (t) => {
  const { path } = await studyStore(t);
  const refused = await runSweep(['--db', path, 'query', 'DELETE FROM runs']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /query refused: .*DELETE, which writes/);

  const twice = await runSweep(['--db', path, 'query', 'SELECT 1; SELECT 2']);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /only one statement/);

  const slow = await runSweep([
    '--db',
    path,
    'query',
    'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) ' +
      'SELECT count(*) FROM c',
    '--timeout-ms',
    '200',
  ]);
  assert.equal(slow.code, 2);
  assert.match(slow.stderr, /time limit of 200 ms/);

  const typo = await runSweep(['--db', path, 'query', 'SELECT nope FROM runs']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /no such column: nope/);

  const format = await runSweep([
    '--db',
    path,
    'query',
    'SELECT 1',
    '--format',
    'xml',
  ]);
  assert.equal(format.code, 2);
  const rows = await runSweep([
    '--db',
    path,
    'query',
    'SELECT 1',
    '--max-rows',
    '0',
  ]);
  assert.equal(rows.code, 2);
  assert.match(rows.stderr, /expected an integer from 1 to 1000000, got "0"/);
});

test('query stops at --max-rows and says so', async (t) => {
  const { path } = await studyStore(t);
  const args = ['--db', path, 'query', 'SELECT idx FROM runs ORDER BY idx'];
  const csv = await runSweep([...args, '--max-rows', '3', '--format', 'csv']);
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal(csv.stdout, 'idx\n0\n1\n2\n');
  assert.match(csv.stderr, /only the first 3 rows/);
  const table = await runSweep([...args, '--max-rows', '3']);
  assert.match(
    table.stdout,
    /3 rows \(more left out: raise --max-rows for more\)/,
  );
});

test('query at the largest --max-rows says it is the largest', async (t) => {
  const { path } = await studyStore(t);
  const most = 1_000_000;
  const sql =
    'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c ' +
    `LIMIT ${most + 1}) SELECT x FROM c`;
  const args = ['--db', path, 'query', sql, '--max-rows', String(most)];
  const csv = await runSweep([...args, '--format', 'csv']);
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal(csv.stdout.split('\n').length, most + 2);
  assert.match(
    csv.stderr,
    /only the first 1000000 rows were written; 1000000 is the most --max-rows allows: narrow the query/,
  );
  assert.doesNotMatch(csv.stderr, /raise --max-rows/);
  const over = await runSweep([...args.slice(0, -1), String(most + 1)]);
  assert.equal(over.code, 2);
  assert.match(over.stderr, /expected an integer from 1 to 1000000/);
});

test('query stopped by the byte limit says so, not --max-rows', async (t) => {
  const { path } = await studyStore(t);
  // 400,000 characters a row: the 16 MiB limit falls after 41 rows, far
  // below the 10,000 rows of --max-rows.
  const sql =
    'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c ' +
    'WHERE x < 200) SELECT x, hex(zeroblob(200000)) AS blob FROM c';
  const csv = await runSweep(['--db', path, 'query', sql, '--format', 'csv']);
  assert.equal(csv.code, 0, csv.stderr);
  const written = csv.stdout.trimEnd().split('\n').length - 1;
  const most = Math.floor((16 * 1024 * 1024) / 400_000);
  assert.equal(written, most);
  assert.match(
    csv.stderr,
    new RegExp(
      `only the first ${most} rows were written; the rows shown hold the most text and blob bytes one answer may \\(16 MiB\\)`,
    ),
  );
  assert.doesNotMatch(csv.stderr, /max-rows/);
});

test('query without a database exits 2 and creates nothing', async (t) => {
  const db = join(tempDir(t), 'none.sqlite');
  const run = await runSweep(['--db', db, 'query', 'SELECT 1']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /no results database/);
  assert.equal(existsSync(db), false);
});

test('query on a file that is not SQLite exits 2 as status and export do', async (t) => {
  const db = join(tempDir(t), 'junk.sqlite');
  const junk = 'not a database, only text\n'.repeat(40);
  writeFileSync(db, junk);
  for (const args of [['query', 'SELECT 1'], ['status'], ['export', 'x']]) {
    const run = await runSweep(['--db', db, ...args]);
    assert.equal(run.code, 2, `${args[0]}: ${run.stderr}`);
    assert.equal(run.stderr, `sweep: ${db} is not a SQLite database\n`);
  }
  assert.equal(readFileSync(db, 'utf8'), junk);
});

test('query on a folder exits 2 as status and export do', async (t) => {
  const db = tempDir(t);
  for (const args of [['query', 'SELECT 1'], ['status'], ['export', 'x']]) {
    const run = await runSweep(['--db', db, ...args]);
    assert.equal(run.code, 2, `${args[0]}: ${run.stderr}`);
    assert.equal(
      run.stderr,
      `sweep: cannot open results database ${db}: the path must not be a ` +
        'folder; --db (or SWEEP_DB) names a results file\n',
    );
  }
  assert.deepEqual(readdirSync(db), []);
});
