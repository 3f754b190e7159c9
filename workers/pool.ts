/**
 * The Piscina pool that trains runs off the main thread, so a worker's
 * event loop stays free to renew job locks and record events.
 */
import { Piscina } from 'piscina';
import type { RecordedResult } from './result.ts';
import type { RunConfig } from './run-config.ts';
import type { TrainTask } from './train-task.ts';

/** Default heap limit of one training thread, megabytes. */
export const DEFAULT_THREAD_HEAP_MB = 512;

/** Options of `createTrainPool`. */
export interface TrainPoolOptions {
  /** Training threads, all started at once and kept (min = max). */
  threads: number;
  /**
   * Old-generation heap limit of each thread, megabytes (default 512). A
   * thread that runs out fails only its own run; Piscina replaces it.
   */
  maxOldGenerationSizeMb?: number;
}

/** Options of one `TrainPool.run`. */
export interface PoolRunOptions {
  /**
   * Aborting it takes a waiting run out of the line, or terminates the
   * thread training it (a fresh one takes its place); either way the run
   * rejects.
   */
  signal?: AbortSignal;
  /**
   * `STARTED_BYTES` of shared memory, marked by the thread when it begins
   * the task; read it with `startedAt`.
   */
  started?: SharedArrayBuffer;
  /** Called once, when the run is handed to a free thread. */
  onBegin?: () => void;
}

/** A fixed set of training threads. */
export interface TrainPool {
  /** Number of threads. */
  readonly threads: number;
  /**
   * Trains one run in a free thread; while all are busy, runs wait in
   * line, first come first served. Rejects when the task throws, its
   * thread dies or `options.signal` aborts.
   */
  run(config: RunConfig, options?: PoolRunOptions): Promise<RecordedResult>;
  /** Stops every thread, aborting work in progress. */
  close(): Promise<void>;
}

/** A run waiting for a free thread. */
interface Waiting {
  config: RunConfig;
  options: PoolRunOptions;
  resolve: (result: RecordedResult) => void;
  reject: (error: unknown) => void;
  onAbort?: () => void;
}

function abortError(signal: AbortSignal): Error {
  const error = new Error('The task has been aborted', {
    cause: signal.reason,
  });
  error.name = 'AbortError';
  return error;
}

const TASK_FILE = new URL('./train-task.mjs', import.meta.url).href;

/** Starts `threads` training threads. */
export function createTrainPool(options: TrainPoolOptions): TrainPool {
  const heapMb = options.maxOldGenerationSizeMb ?? DEFAULT_THREAD_HEAP_MB;
  const piscina = new Piscina<TrainTask, RecordedResult>({
    filename: TASK_FILE,
    minThreads: options.threads,
    maxThreads: options.threads,
    idleTimeout: Number.POSITIVE_INFINITY,
    concurrentTasksPerWorker: 1,
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
  });
  return new LinedPool(piscina, options.threads);
}

/**
 * Keeps the line of waiting runs itself, not in Piscina, so that a run is
 * known to begin when it is handed over: Piscina only ever gets runs that
 * a thread is free for.
 */
class LinedPool implements TrainPool {
  private readonly line: Waiting[] = [];
  private busy = 0;

  constructor(
    private readonly piscina: Piscina<TrainTask, RecordedResult>,
    readonly threads: number,
  ) {}

  run(config: RunConfig, options: PoolRunOptions = {}) {
    return new Promise<RecordedResult>((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) return reject(abortError(signal));
      const next = { config, options, resolve, reject };
      if (this.busy < this.threads) this.begin(next);
      else this.wait(next);
    });
  }

  close(): Promise<void> {
    for (const next of this.line.splice(0)) {
      next.reject(new Error('the training pool was closed'));
    }
    return this.piscina.destroy();
  }

  private begin(next: Waiting): void {
    const { signal, started, onBegin } = next.options;
    this.busy++;
    onBegin?.();
    this.piscina
      .run({ config: next.config, started }, { signal })
      .then(next.resolve, next.reject)
      .finally(() => {
        this.busy--;
        this.advance();
      });
  }

  private wait(next: Waiting): void {
    const { signal } = next.options;
    next.onAbort = () => {
      const at = this.line.indexOf(next);
      if (at >= 0) this.line.splice(at, 1);
      next.reject(abortError(signal as AbortSignal));
    };
    signal?.addEventListener('abort', next.onAbort, { once: true });
    this.line.push(next);
  }

  private advance(): void {
    while (this.busy < this.threads && this.line.length > 0) {
      const next = this.line.shift() as Waiting;
      const { signal } = next.options;
      if (next.onAbort) signal?.removeEventListener('abort', next.onAbort);
      this.begin(next);
    }
  }
}
