/**
 * Local mode: a sweep's runs trained in this process on the Piscina pool,
 * recorded in the store by this process, with no Redis. The same try
 * (`executeAttempt`), the same events and the same store as the
 * distributed mode, so a spec gives the same run ids and the same results.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RecorderEvent } from '../workers/events.ts';
import { executeAttempt, HandBack } from '../workers/execute-run.ts';
import type { TrainPool } from '../workers/pool.ts';
import { DEFAULT_BACKOFF_MS } from './queue/enqueue.ts';
import type { Store } from './store/store.ts';
import type { QueuedRun } from './store/types.ts';

/** What the local runner needs to know about the sweep. */
export interface LocalSweep {
  sweepId: number;
  name: string;
  /** Largest `rel_l2` that counts as `done`. */
  threshold: number;
  /** Extra attempts after a crash. */
  retries: number;
  /** Per-run time limit, milliseconds. */
  timeoutMs: number;
}

/** A try that crashed and will run again. */
export interface RetryNotice {
  runId: string;
  /** The try that crashed, 1-based. */
  attempt: number;
  /** Tries allowed in all: retries + 1. */
  attempts: number;
  error: string;
  /** Wait before the next try, milliseconds. */
  delayMs: number;
}

/** Options of `runLocal`. */
export interface LocalRunOptions {
  store: Store;
  pool: TrainPool;
  sweep: LocalSweep;
  /** Runs to train (without a final result), in order. */
  runs: QueuedRun[];
  /** Tries in flight at once; the pool's thread count. */
  concurrency: number;
  /**
   * Aborting it stops the sweep at once: tries in flight are abandoned and
   * get no final result, so a later resume runs them again (Ctrl-C).
   */
  interrupt?: AbortSignal;
  /** Called after each batch of events is committed. */
  onRecorded?: (events: readonly RecorderEvent[]) => void;
  /** Called when a try crashed and its run will be tried again. */
  onRetry?: (notice: RetryNotice) => void;
  /** Called once when a cancel of the sweep has been noticed. */
  onCancel?: () => void;
  /** First retry delay, doubled per retry; default 1000 ms. */
  backoffMs?: number;
  /** Longest wait before buffered events are committed; default 100 ms. */
  flushMs?: number;
  /** Buffered events that trigger a commit at once; default 500. */
  flushEvents?: number;
  /** How often `sweeps.cancelled_at` is read; default 500 ms. */
  cancelPollMs?: number;
}

/** How a local run ended. */
export interface LocalRunResult {
  /**
   * `complete`: every given run has a final result; `cancelled`: the sweep
   * was cancelled; `interrupted`: the `interrupt` signal fired.
   */
  outcome: 'complete' | 'cancelled' | 'interrupted';
  /** Tries started. */
  tries: number;
}

/** Worker id of this process in attempts rows: `host:pid`. */
export const LOCAL_WORKER = `${hostname()}:${process.pid}`;

interface Pending {
  run: QueuedRun;
  /** Tries already made, 0 for the first. */
  made: number;
}

/**
 * Trains `runs` with at most `concurrency` tries in flight, retrying a
 * crashed try after `backoffMs · 2^(n−1)` up to the sweep's retries (on
 * the first thread free after that, before the runs not started yet), and
 * records every event in batched transactions. Resolves when every run has
 * a final result, the sweep is cancelled (noticed within `cancelPollMs`;
 * tries in flight end `cancelled`) or `interrupt` fires; rejects if the
 * store cannot be written (tries in flight are aborted first).
 */
export function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
  return new LocalRunner(options).run();
}

class LocalRunner {
  private readonly queue: Pending[];
  private head = 0;
  /**
   * Retries whose backoff is over: they start before any run not started
   * yet, so that a retry announced "in 1s" does not wait behind the whole
   * sweep (only for a thread to come free).
   */
  private readonly due: Pending[] = [];
  private active = 0;
  private tries = 0;
  private readonly delayed = new Set<NodeJS.Timeout>();
  private readonly stop = new AbortController();
  private outcome: LocalRunResult['outcome'] | undefined;
  private failure: unknown;
  private readonly recorder: EventBatcher;
  private finish: (() => void) | undefined;
  private readonly finished: Promise<void>;
  private cancelTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LocalRunOptions) {
    this.queue = options.runs.map((run) => ({ run, made: 0 }));
    this.recorder = new EventBatcher(
      options.store,
      options.flushMs ?? 100,
      options.flushEvents ?? 500,
      (events) => options.onRecorded?.(events),
      (error) => this.fail(error),
    );
    this.finished = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  async run(): Promise<LocalRunResult> {
    const { interrupt } = this.options;
    const onInterrupt = () => this.halt('interrupted');
    if (interrupt?.aborted) onInterrupt();
    interrupt?.addEventListener('abort', onInterrupt, { once: true });
    this.watchCancel();
    try {
      this.pump();
      await this.finished;
      await this.recorder.close();
    } finally {
      interrupt?.removeEventListener('abort', onInterrupt);
      clearTimeout(this.cancelTimer);
    }
    if (this.failure !== undefined) throw this.failure;
    return { outcome: this.outcome ?? 'complete', tries: this.tries };
  }

  /** Starts tries while there is room and work; settles when idle. */
  private pump(): void {
    const limit = Math.max(1, this.options.concurrency);
    while (!this.outcome && this.active < limit) {
      const next = this.due.shift() ?? this.takeQueued();
      if (!next) break;
      this.start(next);
    }
    const idle = this.active === 0 && this.delayed.size === 0;
    const drained = this.head >= this.queue.length && this.due.length === 0;
    if (idle && (this.outcome || drained)) {
      this.finish?.();
    }
  }

  /** The next run not started yet, in the given order. */
  private takeQueued(): Pending | undefined {
    const next = this.queue[this.head];
    if (!next) return undefined;
    this.queue[this.head++] = undefined as unknown as Pending;
    return next;
  }

  private start(item: Pending): void {
    const { sweep, pool } = this.options;
    const attempts = sweep.retries + 1;
    const job = {
      sweep: sweep.name,
      runId: item.run.runId,
      generation: item.run.generation,
      config: item.run.config,
      threshold: sweep.threshold,
      timeoutMs: sweep.timeoutMs,
    };
    const ctx = {
      token: randomUUID(),
      worker: LOCAL_WORKER,
      finalAttempt: item.made + 1 >= attempts,
      signal: this.stop.signal,
    };
    let crash = '';
    const emit = (event: RecorderEvent) => {
      if (event.kind === 'retry') crash = event.error;
      this.recorder.add(event);
    };
    this.active++;
    this.tries++;
    executeAttempt(pool, job, ctx, emit)
      .then((end) => {
        if (end === 'retry') this.retryLater(item, crash, attempts);
      })
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.active--;
        this.pump();
      });
  }

  private retryLater(item: Pending, error: string, attempts: number): void {
    if (this.outcome) return;
    const made = item.made + 1;
    const base = this.options.backoffMs ?? DEFAULT_BACKOFF_MS;
    const delayMs = base * 2 ** (made - 1);
    this.options.onRetry?.({
      runId: item.run.runId,
      attempt: made,
      attempts,
      error,
      delayMs,
    });
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      this.due.push({ run: item.run, made });
      this.pump();
    }, delayMs);
    this.delayed.add(timer);
  }

  /** Stops starting tries and aborts the ones in flight. */
  private halt(outcome: 'cancelled' | 'interrupted'): void {
    if (this.outcome) return;
    this.outcome = outcome;
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    // A handed-back try emits nothing more: no final result, so a later
    // resume trains its run again. A cancelled try ends `cancelled`.
    this.stop.abort(
      outcome === 'interrupted'
        ? new HandBack('interrupted')
        : new Error('sweep cancelled'),
    );
    if (outcome === 'cancelled') this.options.onCancel?.();
    this.pump();
  }

  private fail(error: unknown): void {
    if (this.failure === undefined) this.failure = error;
    this.halt('interrupted');
  }

  /** Polls the store for a cancel written by `sweep cancel`. */
  private watchCancel(): void {
    const { store, sweep } = this.options;
    const every = this.options.cancelPollMs ?? 500;
    const poll = async () => {
      if (this.outcome) return;
      try {
        const row = await store.getSweep(sweep.name);
        if (row?.cancelledAt != null) this.halt('cancelled');
      } catch (error) {
        this.fail(error);
      }
      if (!this.outcome) this.cancelTimer = setTimeout(poll, every);
    };
    this.cancelTimer = setTimeout(poll, every);
  }
}

/**
 * Buffers events and commits them with `store.recordEvents` in one
 * transaction per batch: after `flushMs`, or at once when `maxEvents` are
 * waiting. One commit at a time, in order.
 */
class EventBatcher {
  private buffer: RecorderEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly flushMs: number,
    private readonly maxEvents: number,
    private readonly onCommitted: (events: RecorderEvent[]) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  add(event: RecorderEvent): void {
    this.buffer.push(event);
    if (this.buffer.length >= this.maxEvents) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Commits what is buffered; resolves when every commit so far is done. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length > 0) {
      this.chain = this.chain.then(async () => {
        try {
          await this.store.recordEvents(batch);
          this.onCommitted(batch);
        } catch (error) {
          this.onError(error);
        }
      });
    }
    return this.chain;
  }

  /** Commits the rest. */
  close(): Promise<void> {
    return this.flush();
  }
}
