/**
 * Shared by the `sweep run`/`resume`/`retry`/`cancel` tests: a fresh temp
 * folder, small specs written into it, and read-only queries of the
 * results file a child process writes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, type SqlParams } from '../../coordinator/store/sqlite.ts';

/** A temp folder removed by `remove()`. */
export function tempDir(prefix = 'pinn-run-'): {
  path: string;
  file(name: string): string;
  remove(): void;
} {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/**
 * A spec of 2 activations × 3 gradient methods × `seeds` seeds on `sine`:
 * 6·seeds runs of at most a few tens of milliseconds each (width 8, 100
 * steps on 16 cells), with one kinked and one smooth activation so that
 * the failure table has both kinds of row.
 */
export function smallSpec(
  name: string,
  options: { seeds?: number; retries?: number; steps?: number } = {},
): string {
  return [
    `name: ${name}`,
    'settings:',
    '  problem: sine',
    '  width: 8',
    '  cells: 16',
    `  steps: ${options.steps ?? 100}`,
    '  lr: 1e-2',
    'grid:',
    '  activation: [relu, tanh]',
    '  gradient: [autodiff, analytic, finite-difference]',
    `seeds: ${options.seeds ?? 2}`,
    `retries: ${options.retries ?? 1}`,
    'timeout: 2m',
    '',
  ].join('\n');
}

/** Writes `text` to `dir/name` and returns the path. */
export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Rows of `sql` on a read-only connection to `db`. */
export async function query<T = Record<string, unknown>>(
  db: string,
  sql: string,
  params: SqlParams = [],
): Promise<T[]> {
  const connection = await Connection.open(db, { readOnly: true });
  try {
    return await connection.all<T>(sql, params);
  } finally {
    await connection.close();
  }
}

/** The single number `sql` selects. */
export async function scalar(
  db: string,
  sql: string,
  params: SqlParams = [],
): Promise<number> {
  const rows = await query<Record<string, number>>(db, sql, params);
  return Object.values(rows[0] ?? {})[0] ?? 0;
}

/** Polls `check` every 50 ms until it is true; fails after `timeoutMs`. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
