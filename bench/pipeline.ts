/**
 * `npm run bench:pipeline`: how fast the distributed pipeline moves runs,
 * beside BullMQ's own figures measured in the same run on the same
 * redis-server (started here, on a free port, and stopped at the end).
 *
 * 1. BullMQ alone: addBulk of trivial jobs, and a Worker at concurrency 2
 *    doing nothing.
 * 2. `train()` alone on a 2-thread pool: the ceiling for one-step runs.
 * 3. End to end: a sweep of one-step runs recorded in SQLite, enqueued,
 *    trained by a `sweep worker --threads 2` process, recorded back.
 * 4. Enqueueing 100,000 runs with `enqueueRuns` against addBulk of the
 *    same jobs.
 * 5. Real runs (a few hundred ms each) on two cores, in local mode, on one
 *    worker with 2 threads and on two workers with 1 thread each, against
 *    the sum of their single-thread times (see `busy-cores.ts`).
 *
 * CPU per run is given per process and, for the worker and the
 * coordinator, split into the main thread and all other threads: on a
 * machine others share, CPU time is the steadier figure.
 *
 * Options: `--runs N` (default 5000), `--enqueue N` (default 100000),
 * `--seeds N` (real runs per activation, default 12), `--only LIST`
 * (comma-separated parts: bullmq, pool, end-to-end, enqueue, real; default
 * all), `--json`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { durableOptions } from '../coordinator/queue/connection.ts';
import { runJob } from '../coordinator/queue/enqueue.ts';
import { enqueueRuns, startRecorder } from '../coordinator/queue/index.ts';
import { PREFIX, QUEUE } from '../coordinator/queue/keys.ts';
import { loadSpecFile } from '../coordinator/spec/index.ts';
import { openStore, type Store } from '../coordinator/store/index.ts';
import { spawnSweep } from '../test/support/processes.ts';
import { startRedis } from '../test/support/redis.ts';
import { createTrainPool } from '../workers/pool.ts';
import { parseRunConfig, type RunConfig } from '../workers/run-config.ts';
import { type BusyFigure, busyCores } from './busy-cores.ts';
import {
  type CpuSplit,
  cpuSplitSince,
  othersCpuSince,
  processCpuMs,
} from './cpu-time.ts';

/** The parts of the benchmark, in the order they run. */
const PARTS = ['bullmq', 'pool', 'end-to-end', 'enqueue', 'real'] as const;

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    enqueue: { type: 'string', default: '100000' },
    seeds: { type: 'string', default: '12' },
    only: { type: 'string', default: PARTS.join(',') },
    json: { type: 'boolean', default: false },
  },
});
const RUNS = count('runs', flags.runs);
const ENQUEUE = count('enqueue', flags.enqueue);
const SEEDS = count('seeds', flags.seeds);
const ONLY = new Set(flags.only.split(',').map((part) => part.trim()));
for (const part of ONLY) {
  if (!(PARTS as readonly string[]).includes(part)) {
    fail(`--only: unknown part "${part}"; allowed: ${PARTS.join(', ')}`);
  }
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function count(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    fail(`--${flag}: expected a whole number ≥ 1, got "${text}"`);
  }
  return n;
}

/**
 * Runs a pool or worker trains before it is timed. V8 compiles the training
 * code while the first few hundred runs go through a thread (they cost up
 * to 2.5× a later run), so a short warm-up would time the compiler.
 */
const WARMUP_RUNS = 1000;

/** One-step runs on the smallest network: the pipeline, not the maths. */
const ONE_STEP = { steps: 1, width: 2 };

interface Figure {
  name: string;
  count: number;
  ms: number;
  perSecond: number;
}

const figures: Figure[] = [];

function record(name: string, count: number, ms: number): Figure {
  const figure = { name, count, ms, perSecond: (count / ms) * 1000 };
  figures.push(figure);
  if (!flags.json) {
    const rate = Math.round(figure.perSecond).toLocaleString('en');
    const secs = (ms / 1000).toFixed(2);
    process.stdout.write(
      `${name.padEnd(44)} ${String(count).padStart(7)} ` +
        `in ${secs.padStart(6)} s` +
        ` = ${rate.padStart(7)} /s\n`,
    );
  }
  return figure;
}

function print(line: string): void {
  if (!flags.json) process.stdout.write(`${line}\n`);
}

/** `main 0.31 + threads 1.02` in ms per run. */
function splitText(split: CpuSplit, n: number): string {
  const main = (split.main / n).toFixed(2);
  return `main thread ${main} + other threads ${(split.others / n).toFixed(2)}`;
}

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

function jobsFor(n: number, config: RunConfig) {
  const sweep = {
    name: 'bench',
    threshold: 5e-3,
    timeoutMs: 60_000,
    retries: 0,
  };
  return Array.from({ length: n }, (_, i) =>
    runJob(sweep, {
      runId: `b${i.toString(16).padStart(15, '0')}`,
      generation: 0,
      config,
    }),
  );
}

async function bullmqFigures(
  url: string,
  redis: Redis,
  redisPid: number | undefined,
): Promise<void> {
  const config = parseRunConfig(ONE_STEP, 'settings');
  const queue = new Queue(QUEUE, { connection: redis, prefix: 'baseline' });
  const jobs = jobsFor(RUNS, config);
  const addMs = await timed(async () => {
    for (let i = 0; i < jobs.length; i += 1000) {
      await queue.addBulk(jobs.slice(i, i + 1000));
    }
  });
  record(`BullMQ addBulk (trivial jobs)`, RUNS, addMs);

  let done = 0;
  let finish: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const connection = new Redis(durableOptions(url));
  const before = [process.pid, redisPid].map(processCpuMs);
  const start = performance.now();
  const worker = new Worker(
    QUEUE,
    async () => {
      if (++done === RUNS) finish();
    },
    { connection, prefix: 'baseline', concurrency: 2 },
  );
  await allDone;
  record(
    'BullMQ worker, concurrency 2, no-op jobs',
    RUNS,
    performance.now() - start,
  );
  const [w, r] = [process.pid, redisPid].map(
    (pid, i) => (processCpuMs(pid) - before[i]) / RUNS,
  );
  print(
    `  CPU ms per job: worker ${w.toFixed(2)}, ` +
      `redis-server ${r.toFixed(2)}`,
  );
  await worker.close();
  connection.disconnect();
  await queue.obliterate({ force: true });
  await queue.close();
}

async function poolFigure(): Promise<void> {
  const config = parseRunConfig(ONE_STEP, 'settings');
  const pool = createTrainPool({ threads: 2 });
  // Load the threads and let V8 compile first: not the steady rate.
  let warm = 0;
  const warmLane = async () => {
    while (warm++ < WARMUP_RUNS) await pool.run(config);
  };
  await Promise.all([warmLane(), warmLane(), warmLane(), warmLane()]);
  const before = processCpuMs(process.pid);
  const ms = await timed(async () => {
    let next = 0;
    const lane = async () => {
      while (next++ < RUNS) await pool.run(config);
    };
    // Two runs per thread, as a worker takes them while runs are short: a
    // thread that ends one begins the next without waiting for this one.
    await Promise.all([lane(), lane(), lane(), lane()]);
  });
  record('train() alone, 2 pool threads', RUNS, ms);
  print(`  timed after a warm-up of ${WARMUP_RUNS} runs on the same pool`);
  const perRun = (processCpuMs(process.pid) - before) / RUNS;
  print(`  CPU ms per run: ${perRun.toFixed(2)}`);
  await pool.close();
}

/** Records a sweep of `seeds` one-step runs; returns its plan and runs. */
async function oneStepSweep(
  dir: string,
  store: Store,
  name: string,
  n: number,
) {
  const specPath = join(dir, `${name}.json`);
  const seeds = Math.min(n, 10_000);
  const grid = n > seeds ? { width: [2, 3] } : {};
  const spec = { name, settings: ONE_STEP, grid, seeds, retries: 0 };
  writeFileSync(specPath, JSON.stringify(spec));
  const plan = await loadSpecFile(specPath);
  const { sweepId } = await store.createSweep(plan);
  return { plan, runs: (await store.pendingRuns(sweepId)).slice(0, n) };
}

async function endToEnd(
  url: string,
  dir: string,
  redisPid: number | undefined,
): Promise<void> {
  const store = await openStore(join(dir, 'bench.sqlite'));
  const warmup = await oneStepSweep(dir, store, 'warmup', WARMUP_RUNS);
  const bench = await oneStepSweep(dir, store, 'bench', RUNS);
  let recorded = 0;
  let target = 0;
  let finish: () => void = () => {};
  const finals = (n: number) => {
    target = n;
    return new Promise<void>((resolve) => {
      finish = resolve;
    });
  };
  const recorder = await startRecorder(url, store, {
    onRecorded: (events) => {
      for (const e of events) if (e.kind === 'final') recorded++;
      if (recorded >= target) finish();
    },
  });
  const args = ['worker', '--redis', url, '--threads', '2', '--quiet'];
  const worker = spawnSweep(args);
  await worker.waitFor('joined', { timeoutMs: 60_000 });
  // Threads load and V8 compiles on the first runs: not the steady rate.
  const warm = finals(warmup.runs.length);
  await enqueueRuns(url, warmup.plan, warmup.runs);
  await warm;
  recorded = 0;

  const before = [worker.pid, process.pid, redisPid].map(processCpuMs);
  const workerSplit = cpuSplitSince(worker.pid);
  const coordinatorSplit = cpuSplitSince(process.pid);
  const others = othersCpuSince(() => [worker.pid, process.pid, redisPid]);
  const done = finals(bench.runs.length);
  const ms = await timed(async () => {
    await enqueueRuns(url, bench.plan, bench.runs);
    await done;
  });
  const after = [worker.pid, process.pid, redisPid].map(processCpuMs);
  const splits = [workerSplit(), coordinatorSplit()];
  // Read a moment apart from ours: on an idle machine a hair below zero.
  const othersCores = Math.max(0, others() / ms);
  record('end to end: enqueue, train, record in SQLite', RUNS, ms);
  print(
    `  timed after a warm-up sweep of ${WARMUP_RUNS} runs on the same worker`,
  );
  const [w, c, r] = after.map((a, i) => (a - before[i]) / RUNS);
  print(
    `  CPU ms per run: worker process ${w.toFixed(2)} (threads included), ` +
      `coordinator ${c.toFixed(2)}, redis-server ${r.toFixed(2)}, ` +
      `all ${(w + c + r).toFixed(2)}`,
  );
  print(`    worker: ${splitText(splits[0], RUNS)}`);
  print(`    coordinator: ${splitText(splits[1], RUNS)}`);
  print(
    `  other processes kept ${othersCores.toFixed(2)} cores busy meanwhile`,
  );
  await worker.kill('SIGTERM');
  await recorder.stop();
  await store.close();
}

/**
 * Enqueueing `ENQUEUE` runs with `enqueueRuns` against addBulk of the same
 * jobs (chunks of 1000, as enqueueRuns uses). The two alternate, twice
 * each, on an emptied queue, and the faster time of each counts: on a
 * shared machine, load changes between one measurement and the next.
 */
async function enqueueFigures(url: string, redis: Redis): Promise<void> {
  const config = parseRunConfig(ONE_STEP, 'settings');
  const jobs = jobsFor(ENQUEUE, config);
  const runs = jobs.map((job) => ({
    runId: job.data.runId,
    generation: 0,
    config,
  }));
  const sweep = {
    name: 'bench',
    threshold: 5e-3,
    timeoutMs: 60_000,
    retries: 0,
  };
  const queue = new Queue(QUEUE, { connection: redis, prefix: PREFIX });
  const addBulk = async () => {
    for (let i = 0; i < jobs.length; i += 1000) {
      await queue.addBulk(jobs.slice(i, i + 1000));
    }
  };
  let bulkMs = Number.POSITIVE_INFINITY;
  let oursMs = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 2; round++) {
    bulkMs = Math.min(bulkMs, await timed(addBulk));
    await queue.obliterate({ force: true });
    oursMs = Math.min(
      oursMs,
      await timed(() => enqueueRuns(url, sweep, runs).then(() => {})),
    );
    if (round === 0) {
      const againMs = await timed(() =>
        enqueueRuns(url, sweep, runs).then(() => {}),
      );
      record('enqueueRuns again (all exist: none added)', ENQUEUE, againMs);
    }
    await queue.obliterate({ force: true });
  }
  record('BullMQ addBulk, same jobs, chunks of 1000', ENQUEUE, bulkMs);
  record('enqueueRuns (skips jobs that exist)', ENQUEUE, oursMs);
  await queue.close();
  print(
    `enqueueRuns / addBulk time: ${(oursMs / bulkMs).toFixed(2)} ` +
      '(best of 2 each, alternating)',
  );
}

async function realRuns(
  url: string,
  dir: string,
  redisPid: number | undefined,
): Promise<BusyFigure[]> {
  const store = await openStore(join(dir, 'real.sqlite'));
  const pids = [process.pid, redisPid];
  try {
    return await busyCores({ redisUrl: url, dir, store, print, pids }, SEEDS);
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const server = await startRedis();
  const redis = new Redis(durableOptions(server.url));
  const dir = mkdtempSync(join(tmpdir(), 'pinn-bench-'));
  let busy: BusyFigure[] = [];
  try {
    if (ONLY.has('bullmq')) await bullmqFigures(server.url, redis, server.pid);
    if (ONLY.has('pool')) await poolFigure();
    if (ONLY.has('end-to-end')) await endToEnd(server.url, dir, server.pid);
    await redis.flushall();
    if (ONLY.has('enqueue')) await enqueueFigures(server.url, redis);
    const memory = await redis.info('memory');
    const used = /used_memory_human:(\S+)/.exec(memory)?.[1];
    print(`Redis memory after: ${used}`);
    if (ONLY.has('real')) busy = await realRuns(server.url, dir, server.pid);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ figures, busy })}\n`);
    }
  } finally {
    redis.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
