/**
 * Records a batch of worker events in one transaction, exactly once:
 * the batch's runs and tries are read once, the events are applied in
 * order in memory (the write lock is held, so nothing else changes them),
 * and the changes are written with a handful of set-based statements.
 */

import type { FinalEvent, RecorderEvent } from '../../workers/events.ts';
import {
  type FinalStatus,
  type RunStatus,
  seriesTexts,
} from '../../workers/result.ts';
import { encodeMetrics, METRIC_NAMES } from './metric-values.ts';
import type { Connection, SqlParams } from './sqlite.ts';

/** How a try ended. */
type AttemptOutcome = 'ok' | 'crashed' | 'timeout' | 'cancelled' | 'lost';

interface RunState {
  run_id: string;
  sweep_id: number;
  status: RunStatus;
  generation: number;
  dirty?: boolean;
  updated_at?: number;
}

interface AttemptState {
  run_id: string;
  attempt: number;
  token: string;
  generation: number;
  worker: string;
  started_at: number;
  ended_at: number | null;
  outcome: AttemptOutcome | null;
  error: string | null;
  isNew?: boolean;
  dirty?: boolean;
}

/** What a batch changes, collected before anything is written. */
interface Changes {
  runs: Map<string, RunState>;
  /** token → try. */
  attempts: Map<string, AttemptState>;
  /** run id → its tries. */
  byRun: Map<string, AttemptState[]>;
  metrics: SqlParams[];
  curves: SqlParams[];
  /** sweep id → earliest start seen. */
  started: Map<number, number>;
  /** sweep id → latest accepted final. */
  finished: Map<number, number>;
}

const OUTCOME_OF: Record<FinalStatus, AttemptOutcome> = {
  done: 'ok',
  inaccurate: 'ok',
  diverged: 'ok',
  crashed: 'crashed',
  timeout: 'timeout',
  cancelled: 'cancelled',
};

const OPEN_STATUSES: readonly RunStatus[] = ['queued', 'running'];

const ATTEMPT_COLUMNS = [
  'run_id',
  'attempt',
  'token',
  'generation',
  'worker',
  'started_at',
  'ended_at',
  'outcome',
  'error',
] as const;

/** Columns of `metrics` in the order `metricsRow` fills them. */
export const METRICS_COLUMNS = [
  'run_id',
  'status',
  ...METRIC_NAMES,
  'nan_metrics',
  'error',
  'worker',
  'attempt',
  'recorded_at',
];

/**
 * Applies `events` inside the caller's transaction. Events of unknown
 * runs are skipped. See `Store.recordEvents` for the rules.
 */
export async function recordEventBatch(
  db: Connection,
  events: readonly RecorderEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const changes = await loadState(db, events);
  for (const event of events) applyEvent(changes, event);
  await writeChanges(db, changes);
}

async function loadState(
  db: Connection,
  events: readonly RecorderEvent[],
): Promise<Changes> {
  const runIds = JSON.stringify([...new Set(events.map((e) => e.runId))]);
  const tokens = JSON.stringify([...new Set(events.map((e) => e.token))]);
  const runs = await db.all<RunState>(
    'SELECT run_id, sweep_id, status, generation FROM runs ' +
      'WHERE run_id IN (SELECT value FROM json_each(?))',
    [runIds],
  );
  const attempts = await db.all<AttemptState>(
    `SELECT ${ATTEMPT_COLUMNS.join(', ')} FROM attempts ` +
      'WHERE run_id IN (SELECT value FROM json_each(?1)) ' +
      'OR token IN (SELECT value FROM json_each(?2))',
    [runIds, tokens],
  );
  const changes: Changes = {
    runs: new Map(runs.map((r) => [r.run_id, r])),
    attempts: new Map(attempts.map((a) => [a.token, a])),
    byRun: new Map(),
    metrics: [],
    curves: [],
    started: new Map(),
    finished: new Map(),
  };
  for (const attempt of attempts) {
    attemptsOf(changes, attempt.run_id).push(attempt);
  }
  return changes;
}

function applyEvent(changes: Changes, event: RecorderEvent): void {
  const run = changes.runs.get(event.runId);
  if (!run) return;
  if (event.kind === 'start') applyStart(changes, run, event);
  else if (event.kind === 'retry') {
    endAttempt(changes, run, event, 'crashed', event.error);
    if (event.generation === run.generation && run.status === 'running') {
      setStatus(run, 'queued', event.at);
    }
  } else if (event.kind === 'handback') {
    endAttempt(changes, run, event, 'lost', `handed back: ${event.reason}`);
    // Queued again, unless another try of this generation is under way.
    const open = attemptsOf(changes, run.run_id).some(
      (a) => a.outcome === null && a.generation === run.generation,
    );
    if (event.generation === run.generation && run.status === 'running') {
      if (!open) setStatus(run, 'queued', event.at);
    }
  } else if (event.kind === 'final') applyFinal(changes, run, event);
  // Kinds this version does not know (from a newer worker) are skipped.
}

function applyStart(
  changes: Changes,
  run: RunState,
  event: RecorderEvent,
): void {
  if (changes.attempts.has(event.token)) return;
  const current = event.generation === run.generation;
  if (current) {
    // A new try of the run means the open ones will never report.
    for (const other of attemptsOf(changes, run.run_id)) {
      if (other.outcome !== null) continue;
      close(other, 'lost', event.at, null);
    }
  }
  addAttempt(changes, run, event);
  if (current && OPEN_STATUSES.includes(run.status)) {
    setStatus(run, 'running', event.at);
  }
  const seen = changes.started.get(run.sweep_id);
  if (seen === undefined || event.at < seen) {
    changes.started.set(run.sweep_id, event.at);
  }
}

function applyFinal(changes: Changes, run: RunState, event: FinalEvent): void {
  const attempt = endAttempt(
    changes,
    run,
    event,
    OUTCOME_OF[event.status],
    event.error ?? null,
  );
  if (event.generation !== run.generation) return;
  if (!OPEN_STATUSES.includes(run.status)) return;
  changes.metrics.push(metricsRow(event, attempt));
  if (event.result) {
    const { loss_json, samples_json } = seriesTexts(event.result);
    changes.curves.push([run.run_id, loss_json, samples_json]);
  }
  setStatus(run, event.status, event.at);
  const latest = changes.finished.get(run.sweep_id) ?? event.at;
  changes.finished.set(run.sweep_id, Math.max(latest, event.at));
}

function metricsRow(event: FinalEvent, attempt: number | null): SqlParams {
  const { values, nanMetrics } = encodeMetrics(event.result?.metrics ?? {});
  return [
    event.runId,
    event.status,
    ...values,
    nanMetrics,
    event.error ?? null,
    event.worker,
    attempt,
    event.at,
  ];
}

/**
 * Ends the try `event.token`: an open try, or one marked `lost` that
 * turned out to report after all. A try whose start was never seen is
 * recorded as starting and ending now. Returns its attempt number.
 */
function endAttempt(
  changes: Changes,
  run: RunState,
  event: RecorderEvent,
  outcome: AttemptOutcome,
  error: string | null,
): number | null {
  let attempt = changes.attempts.get(event.token);
  if (!attempt) attempt = addAttempt(changes, run, event);
  if (attempt.run_id !== run.run_id) return null;
  if (attempt.outcome === null || attempt.outcome === 'lost') {
    close(attempt, outcome, event.at, error);
  }
  return attempt.attempt;
}

function addAttempt(
  changes: Changes,
  run: RunState,
  event: RecorderEvent,
): AttemptState {
  const tries = attemptsOf(changes, run.run_id);
  const attempt: AttemptState = {
    run_id: run.run_id,
    attempt: tries.reduce((n, a) => Math.max(n, a.attempt), 0) + 1,
    token: event.token,
    generation: event.generation,
    worker: event.worker,
    started_at: event.at,
    ended_at: null,
    outcome: null,
    error: null,
    isNew: true,
  };
  changes.attempts.set(event.token, attempt);
  tries.push(attempt);
  return attempt;
}

function attemptsOf(changes: Changes, runId: string): AttemptState[] {
  let tries = changes.byRun.get(runId);
  if (!tries) {
    tries = [];
    changes.byRun.set(runId, tries);
  }
  return tries;
}

function close(
  attempt: AttemptState,
  outcome: AttemptOutcome,
  at: number,
  error: string | null,
): void {
  attempt.outcome = outcome;
  attempt.ended_at = at;
  attempt.error = error;
  attempt.dirty = true;
}

function setStatus(run: RunState, status: RunStatus, at: number): void {
  run.status = status;
  run.updated_at = at;
  run.dirty = true;
}

async function writeChanges(db: Connection, changes: Changes): Promise<void> {
  const attempts = [...changes.attempts.values()];
  const fresh = attempts.filter((a) => a.isNew);
  if (fresh.length > 0) await insertAttempts(db, fresh);
  const ended = attempts.filter((a) => a.dirty && !a.isNew);
  if (ended.length > 0) await updateAttempts(db, ended);
  const runs = [...changes.runs.values()].filter((r) => r.dirty);
  if (runs.length > 0) await updateRuns(db, runs);
  await db.insertMany(
    'metrics',
    METRICS_COLUMNS,
    changes.metrics,
    'ON CONFLICT (run_id) DO NOTHING',
  );
  await db.insertMany(
    'curves',
    ['run_id', 'loss_json', 'samples_json'],
    changes.curves,
    'ON CONFLICT (run_id) DO NOTHING',
  );
  await updateSweeps(db, changes);
}

/**
 * Attempt rows hold only text and integers, which JSON carries exactly:
 * one bound JSON array instead of nine values per row.
 */
async function insertAttempts(
  db: Connection,
  attempts: AttemptState[],
): Promise<void> {
  const rows = attempts.map((a) => ATTEMPT_COLUMNS.map((c) => a[c]));
  await db.run(
    `INSERT INTO attempts (${ATTEMPT_COLUMNS.join(', ')}) SELECT ` +
      ATTEMPT_COLUMNS.map((_, i) => `value ->> ${i}`).join(', ') +
      ' FROM jsonb_each(jsonb(?))',
    [JSON.stringify(rows)],
  );
}

async function updateAttempts(
  db: Connection,
  attempts: AttemptState[],
): Promise<void> {
  const rows = attempts.map((a) => ({
    token: a.token,
    ended_at: a.ended_at,
    outcome: a.outcome,
    error: a.error,
  }));
  await db.run(
    'UPDATE attempts SET ended_at = u.ended_at, outcome = u.outcome, ' +
      'error = u.error FROM (SELECT ' +
      "value ->> 'token' AS token, value ->> 'ended_at' AS ended_at, " +
      "value ->> 'outcome' AS outcome, value ->> 'error' AS error " +
      'FROM jsonb_each(jsonb(?))) AS u WHERE attempts.token = u.token',
    [JSON.stringify(rows)],
  );
}

async function updateRuns(db: Connection, runs: RunState[]): Promise<void> {
  const rows = runs.map((r) => ({
    run_id: r.run_id,
    status: r.status,
    updated_at: r.updated_at,
  }));
  await db.run(
    'UPDATE runs SET status = u.status, updated_at = u.updated_at ' +
      "FROM (SELECT value ->> 'run_id' AS run_id, value ->> 'status' " +
      "AS status, value ->> 'updated_at' AS updated_at " +
      'FROM jsonb_each(jsonb(?))) AS u WHERE runs.run_id = u.run_id',
    [JSON.stringify(rows)],
  );
}

async function updateSweeps(db: Connection, changes: Changes): Promise<void> {
  for (const [sweepId, at] of changes.started) {
    await db.run(
      'UPDATE sweeps SET started_at = ?1 WHERE sweep_id = ?2 ' +
        'AND (started_at IS NULL OR started_at > ?1)',
      [at, sweepId],
    );
  }
  for (const [sweepId, at] of changes.finished) {
    await db.run(
      'UPDATE sweeps SET finished_at = ?1 WHERE sweep_id = ?2 ' +
        'AND NOT EXISTS (SELECT 1 FROM runs WHERE sweep_id = ?2 ' +
        "AND status IN ('queued', 'running'))",
      [at, sweepId],
    );
  }
}
