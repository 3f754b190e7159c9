/**
 * Live updates over Server-Sent Events: one poll of the store per interval,
 * shared by every connected page, pushes sweep progress and queue state
 * only when they changed.
 */
import type { Request, Response } from 'express';
import { stringifyJson } from '../coordinator/cli/json-numbers.ts';
import type { QueueStatus, QueueWatch } from './queue-watch.ts';
import type { StoreView } from './store-view.ts';
import type { SweepProgress } from './sweep-progress.ts';

/** Most pages listening at once; more get a 503. */
export const MAX_LISTENERS = 200;

/** Interval of the keep-alive comment, ms (proxies drop idle streams). */
const HEARTBEAT_MS = 15_000;

/** The data of one `update` event. */
export interface LiveUpdate {
  sweeps: SweepProgress[];
  queue: QueueStatus;
  /** Server time of the update, Unix ms. */
  at: number;
}

/** Counters for tests and the log: how much work the hub has done. */
export interface LiveStats {
  /** Polls of the store (one per interval while anyone listens). */
  polls: number;
  /** Updates sent (each to every listener). */
  updates: number;
}

/** Pushes `update` events to every listening page. */
export class LiveHub {
  readonly stats: LiveStats = { polls: 0, updates: 0 };
  private readonly listeners = new Set<Response>();
  private last: { text: string; body: string } | undefined;
  private poller: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private polling = false;

  /** @param intervalMs time between polls of the store, ms */
  constructor(
    private readonly view: StoreView,
    private readonly queue: QueueWatch,
    private readonly intervalMs: number,
  ) {}

  /** Starts polling (only does work while someone listens). */
  start(): void {
    this.poller = setInterval(() => void this.poll(), this.intervalMs);
    this.heartbeat = setInterval(() => {
      for (const res of this.listeners) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    this.poller.unref();
    this.heartbeat.unref();
  }

  /** Number of pages listening. */
  get size(): number {
    return this.listeners.size;
  }

  /** Serves one `GET /api/events` stream until the page goes away. */
  async listen(req: Request, res: Response): Promise<void> {
    if (this.listeners.size >= MAX_LISTENERS) {
      res.status(503).json({
        error: {
          status: 503,
          message: `too many live pages (${MAX_LISTENERS}); try again later`,
        },
      });
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // HEAD asks for the headers only: no stream, no slot taken.
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write('retry: 3000\n\n');
    this.listeners.add(res);
    req.on('close', () => this.listeners.delete(res));
    if (!this.last) await this.poll();
    if (this.last && !res.writableEnded) res.write(this.last.body);
  }

  /** Reads the store (cached per change) and pushes what changed. */
  async poll(): Promise<void> {
    if (this.polling || this.listeners.size === 0) return;
    this.polling = true;
    try {
      this.stats.polls++;
      const sweeps = await this.view.sweeps();
      const queue = this.queue.status;
      const text = stringifyJson({ sweeps, queue: stableQueue(queue) });
      if (text === this.last?.text) return;
      const update: LiveUpdate = { sweeps, queue, at: Date.now() };
      const body = `event: update\ndata: ${stringifyJson(update)}\n\n`;
      this.last = { text, body };
      this.stats.updates++;
      for (const res of this.listeners) res.write(body);
    } catch {
      // The store could not be read this time (e.g. locked for longer
      // than the busy timeout); the next poll tries again.
    } finally {
      this.polling = false;
    }
  }

  /** Ends every stream and stops polling. */
  stop(): void {
    if (this.poller) clearInterval(this.poller);
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const res of this.listeners) res.end();
    this.listeners.clear();
  }
}

/** The queue state without its poll time, to detect real changes. */
function stableQueue(queue: QueueStatus): unknown {
  if (queue.mode === 'local') return queue;
  const { checkedAt: _, ...rest } = queue;
  return rest;
}
