/**
 * Every sweep with its progress: counts per state (the store's summary),
 * failures, throughput over the last minutes and the time left at that
 * pace.
 */
import type { Connection } from '../coordinator/store/sqlite.ts';
import { selectSweepSummaries } from '../coordinator/store/sweep-queries.ts';
import type { SweepSummary } from '../coordinator/store/types.ts';
import { FAILURE_STATUSES } from '../workers/result.ts';

/** Window of the throughput: final results of the last 10 minutes. */
export const THROUGHPUT_WINDOW_MS = 10 * 60_000;

/** What a sweep is doing. */
export type SweepState = 'waiting' | 'running' | 'finished' | 'cancelled';

/** A sweep as the Sweeps page shows it. Times are Unix ms. */
export interface SweepProgress {
  name: string;
  sweepId: number;
  /** Grid axes in spec order. */
  axes: string[];
  threshold: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  cancelledAt: number | null;
  state: SweepState;
  total: number;
  /** Runs with a final result. */
  finals: number;
  /** finals / total. */
  progress: number;
  /** Runs that ended inaccurate, diverged, crashed or timeout. */
  failed: number;
  counts: SweepSummary['counts'];
  /**
   * Final results per minute: over the last 10 minutes while running, over
   * the whole sweep once finished; null when unknown.
   */
  throughputPerMin: number | null;
  /** Time left at that pace, ms; null when unknown or finished. */
  etaMs: number | null;
}

function stateOf(s: SweepSummary): SweepState {
  if (s.cancelledAt !== null) return 'cancelled';
  if (s.counts.queued + s.counts.running === 0) return 'finished';
  return s.startedAt === null ? 'waiting' : 'running';
}

/** Final results per sweep since `since` (Unix ms). */
async function recentFinals(
  db: Connection,
  since: number,
): Promise<Map<number, number>> {
  const rows = await db.all<{ sweep_id: number; n: number }>(
    `SELECT r.sweep_id, count(*) AS n
     FROM metrics m JOIN runs r ON r.run_id = m.run_id
     WHERE m.recorded_at >= ? GROUP BY r.sweep_id`,
    [since],
  );
  return new Map(rows.map((r) => [r.sweep_id, r.n]));
}

/**
 * Every sweep, newest first, with its progress as of `now`.
 *
 * @param now the time throughput and ETA are computed at, Unix ms
 */
export async function selectSweepProgress(
  db: Connection,
  now = Date.now(),
): Promise<SweepProgress[]> {
  const since = now - THROUGHPUT_WINDOW_MS;
  const [summaries, recent] = await Promise.all([
    selectSweepSummaries(db),
    recentFinals(db, since),
  ]);
  return summaries
    .map((s) => progressOf(s, recent.get(s.sweepId) ?? 0, now))
    .sort((a, b) => b.createdAt - a.createdAt || b.sweepId - a.sweepId);
}

function progressOf(
  s: SweepSummary,
  recentFinals: number,
  now: number,
): SweepProgress {
  const state = stateOf(s);
  const failed = FAILURE_STATUSES.reduce((sum, k) => sum + s.counts[k], 0);
  const pending = s.total - s.finals;
  let throughputPerMin: number | null = null;
  if (state === 'finished' && s.startedAt !== null && s.finishedAt !== null) {
    const minutes = (s.finishedAt - s.startedAt) / 60_000;
    throughputPerMin = minutes > 0 ? s.finals / minutes : null;
  } else if (state === 'running' && s.startedAt !== null) {
    const from = Math.max(s.startedAt, now - THROUGHPUT_WINDOW_MS);
    const minutes = (now - from) / 60_000;
    throughputPerMin = minutes > 0 ? recentFinals / minutes : null;
  }
  const etaMs =
    state === 'running' && throughputPerMin
      ? (pending / throughputPerMin) * 60_000
      : null;
  return {
    name: s.name,
    sweepId: s.sweepId,
    axes: s.axes,
    threshold: s.threshold,
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    cancelledAt: s.cancelledAt,
    state,
    total: s.total,
    finals: s.finals,
    progress: s.progress,
    failed,
    counts: s.counts,
    throughputPerMin,
    etaMs,
  };
}
