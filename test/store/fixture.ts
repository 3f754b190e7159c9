/**
 * Test fixtures of the store: fresh temp dirs, sweeps built by hand, and
 * a small recorded study whose every number follows from simple rules.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Connection } from '../../coordinator/store/sqlite.ts';
import { openStore, type Store } from '../../coordinator/store/store.ts';
import type { NewRun, NewSweep } from '../../coordinator/store/types.ts';
import type {
  FinalEvent,
  RecorderEvent,
  RetryEvent,
  StartEvent,
} from '../../workers/events.ts';
import type {
  FinalStatus,
  RunMetrics,
  TrainResult,
} from '../../workers/result.ts';
import { parseRunConfig } from '../../workers/run-config.ts';

/** Rows of `sql` read through a separate read-only connection. */
export async function rows<T = Record<string, unknown>>(
  path: string,
  sql: string,
  params: (string | number | null)[] = [],
): Promise<T[]> {
  const db = await Connection.open(path, { readOnly: true });
  try {
    return await db.all<T>(sql, params);
  } finally {
    await db.close();
  }
}

/** A fresh temp dir, removed after the test. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pinn-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A store on a fresh file, closed after the test. */
export async function freshStore(
  t: TestContext,
): Promise<{ store: Store; path: string; dir: string }> {
  const dir = tempDir(t);
  const path = join(dir, 'sweeps.sqlite');
  const store = await openStore(path);
  t.after(() => store.close());
  return { store, path, dir };
}

/** A run id as the spec makes them: 16 hex digits of a hash. */
export function fakeRunId(name: string, settings: object): string {
  const text = JSON.stringify({ sweep: name, settings });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** A sweep over the product of `grid`, in grid order. */
export function makeSweep(
  name: string,
  grid: Record<string, readonly (number | string)[]>,
  extra: Partial<NewSweep> = {},
): NewSweep {
  const axes = Object.keys(grid);
  let combos: Record<string, number | string>[] = [{}];
  for (const axis of axes) {
    combos = combos.flatMap((c) =>
      grid[axis].map((v) => ({ ...c, [axis]: v })),
    );
  }
  const runs: NewRun[] = combos.map((settings, idx) => ({
    runId: fakeRunId(name, settings),
    idx,
    config: parseRunConfig({ steps: 100, ...settings }),
  }));
  return {
    name,
    specJson: JSON.stringify({ name, grid }),
    specHash: fakeRunId(name, grid).repeat(4),
    axes,
    threshold: 5e-3,
    retries: 2,
    timeoutMs: 60_000,
    runs,
    ...extra,
  };
}

/** Every metric finite and plausible, then `overrides`. */
export function metrics(overrides: Partial<RunMetrics> = {}): RunMetrics {
  return {
    rel_l2: 1e-3,
    rel_h1: 1e-2,
    energy: -2.4,
    energy_gap: 1e-4,
    final_loss: -2.4,
    gc_autodiff_cos: 1,
    gc_autodiff_rel: 1e-8,
    gc_analytic_cos: 1,
    gc_analytic_rel: 1e-8,
    kinks_inside: 0,
    steps_done: 100,
    wall_ms: 50,
    steps_per_s: 2000,
    diverged_step: null,
    ...overrides,
  };
}

/** A training result with these metrics and a tiny curve. */
export function result(m: RunMetrics): TrainResult {
  return {
    outcome: m.diverged_step === null ? 'trained' : 'diverged',
    metrics: m,
    curve: { step: [0, 50, 100], loss: [0, m.final_loss, m.final_loss] },
    samples: { x: [0, 0.5, 1], u: [0, 1, 0], u_star: [0, 1, 0] },
  };
}

const WORKER = 'host:1';

/** A start event of try `token`. */
export function start(
  runId: string,
  token: string,
  at: number,
  generation = 0,
): StartEvent {
  return { kind: 'start', runId, token, generation, worker: WORKER, at };
}

/** A retry event: try `token` crashed, the queue tries again. */
export function retry(
  runId: string,
  token: string,
  at: number,
  error = 'boom',
  generation = 0,
): RetryEvent {
  return { kind: 'retry', runId, token, generation, worker: WORKER, at, error };
}

/** A final event of try `token`. */
export function final(
  runId: string,
  token: string,
  at: number,
  status: FinalStatus,
  options: { result?: TrainResult; error?: string; generation?: number } = {},
): FinalEvent {
  return {
    kind: 'final',
    runId,
    token,
    generation: options.generation ?? 0,
    worker: WORKER,
    at,
    status,
    ...(options.result ? { result: options.result } : {}),
    ...(options.error ? { error: options.error } : {}),
  };
}

/** The grid of the small study. */
export const STUDY_GRID = {
  activation: ['relu', 'tanh'],
  width: [10, 20],
  lr: [1e-3, 1e-2],
  gradient: ['autodiff', 'analytic'],
  seed: [0, 1],
} as const;

/**
 * The outcome of each run of the small study, by rule:
 * - relu + autodiff: `inaccurate`, rel_l2 = 0.1 × width / 10 × (1 + seed);
 * - tanh, width 20, lr 1e-2, seed 1, any gradient: `diverged` (rel_l2 NaN,
 *   final_loss +Infinity, energy −Infinity);
 * - tanh + analytic, width 10, lr 1e-3, seed 0: `crashed` after one retry;
 * - otherwise `done`, rel_l2 = lr × width / 100 (1e-4 to 2e-3, all
 *   below the 5e-3 threshold).
 * wall_ms = width × 10.
 */
export function studyOutcome(config: {
  activation: string;
  width: number;
  lr: number;
  gradient: string;
  seed: number;
}): { status: FinalStatus; metrics?: RunMetrics; crashes: number } {
  const wall_ms = config.width * 10;
  if (config.activation === 'relu' && config.gradient === 'autodiff') {
    const rel_l2 = ((0.1 * config.width) / 10) * (1 + config.seed);
    return {
      status: 'inaccurate',
      metrics: metrics({ rel_l2, wall_ms }),
      crashes: 0,
    };
  }
  const diverges =
    config.activation === 'tanh' &&
    config.width === 20 &&
    config.lr === 1e-2 &&
    config.seed === 1;
  if (diverges) {
    const m = metrics({
      rel_l2: Number.NaN,
      rel_h1: Number.NaN,
      final_loss: Number.POSITIVE_INFINITY,
      energy: Number.NEGATIVE_INFINITY,
      diverged_step: 42,
      steps_done: 42,
      wall_ms,
    });
    return { status: 'diverged', metrics: m, crashes: 0 };
  }
  const crashes =
    config.activation === 'tanh' &&
    config.gradient === 'analytic' &&
    config.width === 10 &&
    config.lr === 1e-3 &&
    config.seed === 0;
  if (crashes) return { status: 'crashed', crashes: 2 };
  const rel_l2 = (config.lr * config.width) / 100;
  return { status: 'done', metrics: metrics({ rel_l2, wall_ms }), crashes: 0 };
}

/** The events that record `sweep` according to `studyOutcome`. */
export function studyEvents(sweep: NewSweep, t0 = 1_000_000): RecorderEvent[] {
  const events: RecorderEvent[] = [];
  let at = t0;
  for (const run of sweep.runs) {
    const outcome = studyOutcome(run.config);
    for (let k = 1; k < outcome.crashes; k++) {
      const token = `${run.runId}-${k}`;
      events.push(start(run.runId, token, at++));
      events.push(retry(run.runId, token, at++, 'worker thread died'));
    }
    const token = `${run.runId}-${Math.max(outcome.crashes, 1)}`;
    events.push(start(run.runId, token, at++));
    events.push(
      final(run.runId, token, at++, outcome.status, {
        ...(outcome.metrics ? { result: result(outcome.metrics) } : {}),
        ...(outcome.status === 'crashed'
          ? { error: 'worker thread died' }
          : {}),
      }),
    );
  }
  return events;
}

/** A store holding the small study, every run final. */
export async function studyStore(t: TestContext, name = 'study') {
  const fresh = await freshStore(t);
  const sweep = makeSweep(name, STUDY_GRID);
  const { sweepId } = await fresh.store.createSweep(sweep, 999_000);
  await fresh.store.recordEvents(studyEvents(sweep));
  return { ...fresh, sweep, sweepId };
}
