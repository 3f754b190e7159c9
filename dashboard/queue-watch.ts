/**
 * Live queue state from Redis, when the dashboard is given one: polled on
 * an interval by one client that fails fast, so that a Redis outage shows
 * as "unreachable" within seconds while the store keeps being served.
 */
import { Redis } from 'ioredis';
import { redisOptions, safeUrl } from '../coordinator/queue/connection.ts';
import { type QueueCounts, queueCounts } from '../coordinator/queue/counts.ts';

/**
 * How long Redis has to answer a first time before it counts as
 * unreachable, ms: started beside the dashboard (docker compose), it may
 * refuse connections for a moment, and a loaded machine may take seconds
 * to connect. Once Redis has answered, a loss is reported at once.
 */
export const CONNECT_GRACE_MS = 5000;

/** What the dashboard knows about the queue. */
export type QueueStatus =
  | { mode: 'local' }
  | {
      mode: 'redis';
      /** The URL without its password. */
      url: string;
      reachable: true;
      counts: QueueCounts;
      /** When the counts were read, Unix ms. */
      checkedAt: number;
    }
  | {
      mode: 'redis';
      url: string;
      reachable: false;
      /**
       * True while the first connection is under way (no answer and no
       * error yet): not known to be unreachable.
       */
      connecting: boolean;
      /** Why the last poll failed. */
      error: string;
      /** Since when Redis has been unreachable, Unix ms (null: not yet
       * reached at all). */
      since: number | null;
      /** Last counts read, if ever. */
      counts: QueueCounts | null;
      checkedAt: number;
    };

/** Polls a Redis queue; `status` is always the latest answer. */
export class QueueWatch {
  private current: QueueStatus;
  private client: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private lastError = 'no answer';
  /** Whether Redis has answered at least once. */
  private answered = false;
  private startedAt = 0;
  /** The reachability last told to `onChange`. */
  private told: boolean | undefined;

  /**
   * @param redisUrl Redis to watch; undefined for local mode
   * @param pollMs interval between polls, ms
   * @param onChange called when Redis becomes reachable or unreachable
   * @param connectGraceMs how long Redis has to answer a first time before
   *   it counts as unreachable (default `CONNECT_GRACE_MS`)
   */
  constructor(
    private readonly redisUrl: string | undefined,
    private readonly pollMs: number,
    private readonly onChange: (status: QueueStatus) => void = () => {},
    private readonly connectGraceMs = CONNECT_GRACE_MS,
  ) {
    this.current = redisUrl
      ? {
          mode: 'redis',
          url: safeUrl(redisUrl),
          reachable: false,
          connecting: true,
          error: 'connecting',
          since: null,
          counts: null,
          checkedAt: Date.now(),
        }
      : { mode: 'local' };
  }

  /** The latest queue state. */
  get status(): QueueStatus {
    return this.current;
  }

  /** Connects and polls until `stop()`. Resolves after the first poll. */
  async start(): Promise<void> {
    if (!this.redisUrl) return;
    this.startedAt = Date.now();
    this.client = new Redis({
      ...redisOptions(this.redisUrl),
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: Math.max(500, this.pollMs),
      retryStrategy: (times) => Math.min(200 * times, 2000),
    });
    this.client.on('error', (error: Error) => {
      this.lastError = error.message;
    });
    this.client.on('ready', () => {
      this.answered = true;
    });
    await this.firstContact(this.client);
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  /** Waits until the client is connected or has failed once. */
  private firstContact(client: Redis): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', done);
        client.off('error', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(500, this.pollMs));
      client.once('ready', done);
      client.once('error', done);
    });
  }

  private async poll(): Promise<void> {
    if (this.polling || !this.client || !this.redisUrl) return;
    this.polling = true;
    const url = safeUrl(this.redisUrl);
    try {
      // Asking a client that is not connected would only queue errors in
      // the queue library; say why Redis is unreachable instead.
      if (this.client.status !== 'ready') throw new Error(this.lastError);
      const counts = await withTimeout(
        queueCounts(this.client),
        Math.max(500, this.pollMs),
      );
      this.update({
        mode: 'redis',
        url,
        reachable: true,
        counts,
        checkedAt: Date.now(),
      });
    } catch (error) {
      this.update(this.down(url, error));
    } finally {
      this.polling = false;
    }
  }

  /**
   * The state after a failed poll: still connecting (within the grace
   * period of a first connection), or unreachable.
   */
  private down(url: string, error: unknown): QueueStatus {
    const previous = this.current;
    const wasDown = previous.mode === 'redis' && !previous.reachable;
    const waited = Date.now() - this.startedAt;
    const connecting = !this.answered && waited < this.connectGraceMs;
    return {
      mode: 'redis',
      url,
      reachable: false,
      connecting,
      error: error instanceof Error ? error.message : String(error),
      since: connecting
        ? null
        : ((wasDown ? previous.since : null) ??
          (this.answered ? Date.now() : this.startedAt)),
      counts: previous.mode === 'redis' ? previous.counts : null,
      checkedAt: Date.now(),
    };
  }

  /**
   * Records the latest state; tells `onChange` when Redis is found
   * reachable or unreachable, once per change, and not while the first
   * connection is still under way.
   */
  private update(next: QueueStatus): void {
    this.current = next;
    if (next.mode !== 'redis' || (!next.reachable && next.connecting)) return;
    if (next.reachable === this.told) return;
    this.told = next.reachable;
    this.onChange(next);
  }

  /** Stops polling and disconnects. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.client?.disconnect();
    this.client = undefined;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
