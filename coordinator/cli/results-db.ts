/**
 * What the commands that only read results (`status`, `query`, `export`)
 * share: they never create a database, and they name the known sweeps
 * when asked for an unknown one.
 */

import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { InputError } from '../input-error.ts';
import type { Store } from '../store/store.ts';
import type { SweepRow } from '../store/types.ts';

/**
 * Refuses a database path that does not exist, instead of creating an
 * empty database there, and a folder, which SQLite would report only as a
 * disk I/O error once a statement runs.
 *
 * @throws InputError naming the path and how to get a database
 */
export function requireDbFile(path: string): void {
  if (existsSync(path)) {
    const stat = statSync(path);
    // An empty file would become a results database on opening, even for
    // a command refused a moment later: it holds no sweep either way.
    if (stat.isFile() && stat.size === 0) {
      throw new InputError(
        `no results database at ${path} (the file is empty); run ` +
          '"sweep run SPEC" first, or point --db (or SWEEP_DB) at an ' +
          'existing one',
      );
    }
    if (!stat.isDirectory()) return;
    throw new InputError(
      `cannot open results database ${path}: the path must not be a ` +
        'folder; --db (or SWEEP_DB) names a results file',
    );
  }
  throw new InputError(
    `no results database at ${path}; run "sweep run SPEC" first, or ` +
      'point --db (or SWEEP_DB) at an existing one',
  );
}

/** Opens the existing database at `path` (upgrading its schema if old). */
export async function openExistingStore(path: string): Promise<Store> {
  requireDbFile(path);
  // Imported here: `sweep query` needs only the check above.
  const { openStore } = await import('../store/store.ts');
  return openStore(path);
}

/**
 * The sweep called `name`.
 *
 * @throws InputError naming the sweeps the database holds
 */
export async function requireSweep(
  store: Store,
  name: string,
): Promise<SweepRow> {
  const sweep = await store.getSweep(name);
  if (sweep) return sweep;
  const known = (await store.listSweeps()).map((s) => s.name);
  const list = known.length > 0 ? known.join(', ') : 'none yet';
  throw new InputError(
    `no sweep named "${name}" in ${store.path}; known sweeps: ${list}`,
  );
}

/** Writes `chunk`, waiting while the stream's buffer is full. */
export async function write(stream: Writable, chunk: string): Promise<void> {
  if (stream.errored) throw stream.errored;
  if (!stream.write(chunk)) await once(stream, 'drain');
}

/**
 * Runs `body` writing to standard output; a reader that goes away early
 * (`| head`) ends the output quietly instead of with a crash.
 */
export async function toStdout(body: () => Promise<unknown>): Promise<void> {
  const ignore = () => {};
  process.stdout.on('error', ignore);
  try {
    await body();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
  } finally {
    process.stdout.off('error', ignore);
  }
}
