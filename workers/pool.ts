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

/** A fixed set of training threads. */
export interface TrainPool {
  /** Number of threads. */
  readonly threads: number;
  /**
   * Trains one run in a free thread (queued while all are busy). Rejects
   * when the task throws or its thread dies. Aborting `signal` terminates
   * the thread doing the work (a fresh one takes its place) and rejects.
   * `started` (`STARTED_BYTES` of shared memory) is marked when a thread
   * begins the task; read it with `startedAt`.
   */
  run(
    config: RunConfig,
    signal?: AbortSignal,
    started?: SharedArrayBuffer,
  ): Promise<RecordedResult>;
  /** Stops every thread, aborting work in progress. */
  close(): Promise<void>;
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
  return {
    threads: options.threads,
    run: (config, signal, started) =>
      piscina.run({ config, started }, { signal }),
    close: () => piscina.destroy(),
  };
}
