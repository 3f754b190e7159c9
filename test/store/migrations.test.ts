import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../coordinator/input-error.ts';
import {
  loadMigrations,
  MIGRATIONS_DIR,
} from '../../coordinator/store/migrations.ts';
import { Connection } from '../../coordinator/store/sqlite.ts';
import { openStore } from '../../coordinator/store/store.ts';
import { final, makeSweep, start, tempDir } from './fixture.ts';

async function withDb<T>(
  path: string,
  body: (db: Connection) => Promise<T>,
): Promise<T> {
  const db = await Connection.open(path, { readOnly: true });
  try {
    return await body(db);
  } finally {
    await db.close();
  }
}

function migrationsDir(dir: string, files: Record<string, string>): string {
  const out = join(dir, `migrations-${Object.keys(files).join('-')}`);
  mkdirSync(out);
  for (const [name, sql] of Object.entries(files)) {
    writeFileSync(join(out, name), sql);
  }
  return out;
}

test('a new database gets every migration, recorded once in order', async (t) => {
  const path = join(tempDir(t), 'a.sqlite');
  const shipped = await loadMigrations();
  assert.ok(shipped.length >= 2);

  const first = await openStore(path);
  await first.close();
  const before = await withDb(path, (db) =>
    db.all<{ version: number; name: string; applied_at: number }>(
      'SELECT * FROM schema_migrations ORDER BY version',
    ),
  );
  assert.deepEqual(
    before.map((r) => [r.version, r.name]),
    shipped.map((m) => [m.version, m.name]),
  );

  const again = await openStore(path);
  await again.close();
  const after = await withDb(path, (db) =>
    db.all('SELECT * FROM schema_migrations ORDER BY version'),
  );
  assert.deepEqual(after, before, 'reopening applies nothing again');
});

test('the connection runs in WAL mode with foreign keys and a busy timeout', async (t) => {
  const path = join(tempDir(t), 'a.sqlite');
  const store = await openStore(path);
  t.after(() => store.close());
  const settings = await store.connectionSettings();
  assert.equal(settings.journalMode, 'wal');
  assert.equal(settings.synchronous, 1, 'synchronous = NORMAL');
  assert.equal(settings.foreignKeys, 1);
  assert.ok(
    settings.busyTimeoutMs >= 3000,
    `busy timeout of several seconds, got ${settings.busyTimeoutMs} ms`,
  );
});

test('a database from version 1 upgrades in place and keeps its data', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'old.sqlite');
  const v1 = migrationsDir(dir, {});
  copyFileSync(join(MIGRATIONS_DIR, '001_init.sql'), join(v1, '001_init.sql'));

  const old = await openStore(path, { migrationsDir: v1 });
  const sweep = makeSweep('old', { width: [10, 20] });
  const { sweepId } = await old.createSweep(sweep);
  const [a, b] = sweep.runs;
  // Version 1 has no started_at/finished_at: record with plain SQL, as
  // an old program would have.
  await old.close();
  const raw = await Connection.open(path);
  await raw.exec(
    `INSERT INTO attempts VALUES
       ('${a.runId}', 1, 't1', 0, 'w', 500, 600, 'ok', NULL),
       ('${b.runId}', 1, 't2', 0, 'w', 400, 700, 'ok', NULL);
     INSERT INTO metrics (run_id, status, rel_l2, recorded_at) VALUES
       ('${a.runId}', 'done', 0.001, 600),
       ('${b.runId}', 'done', 0.002, 700);
     UPDATE runs SET status = 'done';`,
  );
  await raw.close();

  const store = await openStore(path);
  t.after(() => store.close());
  const versions = await withDb(path, (db) =>
    db.all<{ version: number }>('SELECT version FROM schema_migrations'),
  );
  assert.deepEqual(
    versions.map((v) => v.version),
    (await loadMigrations()).map((m) => m.version),
  );
  const row = await store.getSweep('old');
  assert.equal(row?.sweepId, sweepId);
  assert.equal(row?.startedAt, 400, 'backfilled: the earliest try');
  assert.equal(row?.finishedAt, 700, 'backfilled: the last final result');
  assert.equal((await store.statusCounts(sweepId)).done, 2);
});

test('migrations run in the order of their numbers, not of their names', async (t) => {
  const dir = tempDir(t);
  // 10_ sorts before 9_ as text; it needs the table that 9_ creates.
  const ordered = migrationsDir(dir, {
    '9_make.sql': 'CREATE TABLE seq (n INTEGER);',
    '10_fill.sql': 'INSERT INTO seq VALUES (10);',
  });
  const loaded = await loadMigrations(ordered);
  assert.deepEqual(
    loaded.map((m) => m.version),
    [9, 10],
  );
  const path = join(dir, 'o.sqlite');
  const store = await openStore(path, { migrationsDir: ordered });
  await store.close();
  const rows = await withDb(path, (db) => db.all('SELECT n FROM seq'));
  assert.deepEqual(rows, [{ n: 10 }]);
});

test('a failing migration leaves nothing behind and says which file', async (t) => {
  const dir = tempDir(t);
  const broken = migrationsDir(dir, {
    '001_ok.sql': 'CREATE TABLE a (x);',
    '002_bad.sql': 'CREATE TABLE b (x); INSERT INTO nowhere VALUES (1);',
  });
  const path = join(dir, 'b.sqlite');
  await assert.rejects(
    openStore(path, { migrationsDir: broken }),
    /migration 002_bad\.sql failed: .*nowhere/,
  );
  const tables = await withDb(path, (db) =>
    db.all<{ name: string }>(
      "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
    ),
  );
  assert.deepEqual(
    tables.map((r) => r.name),
    ['a', 'schema_migrations'],
    'table b of the failed migration was rolled back',
  );
  const versions = await withDb(path, (db) =>
    db.all('SELECT version FROM schema_migrations'),
  );
  assert.deepEqual(versions, [{ version: 1 }]);
});

test('a database newer than this program is refused with a clear error', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'new.sqlite');
  const store = await openStore(path);
  await store.close();
  const raw = await Connection.open(path);
  await raw.run("INSERT INTO schema_migrations VALUES (999, 'future', 0)");
  await raw.close();
  await assert.rejects(openStore(path), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.match(error.message, /schema version 999 is newer/);
    assert.match(error.message, /upgrade pinn-sweep/);
    return true;
  });
});

test('badly named or duplicate migration files are refused', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(
    loadMigrations(migrationsDir(dir, { 'init.sql': 'SELECT 1;' })),
    /is not named NNN_name\.sql/,
  );
  await assert.rejects(
    loadMigrations(
      migrationsDir(dir, { '1_a.sql': 'SELECT 1;', '001_b.sql': 'SELECT 1;' }),
    ),
    /two migrations .* have number 1/,
  );
});

test('a file that is not SQLite is refused as bad input', async (t) => {
  const path = join(tempDir(t), 'notes.txt');
  writeFileSync(path, 'this is not a database, just some text '.repeat(50));
  await assert.rejects(openStore(path), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.match(error.message, /is not a SQLite database/);
    return true;
  });
});

test('a read-only store reads a current schema and refuses to write', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'r.sqlite');
  const writer = await openStore(path);
  const sweep = makeSweep('ro', { width: [10] });
  const { sweepId } = await writer.createSweep(sweep);
  await writer.recordEvents([
    start(sweep.runs[0].runId, 't', 1),
    final(sweep.runs[0].runId, 't', 2, 'crashed', { error: 'x' }),
  ]);
  await writer.close();

  const reader = await openStore(path, { readOnly: true });
  t.after(() => reader.close());
  assert.equal((await reader.statusCounts(sweepId)).crashed, 1);
  await assert.rejects(reader.cancelSweep(sweepId), /open read-only/);

  const v1 = migrationsDir(dir, {});
  copyFileSync(join(MIGRATIONS_DIR, '001_init.sql'), join(v1, '001_init.sql'));
  const oldPath = join(dir, 'old.sqlite');
  await (await openStore(oldPath, { migrationsDir: v1 })).close();
  await assert.rejects(
    openStore(oldPath, { readOnly: true }),
    /schema is older .*missing 002_/,
  );
});
