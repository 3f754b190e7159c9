/**
 * Events a worker reports about a run, in the order they happen. They travel
 * through Redis (distributed mode) or in memory (local mode) to the recorder,
 * the one writer of the store.
 */
import type { FinalResult, FinalStatus } from './result.ts';

interface EventBase {
  /** Run id: the hash of sweep name and canonical run config. */
  runId: string;
  /** The run's generation when its job was enqueued (bumped by retry). */
  generation: number;
  /** Unique id of this try, chosen by the worker. */
  token: string;
  /** Worker that made the try, `host:pid`. */
  worker: string;
  /** When it happened, Unix milliseconds. */
  at: number;
}

/** A try started: the run is `running`, earlier open tries are `lost`. */
export interface StartEvent extends EventBase {
  kind: 'start';
}

/** A try crashed and the queue will try again (with backoff). */
export interface RetryEvent extends EventBase {
  kind: 'retry';
  error: string;
}

/**
 * A started try was stopped without a result, through no fault of the run
 * (its worker stopping, a Ctrl-C): the try ends `lost` and the run waits
 * for its next try.
 */
export interface HandBackEvent extends EventBase {
  kind: 'handback';
  /** Why, e.g. `worker stopping`. */
  reason: string;
}

/** A try ended the run: the final result, recorded at most once. */
export interface FinalEvent extends EventBase {
  kind: 'final';
  status: FinalStatus;
  /**
   * Present for `done`, `inaccurate` and `diverged`; from a worker with
   * its curve and samples already as text (`RecordedResult`).
   */
  result?: FinalResult;
  /** Why the run `crashed`, hit its `timeout` or was `cancelled`. */
  error?: string;
}

/** Anything the recorder stores. */
export type RecorderEvent =
  | StartEvent
  | RetryEvent
  | HandBackEvent
  | FinalEvent;
