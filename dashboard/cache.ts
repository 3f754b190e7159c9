/**
 * Answers computed once per store version: concurrent requests for the same
 * key share one computation, and the answer is reused until the store
 * changes. Bounded: the least recently used keys are dropped first.
 */
export class VersionedCache<T> {
  private readonly entries = new Map<
    string,
    { version: string | number; value: Promise<T> }
  >();

  /** @param capacity most keys kept (default 256) */
  constructor(private readonly capacity = 256) {}

  /**
   * The cached answer for `key` at `version`, else `compute()` (stored only
   * if it succeeds, so an error is never served twice from the cache).
   */
  get(
    key: string,
    version: string | number,
    compute: () => Promise<T>,
  ): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.version === version) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    const value = compute();
    this.entries.set(key, { version, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    this.evict();
    return value;
  }

  /** Number of keys held. */
  get size(): number {
    return this.entries.size;
  }

  private evict(): void {
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) return;
      this.entries.delete(oldest);
    }
  }
}
