/**
 * Schema migrations: numbered SQL files `migrations/NNN_name.sql`, applied
 * in the order of their numbers, each in its own transaction and recorded
 * in `schema_migrations`, so that a database from an older version upgrades
 * in place and a newer one is refused.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../input-error.ts';
import type { Connection } from './sqlite.ts';

/** The folder of the migrations shipped with this version. */
export const MIGRATIONS_DIR = fileURLToPath(
  new URL('../../migrations/', import.meta.url),
);

/** One migration file. */
export interface Migration {
  /** Its number, NNN. */
  version: number;
  /** The rest of the file name, without `.sql`. */
  name: string;
  /** The file name, e.g. `002_indexes.sql`. */
  file: string;
  /** The SQL script. */
  sql: string;
}

const FILE_NAME = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;

/**
 * Reads every `NNN_name.sql` of `dir`, sorted by number (not by name, so
 * `10_x` follows `9_y`).
 *
 * @throws Error on an `.sql` file without a number or two files with one
 */
export async function loadMigrations(
  dir = MIGRATIONS_DIR,
): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql'));
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new Error(
        `migration file ${join(dir, file)} is not named NNN_name.sql`,
      );
    }
    const sql = await readFile(join(dir, file), 'utf8');
    migrations.push({ version: Number(match[1]), name: match[2], file, sql });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new Error(
        `two migrations in ${dir} have number ${migrations[i].version}`,
      );
    }
  }
  return migrations;
}

/** The versions recorded in `schema_migrations`, ascending. */
export async function appliedVersions(db: Connection): Promise<number[]> {
  const table = await db.get(
    "SELECT 1 FROM sqlite_schema WHERE type = 'table' " +
      "AND name = 'schema_migrations'",
  );
  if (!table) return [];
  const rows = await db.all<{ version: number }>(
    'SELECT version FROM schema_migrations ORDER BY version',
  );
  return rows.map((row) => row.version);
}

/**
 * Refuses a database whose schema is newer than `migrations`: this
 * version of the program would misread it.
 */
export function checkNotNewer(
  path: string,
  applied: readonly number[],
  migrations: readonly Migration[],
): void {
  const known = new Set(migrations.map((m) => m.version));
  const unknown = applied.filter((v) => !known.has(v));
  if (unknown.length === 0) return;
  const newest = Math.max(...applied);
  const ours = Math.max(0, ...known);
  throw new InputError(
    `${path}: database schema version ${newest} is newer than this ` +
      `pinn-sweep understands (up to ${ours}); upgrade pinn-sweep to ` +
      'read it.',
  );
}

/**
 * Applies every migration not yet recorded, in order, each in its own
 * `BEGIN IMMEDIATE` transaction. A second process opening the same file
 * at the same moment waits for the lock and then finds the version
 * recorded, so each migration runs once.
 *
 * @returns the versions applied now
 */
export async function migrate(
  db: Connection,
  migrations: readonly Migration[],
  now = Date.now(),
): Promise<number[]> {
  await db.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (' +
      'version INTEGER PRIMARY KEY, name TEXT NOT NULL, ' +
      'applied_at INTEGER NOT NULL)',
  );
  checkNotNewer(db.path, await appliedVersions(db), migrations);
  const done: number[] = [];
  for (const migration of migrations) {
    const applied = await db.transaction(() => applyOne(db, migration, now));
    if (applied) done.push(migration.version);
  }
  return done;
}

async function applyOne(
  db: Connection,
  migration: Migration,
  now: number,
): Promise<boolean> {
  const seen = await db.get(
    'SELECT 1 FROM schema_migrations WHERE version = ?',
    [migration.version],
  );
  if (seen) return false;
  try {
    await db.exec(migration.sql);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${migration.file} failed: ${reason}`);
  }
  await db.run(
    'INSERT INTO schema_migrations (version, name, applied_at) ' +
      'VALUES (?, ?, ?)',
    [migration.version, migration.name, now],
  );
  return true;
}
