/**
 * The Piscina task: trains one run in a pool thread. Loaded through
 * `train-task.mjs`, which registers tsx first (worker threads cannot load
 * `.ts` files by themselves).
 */
import { injectFault } from './faults.ts';
import type { TrainResult } from './result.ts';
import type { RunConfig } from './run-config.ts';
import { train } from './train.ts';

/** What the pool sends to a thread. */
export interface TrainTask {
  config: RunConfig;
}

/** Trains `job.config` and returns its result (plain, cloneable data). */
export default function trainTask(job: TrainTask): TrainResult {
  injectFault(job.config);
  return train(job.config);
}
