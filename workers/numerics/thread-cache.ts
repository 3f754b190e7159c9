import type { RunConfig } from '../run-config.ts';

/**
 * A small least-recently-used map for what a worker thread keeps between
 * runs: grids, data at their nodes, models. Every value must be a pure
 * function of its key, so that a result never depends on what ran before.
 */
export class ThreadCache<V> {
  private readonly entries = new Map<string, V>();

  /** @param limit entries kept; the least recently used goes first */
  constructor(private readonly limit: number) {}

  /** The value of `key`, made by `make` the first time. */
  get(key: string, make: () => V): V {
    const found = this.entries.get(key);
    if (found !== undefined) {
      // Re-inserting moves the key to the end: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    const value = make();
    this.entries.set(key, value);
    if (this.entries.size > this.limit) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    return value;
  }
}

/** Names a run's problem and its settings: equal keys, equal problems. */
export function problemKey(
  config: Pick<RunConfig, 'problem' | 'interface_k'>,
): string {
  return config.problem === 'interface'
    ? `interface k=${config.interface_k}`
    : config.problem;
}
