/**
 * What the store takes and returns.
 */

import type { RunStatus } from '../../workers/result.ts';
import type { RunConfig } from '../../workers/run-config.ts';

/** One run to record; any `PlannedRun` of the spec is one. */
export interface NewRun {
  /** 16 hex digits, the queue's job id. */
  runId: string;
  /** Position in the expanded grid. */
  idx: number;
  /** Complete, canonical settings. */
  config: RunConfig;
}

/** A sweep to record; any `SweepPlan` of the spec is one. */
export interface NewSweep {
  /** Unique per store. */
  name: string;
  /** Canonical JSON of the normalised spec. */
  specJson: string;
  /** Hash of the spec: equal specs have equal hashes. */
  specHash: string;
  /** Grid axes in spec order. */
  axes: readonly string[];
  /** Largest `rel_l2` that counts as `done`. */
  threshold: number;
  /** Extra attempts after a crash. */
  retries: number;
  /** Per-run time limit, milliseconds. */
  timeoutMs: number;
  /** Every run, with distinct `runId` and `idx`. */
  runs: readonly NewRun[];
}

/** A recorded sweep, as `getSweep` returns it. Times are Unix ms. */
export interface SweepRow {
  sweepId: number;
  name: string;
  /** Canonical JSON of the normalised spec. */
  specJson: string;
  specHash: string;
  /** Grid axes in spec order. */
  axes: string[];
  /** Largest `rel_l2` that counts as `done`. */
  threshold: number;
  /** Extra attempts after a crash. */
  retries: number;
  /** Per-run time limit, milliseconds. */
  timeoutMs: number;
  createdAt: number;
  /** When the first try started, or null. */
  startedAt: number | null;
  /** When the last run got its final result, or null while any has none. */
  finishedAt: number | null;
  /** When `sweep cancel` was run, or null. */
  cancelledAt: number | null;
}

/** Runs per state, every state present (0 when none). */
export type StatusCounts = Record<RunStatus, number>;

/** A sweep with its progress, as `listSweeps` returns it. */
export interface SweepSummary extends SweepRow {
  /** Runs in all. */
  total: number;
  /** Runs with a final result. */
  finals: number;
  /** finals / total, from 0 to 1 (1 for a sweep without runs). */
  progress: number;
  counts: StatusCounts;
}

/** A run to enqueue: it has no final result. */
export interface QueuedRun {
  runId: string;
  /** Bumped by each `resetForRetry`; a result of another is ignored. */
  generation: number;
  config: RunConfig;
}

/** One cell of the failure table: an activation × gradient method. */
export interface FailureCell {
  activation: string;
  gradient: string;
  /** Runs in the cell. */
  runs: number;
  /** Runs with a final result other than `cancelled`. */
  finals: number;
  /** Runs that ended inaccurate, diverged, crashed or timeout. */
  failed: number;
  /** failed / finals, or null when no run has finished. */
  failureRate: number | null;
  /**
   * Median rel_l2 of the runs that reported one (NaN and not measured are
   * left out; ±Infinity counts), or null when none did.
   */
  medianRelL2: number | null;
  /** Runs per state. */
  counts: StatusCounts;
}

/** One value of one grid axis, over every run of the sweep having it. */
export interface AxisValueSummary {
  /** The setting, e.g. `lr`. */
  axis: string;
  /** Its value, as stored. */
  value: number | string;
  runs: number;
  /** Runs with a final result other than `cancelled`. */
  finals: number;
  failed: number;
  /** failed / finals, or null when no run has finished. */
  failureRate: number | null;
  /** Mean wall time of the runs that reported one, ms, or null. */
  meanWallMs: number | null;
}
