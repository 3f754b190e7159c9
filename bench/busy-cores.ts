/**
 * Part of `npm run bench:pipeline`: does a sweep of real runs keep both
 * cores busy? A few dozen runs of a few hundred milliseconds each are first
 * trained one after another on this thread, each timed alone; then the same
 * runs go through the pipeline on two cores, three ways: local mode
 * (`runLocal`, the engine of `sweep run` without Redis, on a 2-thread
 * pool), one `sweep worker --threads 2`, and two `sweep worker --threads 1`
 * sharing the queue, each with its threads already started and warm. Each
 * sweep's wall time, from handing the runs over to the last result in
 * SQLite, is compared with the ideal: the sum of the runs' single-thread
 * times ÷ 2. A fourth figure, not held to the target, times the whole
 * `sweep run` command in local mode, start-up included.
 *
 * The single-thread time of a run is the CPU time of the whole `train()`
 * call, not the `wall_ms` it reports (its training loop only): the gradient
 * check and the final metrics keep a core just as busy, and no scheduling
 * can make them vanish, so they are work, not pipeline overhead. Counting
 * only the loop would charge them to the pipeline. Both sums are printed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocal } from '../coordinator/local-runner.ts';
import { enqueueRuns, startRecorder } from '../coordinator/queue/index.ts';
import { loadSpecFile } from '../coordinator/spec/index.ts';
import type { QueuedRun, Store } from '../coordinator/store/index.ts';
import { rows } from '../test/support/pipeline.ts';
import { type SweepProcess, spawnSweep } from '../test/support/processes.ts';
import { createTrainPool } from '../workers/pool.ts';
import { train } from '../workers/train.ts';
import { cpuSharesSince, lastCpuMs } from './cpu-time.ts';

/** Settings of the real runs: a few hundred ms each on this machine. */
const REAL_SETTINGS = { problem: 'sine', width: 20, steps: 6000 };

/**
 * Seeds of the warm-up sweeps, whose runs go before each timed sweep:
 * threads compile each activation's code on its first runs, which is not
 * the steady state (and a sweep of thousands of runs does it once).
 */
const WARMUP_SEEDS = 4;

/** Activations of the real runs: different costs per step. */
const ACTIVATIONS = ['tanh', 'relu', 'swish'];

/** What `busyCores` prints, also for `--json`. */
export interface BusyFigure {
  name: string;
  runs: number;
  wallMs: number;
  /** wallMs ÷ (sum of single-thread times ÷ 2). */
  ratio: number;
  /** Cores other processes kept busy meanwhile, on average. */
  othersCores: number;
  /** Cores the benchmark's own processes kept busy, on average. */
  oursCores: number;
  /** Whether the target applies (not to a figure with start-up). */
  held: boolean;
}

/** Where the sweeps are recorded, and how output goes out. */
export interface BusyContext {
  redisUrl: string;
  dir: string;
  store: Store;
  /** Prints one line (nothing with `--json`). */
  print: (line: string) => void;
  /** Process ids of redis-server and this process, for CPU accounting. */
  pids: (number | undefined)[];
}

/** The target: wall time within this factor of the ideal. */
export const BUSY_TARGET = 1.15;

interface RealSweep {
  name: string;
  sweepId: number;
  plan: Awaited<ReturnType<typeof loadSpecFile>>;
  runs: QueuedRun[];
}

/** Writes the spec of a sweep of real runs; resolves its path. */
function realSpec(ctx: BusyContext, name: string, seeds: number): string {
  const specPath = join(ctx.dir, `${name}.json`);
  const spec = {
    name,
    settings: REAL_SETTINGS,
    grid: { activation: ACTIVATIONS },
    seeds,
    retries: 0,
  };
  writeFileSync(specPath, JSON.stringify(spec));
  return specPath;
}

async function realSweep(
  ctx: BusyContext,
  name: string,
  seeds: number,
): Promise<RealSweep> {
  const plan = await loadSpecFile(realSpec(ctx, name, seeds));
  const { sweepId } = await ctx.store.createSweep(plan);
  return { name, sweepId, plan, runs: await ctx.store.pendingRuns(sweepId) };
}

/** CPU ms of each run's `train()` on this thread, one after another. */
function singleThreadMs(runs: readonly QueuedRun[]) {
  let cpuMs = 0;
  let loopMs = 0;
  for (const run of runs) {
    const before = process.cpuUsage();
    const result = train(run.config);
    const used = process.cpuUsage(before);
    cpuMs += (used.user + used.system) / 1000;
    loopMs += result.metrics.wall_ms;
  }
  return { cpuMs, loopMs };
}

/** Resolves once the recorder has recorded `n` finals of sweep runs. */
function finalsOf(runs: readonly QueuedRun[]) {
  const ids = new Set(runs.map((run) => run.runId));
  let left = ids.size;
  let resolve: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  const onRecorded = (events: readonly { kind: string; runId: string }[]) => {
    for (const e of events) {
      if (e.kind === 'final' && ids.delete(e.runId)) left--;
    }
    if (left === 0) resolve();
  };
  return { done, onRecorded };
}

/**
 * Wall time of `work`, and the cores (CPU ms per wall ms) the benchmark's
 * processes and all others kept busy meanwhile.
 */
interface Timing {
  wallMs: number;
  oursCores: number;
  othersCores: number;
}

async function timing(
  ctx: BusyContext,
  children: () => (number | undefined)[],
  work: () => Promise<unknown>,
  childrenMs?: () => number,
): Promise<Timing> {
  const pids = () => [...ctx.pids, ...children()];
  const shares = cpuSharesSince(pids, childrenMs);
  const start = performance.now();
  await work();
  const wallMs = performance.now() - start;
  const { ours, others } = shares();
  // The system's total and our processes' CPU are read a moment apart:
  // on an idle machine the difference can come out a hair below zero.
  const othersCores = Math.max(0, others / wallMs);
  return { wallMs, oursCores: ours / wallMs, othersCores };
}

async function localFigure(
  ctx: BusyContext,
  sweep: RealSweep,
  warmup: RealSweep,
): Promise<Timing> {
  const pool = createTrainPool({ threads: 2 });
  await Promise.all(warmup.runs.map((run) => pool.run(run.config)));
  const measured = await timing(
    ctx,
    () => [],
    () =>
      runLocal({
        store: ctx.store,
        pool,
        sweep: { ...sweep.plan, sweepId: sweep.sweepId },
        runs: sweep.runs,
        concurrency: 2,
      }),
  );
  await pool.close();
  return measured;
}

/**
 * The whole `sweep run` command in local mode, start-up included: the
 * process loads its code, then starts its threads, which load theirs.
 */
async function commandFigure(ctx: BusyContext, seeds: number): Promise<Timing> {
  const specPath = realSpec(ctx, 'real-command', seeds);
  const db = join(ctx.dir, 'real-command.sqlite');
  const args = ['run', specPath, '--db', db, '--threads', '2'];
  let command: SweepProcess | undefined;
  const cpu = lastCpuMs(() => command?.pid);
  const measured = await timing(
    ctx,
    () => [],
    async () => {
      command = spawnSweep(args);
      const exit = await command.exited;
      if (exit.code !== 0) {
        throw new Error(`sweep run failed:\n${command.lines.join('\n')}`);
      }
    },
    cpu.ms,
  );
  cpu.stop();
  return measured;
}

/** Starts workers, warms their threads with a few runs, resolves them. */
async function warmWorkers(
  ctx: BusyContext,
  threads: number[],
  warmup: RealSweep,
): Promise<SweepProcess[]> {
  const workers = threads.map((n) =>
    spawnSweep(['worker', '--redis', ctx.redisUrl, '--threads', `${n}`]),
  );
  await Promise.all(workers.map((w) => w.waitFor('joined')));
  const finals = finalsOf(warmup.runs);
  const recorder = await startRecorder(ctx.redisUrl, ctx.store, finals);
  await enqueueRuns(ctx.redisUrl, warmup.plan, warmup.runs);
  await finals.done;
  await recorder.stop();
  return workers;
}

async function distributedFigure(
  ctx: BusyContext,
  sweep: RealSweep,
  workers: SweepProcess[],
): Promise<Timing> {
  const finals = finalsOf(sweep.runs);
  const recorder = await startRecorder(ctx.redisUrl, ctx.store, finals);
  const pids = () => workers.map((w) => w.pid);
  const measured = await timing(ctx, pids, async () => {
    await enqueueRuns(ctx.redisUrl, sweep.plan, sweep.runs);
    await finals.done;
  });
  await recorder.stop();
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  return measured;
}

/** How two workers shared a sweep: runs each, and when each finished. */
async function split(ctx: BusyContext, sweep: RealSweep): Promise<string> {
  const per = await rows(
    ctx.store.path,
    'SELECT worker, count(*) AS runs, max(ended_at) AS last FROM attempts ' +
      `WHERE run_id IN (SELECT run_id FROM runs WHERE sweep_id = ` +
      `${sweep.sweepId}) GROUP BY worker ORDER BY worker`,
  );
  const shares = per.map((w) => String(w.runs)).join(' / ');
  const lasts = per.map((w) => Number(w.last));
  const apart = Math.max(...lasts) - Math.min(...lasts);
  return `runs per worker ${shares}, last results ${apart} ms apart`;
}

/**
 * Runs the three sweeps of `seeds × 3` real runs and prints each one's
 * wall time against the ideal.
 */
export async function busyCores(
  ctx: BusyContext,
  seeds: number,
): Promise<BusyFigure[]> {
  const sweeps = {
    local: await realSweep(ctx, 'real-local', seeds),
    one: await realSweep(ctx, 'real-one-worker', seeds),
    two: await realSweep(ctx, 'real-two-workers', seeds),
    warmup: await realSweep(ctx, 'real-warmup', WARMUP_SEEDS),
    warmup2: await realSweep(ctx, 'real-warmup-2', WARMUP_SEEDS),
  };
  const figures = new Figures(ctx, sweeps.local.runs, sweeps.warmup.runs);

  const local = await localFigure(ctx, sweeps.local, sweeps.warmup);
  figures.report('real runs, local mode, 2 threads', local);
  const one = await warmWorkers(ctx, [2], sweeps.warmup);
  const oneMs = await distributedFigure(ctx, sweeps.one, one);
  figures.report('real runs, one worker --threads 2', oneMs);
  const two = await warmWorkers(ctx, [1, 1], sweeps.warmup2);
  const twoMs = await distributedFigure(ctx, sweeps.two, two);
  figures.report('real runs, two workers --threads 1', twoMs);
  ctx.print(`  ${await split(ctx, sweeps.two)}`);
  const command = await commandFigure(ctx, seeds);
  figures.report('real runs, whole `sweep run` command', command, false);
  ctx.print(
    '  (start-up included: the process and its threads load their code; ' +
      'not held to the target)',
  );
  return figures.all;
}

/** The ideal of the sweeps, and each sweep's figure against it. */
class Figures {
  readonly all: BusyFigure[] = [];
  private readonly ideal: number;

  constructor(
    private readonly ctx: BusyContext,
    private readonly runs: readonly QueuedRun[],
    warmup: readonly QueuedRun[],
  ) {
    singleThreadMs(warmup);
    const single = singleThreadMs(runs);
    this.ideal = single.cpuMs / 2;
    const perRun = (single.cpuMs / runs.length).toFixed(0);
    ctx.print(
      `real runs: ${runs.length} (${JSON.stringify(REAL_SETTINGS)}, ` +
        `activation ${ACTIVATIONS.join('/')}); one thread, one by one: ` +
        `train() CPU ${(single.cpuMs / 1000).toFixed(2)} s in all ` +
        `(training loops alone ${(single.loopMs / 1000).toFixed(2)} s), ` +
        `${perRun} ms per run; ideal on 2 cores ` +
        `${(this.ideal / 1000).toFixed(2)} s`,
    );
  }

  report(name: string, timing: Timing, target = true) {
    const { wallMs, othersCores, oursCores } = timing;
    const ratio = wallMs / this.ideal;
    const runs = this.runs.length;
    this.all.push({ name, runs, ratio, ...timing, held: target });
    const goal = target ? ` (target ≤ ${BUSY_TARGET})` : '';
    this.ctx.print(
      `${name.padEnd(44)} ${String(runs).padStart(7)} ` +
        `in ${(wallMs / 1000).toFixed(2).padStart(6)} s = ` +
        `${ratio.toFixed(2)} × ideal${goal}; cores kept busy: ` +
        `${oursCores.toFixed(2)} by its processes, ` +
        `${othersCores.toFixed(2)} by others`,
    );
  }
}
