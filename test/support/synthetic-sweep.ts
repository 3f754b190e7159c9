/**
 * A realistic sweep written straight into a real SQLite store, for tests and
 * the dashboard's load benchmark: the first study's grid (activation ×
 * width × lr × gradient × init × bc × problem × seeds) with outcomes that
 * follow deep-ritz.md ("What the first study should show"): ReLU with
 * `autodiff` is inaccurate, the penalty boundary term limits everyone,
 * plus a sprinkle of divergences, crashes with retries, and timeouts.
 */

import { createHash } from 'node:crypto';
import sqlite3 from 'sqlite3';
import { openStore } from '../../coordinator/store/store.ts';
import type { RunStatus } from '../../workers/result.ts';
import {
  canonicalRunConfig,
  parseRunConfig,
  type RunConfig,
  SETTING_NAMES,
} from '../../workers/run-config.ts';

/** What to generate. */
export interface SyntheticOptions {
  /** Sweep name (default `synthetic`). */
  name?: string;
  /** Number of runs (default 720, one of each grid point). */
  runs?: number;
  /** Share of runs (by idx) with a final result, 0–1 (default 1). */
  finishedFraction?: number;
  /**
   * Which runs get a loss curve and u/u* samples: `all`, `none`, or every
   * k-th run (default: all up to 2,000 runs, else every 100th).
   */
  curves?: 'all' | 'none' | number;
  /** Seed of the generator (default 1). */
  seed?: number;
  /** Finals recorded per second of simulated time (default 20). */
  runsPerSecond?: number;
  /** When the last final was recorded, Unix ms (default now). */
  now?: number;
}

/** One generated run, as the test's independent ground truth. */
export interface SyntheticRun {
  runId: string;
  idx: number;
  config: RunConfig;
  status: RunStatus;
  /** Number of attempts rows written for the run. */
  attempts: number;
  /** rel_l2 as written (NaN stored as NULL + nan_metrics). */
  relL2: number | null;
}

/** The generated sweep. */
export interface SyntheticSweep {
  name: string;
  sweepId: number;
  /** Grid axes in spec order. */
  axes: string[];
  threshold: number;
  runs: SyntheticRun[];
}

/** The grid of the synthetic study. */
export const SYNTHETIC_GRID = {
  problem: ['sine', 'interface'],
  activation: ['relu', 'relu2', 'tanh', 'sigmoid', 'swish'],
  width: [10, 20, 40],
  lr: [1e-3, 1e-2],
  gradient: ['autodiff', 'analytic', 'finite-difference'],
  init: ['spread', 'torch'],
  bc: ['ansatz', 'penalty'],
} as const;

const THRESHOLD = 5e-3;
const RETRIES = 2;
const PI_STAR_SINE = -(Math.PI ** 2) / 4;

/** A small seeded PRNG (mulberry32): deterministic across runs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gridConfigs(): Record<string, string | number>[] {
  let configs: Record<string, string | number>[] = [{}];
  for (const [axis, values] of Object.entries(SYNTHETIC_GRID)) {
    configs = configs.flatMap((c) =>
      (values as readonly (string | number)[]).map((v) => ({
        ...c,
        [axis]: v,
      })),
    );
  }
  return configs;
}

function canonicalJson(value: Record<string, unknown>): string {
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(value[k])}`).join(',')}}`;
}

interface Outcome {
  status: 'done' | 'inaccurate' | 'diverged' | 'crashed' | 'timeout';
  relL2: number;
  crashes: number;
  error: string | null;
}

/** The study's expected rel_l2 for a config, before noise. */
function baseRelL2(config: RunConfig): number {
  const relu = config.activation === 'relu';
  let rel = relu ? 2.5e-3 * Math.sqrt(10 / config.width) : 4e-4;
  if (relu && config.gradient === 'autodiff') rel = 1.2e-2;
  if (config.lr < 1e-2) rel *= 1.6;
  if (config.init === 'torch') rel *= 1.3;
  if (config.bc === 'penalty') rel = relu ? 8e-2 : 2.5e-2;
  if (config.problem === 'interface' && relu) rel *= 0.7;
  return rel;
}

function outcomeOf(config: RunConfig, random: () => number): Outcome {
  const noise = Math.exp((random() - 0.5) * 0.6);
  const relL2 = baseRelL2(config) * noise;
  const roll = random();
  const unstable = config.activation === 'sigmoid' && config.lr >= 1e-2;
  if (unstable && config.init === 'torch' && roll < 0.08) {
    return { status: 'diverged', relL2: Number.NaN, crashes: 0, error: null };
  }
  if (config.gradient === 'finite-difference' && config.width === 40) {
    if (roll > 0.97) {
      return {
        status: 'timeout',
        relL2: Number.NaN,
        crashes: 0,
        error: 'exceeded the per-run time limit of 600000 ms',
      };
    }
  }
  if (roll > 0.995) {
    return {
      status: 'crashed',
      relL2: Number.NaN,
      crashes: RETRIES + 1,
      error: 'Error: worker thread exited unexpectedly (code 134)',
    };
  }
  const crashes = roll > 0.985 ? 1 : 0;
  const status = relL2 <= THRESHOLD ? 'done' : 'inaccurate';
  return { status, relL2, crashes, error: null };
}

/** Loss curve and u/u* samples consistent with the metrics. */
function curvesOf(config: RunConfig, outcome: Outcome, gap: number) {
  const step: number[] = [];
  const loss: (number | string)[] = [];
  const n = 200;
  for (let i = 0; i < n; i++) {
    const s = Math.round((i / (n - 1)) * config.steps);
    step.push(s);
    const value = PI_STAR_SINE + gap + 3 * Math.exp(-s / (config.steps / 8));
    loss.push(outcome.status === 'diverged' && i > 150 ? 'NaN' : value);
  }
  if (outcome.status === 'diverged') loss[150] = 'Infinity';
  const x: number[] = [];
  const u: number[] = [];
  const uStar: number[] = [];
  const rel = Number.isFinite(outcome.relL2) ? outcome.relL2 : 0.5;
  for (let i = 0; i <= 100; i++) {
    const xi = i / 100;
    x.push(xi);
    uStar.push(Math.sin(Math.PI * xi));
    u.push(Math.sin(Math.PI * xi) + rel * Math.sin(7 * Math.PI * xi));
  }
  return {
    loss: JSON.stringify({ step, loss }),
    samples: JSON.stringify({ x, u, u_star: uStar }),
  };
}

type Row = (string | number | null)[];

interface Rows {
  runs: Row[];
  metrics: Row[];
  attempts: Row[];
  curves: Row[];
}

function metricsRow(
  runId: string,
  config: RunConfig,
  outcome: Outcome,
  attempt: number,
  worker: string,
  at: number,
  random: () => number,
): Row {
  const trained = outcome.status === 'done' || outcome.status === 'inaccurate';
  const relH1 = trained ? outcome.relL2 * 12 : null;
  const gap = relH1 === null ? null : 0.5 * relH1 ** 2 * (Math.PI ** 2 / 2);
  const energy = gap === null ? null : PI_STAR_SINE + gap;
  const relu = config.activation === 'relu';
  const diverged = outcome.status === 'diverged';
  const stepsDone = trained
    ? config.steps
    : diverged
      ? Math.floor(config.steps * 0.75)
      : null;
  const wall = stepsDone === null ? null : stepsDone * (0.4 + random() * 0.2);
  const nan = diverged ? 'rel_l2,rel_h1,energy,energy_gap' : null;
  return [
    runId,
    outcome.status,
    trained ? outcome.relL2 : null,
    relH1,
    energy,
    gap,
    diverged ? Number.POSITIVE_INFINITY : energy,
    relu ? 0.97 + random() * 0.02 : 1 - 1e-12,
    relu ? 0.05 + random() * 0.2 : 2e-7 * random(),
    1 - 1e-12,
    2e-7 * random(),
    relu ? Math.floor(config.width * 0.8) : 0,
    stepsDone,
    wall,
    wall ? (stepsDone ?? 0) / (wall / 1000) : null,
    diverged ? stepsDone : null,
    nan,
    outcome.error,
    worker,
    attempt,
    at,
  ];
}

function addRun(
  rows: Rows,
  sweepId: number,
  run: SyntheticRun,
  outcome: Outcome | undefined,
  withCurves: boolean,
  at: number,
  random: () => number,
): void {
  const c = run.config;
  rows.runs.push([
    run.runId,
    sweepId,
    run.idx,
    run.status,
    0,
    canonicalJson(c),
    c.problem,
    c.interface_k,
    c.activation,
    c.width,
    c.bc,
    c.beta,
    c.init,
    c.quadrature,
    c.cells,
    c.gauss_points,
    c.nodes,
    c.gradient,
    c.fd_h,
    c.optimizer,
    c.lr,
    c.steps,
    c.seed,
    at,
  ]);
  const worker = `node-${run.idx % 7}:${4000 + (run.idx % 13)}`;
  if (run.status === 'running') {
    const token = `${run.runId}-1`;
    rows.attempts.push([run.runId, 1, token, 0, worker, at, null, null, null]);
    return;
  }
  if (!outcome) return;
  const tries = outcome.status === 'crashed' ? outcome.crashes : 1;
  const extra = outcome.status === 'crashed' ? 0 : outcome.crashes;
  for (let a = 1; a <= tries + extra; a++) {
    const last = a === tries + extra;
    const crashed = !last || outcome.status === 'crashed';
    const timeout = last && outcome.status === 'timeout';
    const outcomeText = crashed ? 'crashed' : timeout ? 'timeout' : 'ok';
    const error = crashed
      ? (outcome.error ?? 'Error: worker thread exited unexpectedly (code 1)')
      : timeout
        ? outcome.error
        : null;
    const start = at - (tries + extra - a + 1) * 1500;
    rows.attempts.push([
      run.runId,
      a,
      `${run.runId}-${a}`,
      0,
      worker,
      start,
      start + 1400,
      outcomeText,
      error,
    ]);
  }
  rows.metrics.push(
    metricsRow(run.runId, c, outcome, tries + extra, worker, at, random),
  );
  if (!withCurves || outcome.status === 'crashed') return;
  if (outcome.status === 'timeout') return;
  const gap = 0.5 * (outcome.relL2 * 12) ** 2 * (Math.PI ** 2 / 2);
  const { loss, samples } = curvesOf(c, outcome, Number.isNaN(gap) ? 1 : gap);
  rows.curves.push([run.runId, loss, samples]);
}

function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    db.exec(sql, (e) => (e ? reject(e) : resolve()));
  });
}

function run(db: sqlite3.Database, sql: string, params: unknown[]) {
  return new Promise<number>((resolve, reject) => {
    db.run(sql, params, function (this: sqlite3.RunResult, e) {
      if (e) reject(e);
      else resolve(this.lastID);
    });
  });
}

/**
 * Inserts rows with one prepared multi-row INSERT of 500 rows, reused for
 * every full chunk (compiling a statement of thousands of placeholders per
 * chunk would cost more than the inserts).
 */
async function insertMany(
  db: sqlite3.Database,
  table: string,
  columns: string[],
  rows: Row[],
): Promise<void> {
  const size = Math.min(500, Math.floor(30_000 / columns.length));
  const tuple = `(${columns.map(() => '?').join(',')})`;
  const sqlFor = (n: number) =>
    `INSERT INTO ${table} (${columns.join(',')}) VALUES ` +
    Array.from({ length: n }, () => tuple).join(',');
  const full = db.prepare(sqlFor(size));
  try {
    let i = 0;
    for (; i + size <= rows.length; i += size) {
      await runStatement(full, rows.slice(i, i + size).flat());
    }
    if (i < rows.length)
      await run(db, sqlFor(rows.length - i), rows.slice(i).flat());
  } finally {
    await new Promise<void>((resolve) => full.finalize(() => resolve()));
  }
}

function runStatement(stmt: sqlite3.Statement, params: unknown[]) {
  return new Promise<void>((resolve, reject) => {
    stmt.run(params, (e: Error | null) => (e ? reject(e) : resolve()));
  });
}

/** When the sweep started and finished, as the store keeps them. */
const TIMES_SQL = `UPDATE sweeps SET
  started_at = (SELECT min(a.started_at) FROM attempts a
    JOIN runs r ON r.run_id = a.run_id WHERE r.sweep_id = ?),
  finished_at = CASE WHEN EXISTS (SELECT 1 FROM runs WHERE sweep_id = ?
      AND status IN ('queued', 'running')) THEN NULL
    ELSE (SELECT max(m.recorded_at) FROM metrics m
      JOIN runs r ON r.run_id = m.run_id WHERE r.sweep_id = ?) END
  WHERE sweep_id = ?`;

const RUN_COLUMNS = [
  'run_id',
  'sweep_id',
  'idx',
  'status',
  'generation',
  'config_json',
  ...SETTING_NAMES,
  'updated_at',
];

const METRIC_COLUMNS = [
  'run_id',
  'status',
  'rel_l2',
  'rel_h1',
  'energy',
  'energy_gap',
  'final_loss',
  'gc_autodiff_cos',
  'gc_autodiff_rel',
  'gc_analytic_cos',
  'gc_analytic_rel',
  'kinks_inside',
  'steps_done',
  'wall_ms',
  'steps_per_s',
  'diverged_step',
  'nan_metrics',
  'error',
  'worker',
  'attempt',
  'recorded_at',
];

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
];

function plan(options: Required<SyntheticOptions>) {
  const grid = gridConfigs().map((point) =>
    canonicalRunConfig(parseRunConfig({ ...point, steps: 3000 })),
  );
  const random = prng(options.seed);
  const finished = Math.round(options.runs * options.finishedFraction);
  const runs: SyntheticRun[] = [];
  const outcomes: (Outcome | undefined)[] = [];
  for (let idx = 0; idx < options.runs; idx++) {
    const seed = Math.floor(idx / grid.length);
    const config = { ...grid[idx % grid.length], seed };
    const id = createHash('sha256')
      .update(`${options.name}\n${canonicalJson(config)}`)
      .digest('hex')
      .slice(0, 16);
    const outcome = idx < finished ? outcomeOf(config, random) : undefined;
    const pending = idx - finished;
    const status: RunStatus = outcome
      ? outcome.status
      : pending < 4
        ? 'running'
        : 'queued';
    const relL2 =
      outcome && Number.isFinite(outcome.relL2) ? outcome.relL2 : null;
    const attempts = outcome
      ? outcome.status === 'crashed'
        ? outcome.crashes
        : 1 + outcome.crashes
      : status === 'running'
        ? 1
        : 0;
    runs.push({ runId: id, idx, config, status, attempts, relL2 });
    outcomes.push(outcome);
  }
  return { runs, outcomes, finished, random };
}

function wantsCurves(curves: SyntheticOptions['curves'], idx: number) {
  if (curves === 'all') return true;
  if (curves === 'none' || curves === undefined) return false;
  return idx % curves === 0;
}

/**
 * Writes a synthetic sweep into the store at `dbPath` (created and migrated
 * as the store does when missing), in one transaction.
 */
export async function createSyntheticSweep(
  dbPath: string,
  options: SyntheticOptions = {},
): Promise<SyntheticSweep> {
  const full: Required<SyntheticOptions> = {
    name: options.name ?? 'synthetic',
    runs: options.runs ?? 720,
    finishedFraction: options.finishedFraction ?? 1,
    curves: options.curves ?? ((options.runs ?? 720) <= 2000 ? 'all' : 100),
    seed: options.seed ?? 1,
    runsPerSecond: options.runsPerSecond ?? 20,
    now: options.now ?? Date.now(),
  };
  const { runs, outcomes, finished, random } = plan(full);
  const axes = Object.keys(SYNTHETIC_GRID);
  const seeds = Math.ceil(full.runs / gridConfigs().length);
  const spec = {
    name: full.name,
    settings: { steps: 3000 },
    grid: SYNTHETIC_GRID,
    seeds,
    failure: { rel_l2: THRESHOLD },
    retries: RETRIES,
    timeout: '10m',
  };
  const startedAt = full.now - (finished / full.runsPerSecond) * 1000;
  // The store creates the file and its schema, as `sweep run` would.
  await (await openStore(dbPath)).close();
  const db = new sqlite3.Database(dbPath);
  try {
    // A big page cache keeps the random-key index inserts in memory.
    await exec(db, 'PRAGMA busy_timeout = 10000; PRAGMA cache_size = -262144');
    await exec(db, 'BEGIN IMMEDIATE');
    const specJson = JSON.stringify(spec);
    const sweepId = await run(
      db,
      'INSERT INTO sweeps (name, spec_json, spec_hash, axes_json, threshold,' +
        ' retries, timeout_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [
        full.name,
        specJson,
        createHash('sha256').update(specJson).digest('hex'),
        JSON.stringify(axes),
        THRESHOLD,
        RETRIES,
        600_000,
        startedAt - 5000,
      ],
    );
    const rows: Rows = { runs: [], metrics: [], attempts: [], curves: [] };
    for (const r of runs) {
      const at =
        r.idx < finished
          ? Math.round(startedAt + ((r.idx + 1) / full.runsPerSecond) * 1000)
          : Math.round(full.now);
      const curves = wantsCurves(full.curves, r.idx);
      addRun(rows, sweepId, r, outcomes[r.idx], curves, at, random);
    }
    await insertMany(db, 'runs', RUN_COLUMNS, rows.runs);
    await insertMany(db, 'attempts', ATTEMPT_COLUMNS, rows.attempts);
    await insertMany(db, 'metrics', METRIC_COLUMNS, rows.metrics);
    await insertMany(
      db,
      'curves',
      ['run_id', 'loss_json', 'samples_json'],
      rows.curves,
    );
    await run(db, TIMES_SQL, [sweepId, sweepId, sweepId, sweepId]);
    await exec(db, 'COMMIT');
    return { name: full.name, sweepId, axes, threshold: THRESHOLD, runs };
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}
