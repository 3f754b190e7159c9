import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../coordinator/input-error.ts';
import {
  executeReadOnly,
  openReadOnly,
  runReadOnlyQuery,
} from '../../coordinator/store/read-only-query.ts';
import { openStore } from '../../coordinator/store/store.ts';
import { makeSweep, STUDY_GRID, studyEvents, tempDir } from './fixture.ts';

/** A closed study database: nothing else touches its files. */
async function studyFile(t: Parameters<typeof tempDir>[0]) {
  const path = join(tempDir(t), 'study.sqlite');
  const store = await openStore(path);
  const sweep = makeSweep('study', STUDY_GRID);
  await store.createSweep(sweep);
  await store.recordEvents(studyEvents(sweep));
  await store.close();
  const digest = () =>
    ['', '-wal']
      .filter(
        (suffix) =>
          existsSync(path + suffix) && statSync(path + suffix).size > 0,
      )
      .map((suffix) =>
        createHash('sha256')
          .update(readFileSync(path + suffix))
          .digest('hex'),
      )
      .join(':');
  return { path, sweep, digest };
}

const HOSTILE: [sql: string, reason: RegExp][] = [
  ['DELETE FROM runs', /starts with DELETE, which writes/],
  ['  delete from runs where 1', /starts with DELETE/],
  ["UPDATE runs SET status = 'done'", /starts with UPDATE/],
  ['INSERT INTO sweeps SELECT * FROM sweeps', /starts with INSERT/],
  ["REPLACE INTO sweeps (name) VALUES ('x')", /starts with REPLACE/],
  ['DROP TABLE runs', /starts with DROP/],
  ['CREATE TEMP TABLE t (x)', /starts with CREATE/],
  ["VACUUM INTO '/tmp/copy.sqlite'", /starts with VACUUM/],
  ['BEGIN IMMEDIATE', /starts with BEGIN/],
  ['SELECT 1; DROP TABLE runs', /only one statement/],
  ['SELECT 1;DELETE FROM runs;', /only one statement/],
  ['SELECT 1;;', /only one statement/],
  ["SELECT ';' AS a; DROP TABLE runs", /only one statement/],
  ['SELECT 1 /* ; */ ; DELETE FROM runs', /only one statement/],
  ['SELECT 1 --\n; DROP TABLE runs', /only one statement/],
  ["ATTACH DATABASE '/tmp/other.sqlite' AS other", /ATTACH is not allowed/],
  ["attach '/tmp/other.sqlite' as o", /ATTACH is not allowed/],
  ['DETACH other', /DETACH is not allowed/],
  ['PRAGMA writable_schema=1', /PRAGMA statements are not allowed/],
  ['PRAGMA journal_mode', /PRAGMA statements are not allowed/],
  ['EXPLAIN PRAGMA writable_schema=1', /EXPLAIN is allowed only before/],
  ["SELECT load_extension('x')", /load_extension\(\) is not allowed/],
  ["SELECT LOAD_EXTENSION ('x', 'init')", /load_extension\(\) is not allowed/],
  [`SELECT "load_extension"('x')`, /load_extension\(\) is not allowed/],
  ['SELECT /**/load_extension/**/(1)', /load_extension\(\) is not allowed/],
  ['WITH x AS (SELECT 1) DELETE FROM runs', /contains DELETE .*which writes/],
  [
    'WITH x AS (SELECT 1) INSERT INTO sweeps SELECT * FROM sweeps',
    /contains INSERT/,
  ],
  [
    'WITH x(n) AS (SELECT 1) UPDATE runs SET idx = (SELECT n FROM x)',
    /contains UPDATE/,
  ],
  ['EXPLAIN DELETE FROM runs', /EXPLAIN is allowed only before/],
  ['SELECT * FROM runs WHERE run_id = ?', /parameters such as \?/],
  ['SELECT * FROM runs WHERE run_id = :id', /parameters such as :id/],
  ['', /the query is empty/],
  ['  -- only a comment\n', /the query is empty/],
  [';', /the query is empty/],
  ["SELECT 'unterminated", /unterminated string literal/],
  ['(SELECT 1)', /only statements that read are allowed/],
  [`SELECT ${'1+'.repeat(60_000)}1`, /characters long/],
];

test('every statement that could change anything is refused, saying why', async (t) => {
  const { path, digest } = await studyFile(t);
  const before = digest();
  for (const [sql, reason] of HOSTILE) {
    await assert.rejects(
      runReadOnlyQuery(path, sql),
      (error: unknown) => {
        assert.ok(error instanceof InputError, `${sql}: ${error}`);
        assert.match(error.message, reason, sql);
        return true;
      },
      sql,
    );
  }
  assert.equal(digest(), before, 'the database files are unchanged');
});

test('reading statements with tricky text are allowed', async (t) => {
  const { path } = await studyFile(t);
  const cases: [string, unknown[][]][] = [
    ['SELECT 1 -- ; DROP TABLE runs', [[1]]],
    ['SELECT 1; -- trailing comment', [[1]]],
    ['SELECT 1 /* unterminated ; DROP TABLE runs', [[1]]],
    ["SELECT 'it''s; DELETE FROM runs' AS s", [["it's; DELETE FROM runs"]]],
    ['SELECT "a;b" FROM (SELECT 2 AS "a;b")', [[2]]],
    ['SELECT 3 AS "update", 4 AS [delete], 5 AS `drop`', [[3, 4, 5]]],
    ["SELECT replace('a-b', '-', '_')", [['a_b']]],
    [
      'VALUES (1, 2), (3, 4)',
      [
        [1, 2],
        [3, 4],
      ],
    ],
    [
      "WITH t(x) AS (VALUES ('relu'), ('tanh')) " +
        'SELECT x FROM t ORDER BY x DESC',
      [['tanh'], ['relu']],
    ],
    ["select count(*) from results where sweep = 'study'", [[32]]],
  ];
  for (const [sql, expected] of cases) {
    const result = await runReadOnlyQuery(path, sql);
    assert.deepEqual(result.rows, expected, sql);
  }
});

test('SQLite itself refuses writes on the read-only connection', async (t) => {
  const { path, digest } = await studyFile(t);
  const before = digest();
  const db = await openReadOnly(path);
  try {
    await assert.rejects(
      executeReadOnly(
        db,
        'INSERT INTO sweeps (name, spec_json, spec_hash, axes_json, ' +
          'threshold, retries, timeout_ms, created_at) ' +
          "VALUES ('x', '{}', 'h', '[]', 1, 0, 1, 0)",
        10,
      ),
      /SQLITE_READONLY/,
    );
    await assert.rejects(
      executeReadOnly(db, 'DELETE FROM runs', 10),
      /SQLITE_READONLY/,
    );
    await assert.rejects(
      executeReadOnly(db, `ATTACH '${path}' AS again`, 10),
      /too many attached databases/,
    );
    await assert.rejects(
      executeReadOnly(db, "SELECT load_extension('x')", 10),
      /not authorized/,
    );
  } finally {
    await db.close();
  }
  assert.equal(digest(), before);
});

test('the time limit really stops a query that would run for minutes', async (t) => {
  const { path } = await studyFile(t);
  const forever =
    'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) ' +
    'SELECT count(*) FROM c';
  const started = performance.now();
  await assert.rejects(
    runReadOnlyQuery(path, forever, { timeoutMs: 300 }),
    (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /time limit of 300 ms/);
      return true;
    },
  );
  const took = performance.now() - started;
  // The interrupt lands within milliseconds; the margin is for a busy
  // shared machine, far below the minutes the query would take.
  assert.ok(took < 300 + 3000, `stopped after ${took.toFixed(0)} ms`);
  const after = await runReadOnlyQuery(path, 'SELECT 1');
  assert.deepEqual(after.rows, [[1]], 'the next query runs normally');
});

test('the row limit cuts the result and says so', async (t) => {
  const { path, sweep } = await studyFile(t);
  const all = await runReadOnlyQuery(
    path,
    'SELECT idx FROM runs ORDER BY idx DESC',
  );
  assert.equal(all.truncated, false);
  assert.deepEqual(
    all.rows.map((r) => r[0]),
    sweep.runs.map((r) => r.idx).reverse(),
    'the order of the query is kept',
  );
  const cut = await runReadOnlyQuery(
    path,
    'SELECT idx FROM runs ORDER BY idx DESC',
    {
      maxRows: 5,
    },
  );
  assert.equal(cut.truncated, true);
  assert.deepEqual(
    cut.rows.map((r) => r[0]),
    [31, 30, 29, 28, 27],
  );
  const exact = await runReadOnlyQuery(path, 'SELECT idx FROM runs', {
    maxRows: sweep.runs.length,
  });
  assert.equal(exact.truncated, false);
  // Endless rows: the limit stops SQLite itself, well before the time limit.
  const endless = await runReadOnlyQuery(
    path,
    'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) ' +
      'SELECT i FROM c',
    { maxRows: 10, timeoutMs: 5000 },
  );
  assert.equal(endless.rows.length, 10);
  assert.equal(endless.truncated, true);
});

test('results carry column names, JSON-safe values and the elapsed time', async (t) => {
  const { path } = await studyFile(t);
  const result = await runReadOnlyQuery(
    path,
    'SELECT 1e999 AS inf, -1e999 AS ninf, 0.5 AS half, NULL AS absent, ' +
      "x'00ff' AS b, 'text' AS s, 1 AS x, 2 AS x",
  );
  assert.deepEqual(result.columns, [
    'inf',
    'ninf',
    'half',
    'absent',
    'b',
    's',
    'x',
    'x:1',
  ]);
  assert.deepEqual(result.rows, [
    ['Infinity', '-Infinity', 0.5, null, "X'00FF'", 'text', 1, 2],
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(result.rows)), result.rows);
  assert.ok(result.elapsedMs >= 0);

  const empty = await runReadOnlyQuery(
    path,
    'SELECT run_id, status FROM runs WHERE 0',
  );
  assert.deepEqual(empty.columns, ['run_id', 'status']);
  assert.deepEqual(empty.rows, []);

  const plan = await runReadOnlyQuery(
    path,
    'EXPLAIN QUERY PLAN SELECT * FROM runs ' +
      "WHERE sweep_id = 1 AND status = 'done'",
  );
  assert.deepEqual(plan.columns, ['id', 'parent', 'notused', 'detail']);
  assert.match(String(plan.rows[0][3]), /runs_sweep_status/);

  const pragmaFunction = await runReadOnlyQuery(
    path,
    "SELECT name FROM pragma_table_info('results') WHERE name = 'rel_l2'",
  );
  assert.deepEqual(pragmaFunction.rows, [['rel_l2']]);
});

test('errors of the query and bad limits are bad input; a missing file is not created', async (t) => {
  const { path } = await studyFile(t);
  await assert.rejects(
    runReadOnlyQuery(path, 'SELECT nope FROM runs'),
    (error: unknown) =>
      error instanceof InputError && /no such column: nope/.test(error.message),
  );
  await assert.rejects(
    runReadOnlyQuery(path, 'SELECT FROM WHERE'),
    (error: unknown) =>
      error instanceof InputError && /syntax error/.test(error.message),
  );
  await assert.rejects(
    runReadOnlyQuery(path, 'SELECT 1', { timeoutMs: 0 }),
    /timeoutMs must be an integer from 1 to 600000, got 0/,
  );
  await assert.rejects(
    runReadOnlyQuery(path, 'SELECT 1', { maxRows: 1.5 }),
    /maxRows must be an integer/,
  );
  const missing = join(tempDir(t), 'missing.sqlite');
  await assert.rejects(
    runReadOnlyQuery(missing, 'SELECT 1'),
    /cannot open results database/,
  );
  assert.equal(existsSync(missing), false);
});

test('the byte limit cuts a result of huge values before it is held', async (t) => {
  const { path } = await studyFile(t);
  // Each row carries a 2,000-character text plus a one-digit number: two
  // rows fit in 5,000 bytes, the third would not.
  const rows = (n: number) =>
    `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c ` +
    `LIMIT ${n}) SELECT x, hex(zeroblob(1000)) AS h FROM c`;
  const cut = await runReadOnlyQuery(path, rows(5), { maxBytes: 5000 });
  assert.equal(cut.truncated, true);
  assert.deepEqual(
    cut.rows.map((r) => [r[0], String(r[1]).length]),
    [
      [1, 2000],
      [2, 2000],
    ],
  );
  const fits = await runReadOnlyQuery(path, rows(2), { maxBytes: 5000 });
  assert.equal(fits.truncated, false);
  assert.equal(fits.rows.length, 2);
  // A first row larger than the whole budget: nothing is returned.
  const huge = await runReadOnlyQuery(path, rows(1), { maxBytes: 1024 });
  assert.deepEqual(huge.rows, []);
  assert.equal(huge.truncated, true);
  await assert.rejects(
    runReadOnlyQuery(path, 'SELECT 1', { maxBytes: 10 }),
    /maxBytes must be an integer from 1024/,
  );
});
