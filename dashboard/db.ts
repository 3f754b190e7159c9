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
 * committed: SQLite's `PRAGMA data_version`. A reading is trusted for
 * `ttlMs`, then read again before it is served (a quick statement), so
 * answers keyed on it lag the store by at most `ttlMs`, however long the
 * dashboard sat idle before.
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

  /**
   * The current version: the last reading while it is younger than the
   * time to trust it, else a new one (callers share it). A reading that
   * fails falls back to the last one, if any.
   */
  get(): Promise<number> {
    const last = this.value;
    if (last !== undefined && performance.now() - this.at < this.ttlMs) {
      return Promise.resolve(last);
    }
    this.reading ??= this.read()
      .catch((error: unknown) => {
        if (this.value === undefined) throw error;
        return this.value;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
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
