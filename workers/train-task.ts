/**
 * The Piscina task: trains one run in a pool thread. Loaded through
 * `train-task.mjs`, which registers tsx first (worker threads cannot load
 * `.ts` files by themselves).
 */
import { injectFault } from './faults.ts';
import { type RecordedResult, recordedResult } from './result.ts';
import type { RunConfig } from './run-config.ts';
import { train } from './train.ts';

/** What the pool sends to a thread. */
export interface TrainTask {
  config: RunConfig;
  /**
   * Shared memory the thread marks when the task begins (see
   * `markStarted`), so that a time limit counts from then, not from when
   * the task was queued or while a fresh thread was loading.
   */
  started?: SharedArrayBuffer;
}

/**
 * Layout of `TrainTask.started`: Int32 flag at byte 0 (1 once started),
 * Float64 start time (Unix ms) at byte 8.
 */
export const STARTED_BYTES = 16;

/** Marks the task begun: the time first, then the flag (ordered). */
function markStarted(buffer: SharedArrayBuffer): void {
  new Float64Array(buffer, 8, 1)[0] = Date.now();
  Atomics.store(new Int32Array(buffer, 0, 1), 0, 1);
}

/**
 * When the task marked in `buffer` began (Unix ms), or undefined while it
 * waits for a thread.
 */
export function startedAt(buffer: SharedArrayBuffer): number | undefined {
  if (Atomics.load(new Int32Array(buffer, 0, 1), 0) !== 1) return undefined;
  return new Float64Array(buffer, 8, 1)[0];
}

/**
 * Trains `job.config` and returns its result with the curve and samples as
 * text: cheap to send to the main thread, and ready for the store.
 */
export default function trainTask(job: TrainTask): RecordedResult {
  if (job.started) markStarted(job.started);
  injectFault(job.config);
  return recordedResult(train(job.config));
}
