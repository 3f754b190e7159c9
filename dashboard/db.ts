/**
 * The dashboard's connections to the results store: opened read-only, so
 * nothing the dashboard does can change a result.
 */
import { Connection } from '../coordinator/store/sqlite.ts';

/** Page cache of each dashboard connection, KiB (SQLite's negative form). */
const CACHE_KIB = 64 * 1024;

/** Opens `path` read-only with a large page cache. */
export async function openReadOnlyConnection(
  path: string,
): Promise<Connection> {
  const db = await Connection.open(path, { readOnly: true });
  await db.run(`PRAGMA cache_size = -${CACHE_KIB}`);
  return db;
}

/**
 * A number that changes whenever another connection (the recorder) has
 * committed: SQLite's `PRAGMA data_version`. Once known, it is served
 * without waiting and re-read in the background at most once per `ttlMs`,
 * so answers keyed on it lag the store by about `ttlMs` and no request
 * ever waits for the check.
 */
export class StoreVersion {
  private at = Number.NEGATIVE_INFINITY;
  private value: number | undefined;
  private reading: Promise<number> | undefined;

  /** @param ttlMs how long a reading is trusted, ms */
  constructor(
    private readonly db: Connection,
    private readonly ttlMs: number,
  ) {}

  /** The current version (waits only for the very first reading). */
  get(): Promise<number> {
    if (performance.now() - this.at >= this.ttlMs && !this.reading) {
      this.reading = this.read().finally(() => {
        this.reading = undefined;
      });
      // A failed check is tried again on the next call; callers waiting
      // for the first reading still see the error.
      this.reading.catch(() => undefined);
    }
    if (this.value === undefined) return this.reading as Promise<number>;
    return Promise.resolve(this.value);
  }

  private async read(): Promise<number> {
    const row = await this.db.get<{ data_version: number }>(
      'PRAGMA data_version',
    );
    this.value = row?.data_version ?? 0;
    this.at = performance.now();
    return this.value;
  }
}
