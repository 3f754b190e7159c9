/**
 * Answers computed once per store version: concurrent requests for the same
 * key share one computation, and the answer is reused until the store
 * changes. Bounded: the least recently used keys are dropped first.
 */
interface Entry<T> {
  version: string | number;
  value: Promise<T>;
  /** When the value was asked for, performance.now() ms. */
  at: number;
  /** A newer value being computed for the same version. */
  refreshing?: Promise<T>;
}

/** A bounded, versioned cache of promised answers. */
export class VersionedCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  /** @param capacity most keys kept (default 256) */
  constructor(private readonly capacity = 256) {}

  /**
   * The cached answer for `key` at `version`, else `compute()` (stored only
   * if it succeeds, so an error is never served twice from the cache).
   *
   * @param fresh.maxAgeMs after this long, the answer is recomputed in the
   *   background while the old one is still served (default: never)
   * @param fresh.staleMs when the version has changed, an answer computed
   *   less than this long ago is still served while the new one is
   *   computed in the background (default 0: wait for the new one)
   */
  get(
    key: string,
    version: string | number,
    compute: () => Promise<T>,
    fresh: { maxAgeMs?: number; staleMs?: number } = {},
  ): Promise<T> {
    const hit = this.entries.get(key);
    const age = hit ? performance.now() - hit.at : Number.POSITIVE_INFINITY;
    if (hit && (hit.version === version || age < (fresh.staleMs ?? 0))) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      const old = hit.version !== version;
      if (old || age > (fresh.maxAgeMs ?? Number.POSITIVE_INFINITY)) {
        this.refresh(key, hit, version, compute);
      }
      return hit.value;
    }
    const value = compute();
    this.entries.set(key, { version, value, at: performance.now() });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    this.evict();
    return value;
  }

  private refresh(
    key: string,
    entry: Entry<T>,
    version: string | number,
    compute: () => Promise<T>,
  ) {
    if (entry.refreshing) return;
    const next = compute();
    entry.refreshing = next;
    next.then(
      () => {
        if (this.entries.get(key) !== entry) return;
        this.entries.set(key, { version, value: next, at: performance.now() });
      },
      () => {
        entry.refreshing = undefined;
      },
    );
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
