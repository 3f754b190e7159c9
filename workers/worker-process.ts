/**
 * The distributed worker: a BullMQ Worker on the `train` queue taking one
 * job per training thread, two while runs are short. Training runs in the
 * pool, so the main thread stays free to renew job locks; every try's
 * events go to the Redis stream before its job completes.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type Job, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { plural } from '../coordinator/cli/words.ts';
import { durableOptions, safeUrl } from '../coordinator/queue/connection.ts';
import {
  createEventWriter,
  type EventWriter,
} from '../coordinator/queue/event-writer.ts';
import {
  CANCEL_CHANNEL,
  CANCELLED_SET,
  PREFIX,
  QUEUE,
} from '../coordinator/queue/keys.ts';
import type { RecorderEvent } from './events.ts';
import { executeAttempt, HandBack, type RunJob } from './execute-run.ts';
import { createTrainPool, type TrainPool } from './pool.ts';

/** Default lock duration of a job, milliseconds (BullMQ's default). */
export const DEFAULT_LOCK_MS = 30_000;

/** Default time running tries get to finish on SIGTERM, milliseconds. */
export const DEFAULT_GRACE_MS = 30_000;

/**
 * How long a try's `start` event waits to share its stream entry with the
 * try's `final`, milliseconds: a run shorter than this costs one write to
 * Redis instead of two; a longer one is shown as running this much later.
 */
const START_LINGER_MS = 20;

/**
 * While runs take less than this on average, milliseconds, each thread
 * gets a second job waiting in line, so that it starts its next run as
 * soon as one ends instead of after the round trips to Redis that end a
 * job and fetch the next. Longer runs are not held back from other
 * workers that way.
 */
const PREFETCH_BELOW_MS = 50;

/**
 * Runs over which the mean duration is taken: few enough that a thread's
 * slow first run (loading the code) is soon forgotten.
 */
const RECENT_RUNS = 8;

/** When to say that Redis does not answer yet at start, milliseconds. */
const WAIT_NOTICE_MS = 2000;

/** After the grace period, how long handing back may take, milliseconds. */
const HAND_BACK_MS = 5000;

/** Options of `startWorker`. */
export interface WorkerOptions {
  /** Redis URL of the queue. */
  redisUrl: string;
  /** Training threads, and jobs taken at once. */
  threads: number;
  /**
   * Job lock duration, milliseconds (default 30 000). The lock is renewed
   * every half of it while the run trains; a worker that dies holds its
   * runs this long (plus one stall check) before they are redelivered.
   */
  lockMs?: number;
  /**
   * On `stop()`, how long running tries may take to finish before they
   * are stopped and handed back to the queue, milliseconds (default 30 000).
   */
  graceMs?: number;
  /** Heap limit of one training thread, megabytes (default 512). */
  threadHeapMb?: number;
  /** Logs a line per run started and finished too (default true). */
  logRuns?: boolean;
  /** Where log lines go (default stdout). */
  log?: (line: string) => void;
}

/** A worker, from `createWorker` or `startWorker`. */
export interface SweepWorker {
  /** `host:pid`, as in the attempts table. */
  readonly id: string;
  /**
   * Connects (waiting as long as Redis takes to answer) and starts taking
   * jobs. Resolves `joined` then, or `stopped` when `stop()` was called
   * before: a worker waiting for Redis can be stopped too.
   */
  start(): Promise<'joined' | 'stopped'>;
  /**
   * Stops taking jobs, lets running tries finish within `graceMs`, then
   * stops the rest and hands them back to the queue; closes everything.
   * Resolves `forced` when Redis did not answer within a few seconds
   * after that (the runs then return to the queue once their locks
   * expire), else `clean`.
   */
  stop(): Promise<'clean' | 'forced'>;
}

/** A try in progress, by its token. */
interface Active {
  sweep: string;
  runId: string;
  controller: AbortController;
  /** When a thread took the run (Unix ms); undefined while it waits. */
  begun?: number;
  /** The error of a try that crashed and will be retried. */
  crash?: string;
}

/** What a completed job returns to BullMQ: small on purpose. */
interface JobSummary {
  status: string;
}

/**
 * A worker not started yet: its `stop()` works from the moment it is
 * created, also while `start()` waits for Redis.
 */
export function createWorker(options: WorkerOptions): SweepWorker {
  return new SweepWorkerImpl(options);
}

/** Starts a worker; resolves once it is connected and taking jobs. */
export async function startWorker(
  options: WorkerOptions,
): Promise<SweepWorker> {
  const worker = new SweepWorkerImpl(options);
  await worker.start();
  return worker;
}

function durationOf(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

class SweepWorkerImpl implements SweepWorker {
  readonly id = `${hostname()}:${process.pid}`;
  private readonly log: (line: string) => void;
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly writer: EventWriter;
  private readonly pool: TrainPool;
  private readonly active = new Map<string, Active>();
  private cancelled = new Set<string>();
  private bull: Worker | undefined;
  private handingBack = 0;
  /** Whether Redis is connected now; false until it first answers. */
  private redisUp = false;
  private lastError = '';
  private stopping: Promise<'clean' | 'forced'> | undefined;
  /** Resolves when `stop()` is called: ends the wait for Redis. */
  private readonly stopAsked: Promise<void>;
  private askStop = () => {};
  /** How long the latest runs took, ms, oldest first. */
  private readonly recentRunMs: number[] = [];

  constructor(private readonly options: WorkerOptions) {
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.client = new Redis(durableOptions(options.redisUrl));
    this.subscriber = new Redis(durableOptions(options.redisUrl));
    this.writer = createEventWriter(this.client, {
      startLingerMs: START_LINGER_MS,
    });
    this.pool = createTrainPool({
      threads: options.threads,
      maxOldGenerationSizeMb: options.threadHeapMb,
    });
    this.stopAsked = new Promise((resolve) => {
      this.askStop = resolve;
    });
  }

  async start(): Promise<'joined' | 'stopped'> {
    try {
      return await this.join();
    } catch (error) {
      // Stopped while joining: the closed connections failed the join.
      if (this.stopping) return 'stopped';
      // Redis answered with a refusal (a wrong password, say): waiting
      // will not change it. Let go of everything so the process can end.
      this.stopping = Promise.resolve('clean');
      await this.release();
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(
        `cannot join the queue at ${safeUrl(this.options.redisUrl)}: ${why}`,
      );
    }
  }

  private async join(): Promise<'joined' | 'stopped'> {
    this.watchConnection();
    const url = safeUrl(this.options.redisUrl);
    const waiting = setTimeout(
      () => this.log(`worker ${this.id}: waiting for Redis at ${url}`),
      WAIT_NOTICE_MS,
    );
    // Rejected when the worker is stopped before Redis answers.
    const answered = this.client.ping();
    answered.catch(() => {});
    try {
      await Promise.race([answered, this.stopAsked]);
    } finally {
      clearTimeout(waiting);
    }
    if (this.stopping) return 'stopped';
    await this.watchCancels();
    if (this.stopping) return 'stopped';
    const lockMs = this.options.lockMs ?? DEFAULT_LOCK_MS;
    this.bull = new Worker(QUEUE, (job, token) => this.process(job, token), {
      connection: this.client,
      prefix: PREFIX,
      name: this.id,
      concurrency: this.options.threads,
      lockDuration: lockMs,
      stalledInterval: lockMs,
    });
    this.bull.on('error', (error) => this.onQueueError(error));
    await this.bull.waitUntilReady();
    if (this.stopping) return 'stopped';
    this.log(
      `worker ${this.id} joined ${url}: ` +
        `${plural(this.options.threads, 'thread')}, lock ${durationOf(lockMs)}`,
    );
    return 'joined';
  }

  stop(): Promise<'clean' | 'forced'> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<'clean' | 'forced'> {
    this.askStop();
    if (!this.bull) return this.abandonJoin();
    const graceMs = this.options.graceMs ?? DEFAULT_GRACE_MS;
    const running = [...this.active.values()].filter(
      (active) => active.begun !== undefined,
    ).length;
    this.log(
      `worker ${this.id} stopping: taking no more runs, ` +
        `${plural(running, 'run')} in progress ${running === 1 ? 'gets' : 'get'} ` +
        `${durationOf(graceMs)} to finish`,
    );
    this.handBackWaiting();
    const handBack = setTimeout(() => this.handBackAll(), graceMs);
    let forced: NodeJS.Timeout | undefined;
    const deadline = new Promise<'forced'>((resolve) => {
      forced = setTimeout(() => resolve('forced'), graceMs + HAND_BACK_MS);
    });
    const closed = (this.bull?.close() ?? Promise.resolve()).then(
      () => 'clean' as const,
      () => 'clean' as const,
    );
    const how = await Promise.race([closed, deadline]);
    clearTimeout(handBack);
    clearTimeout(forced);
    if (how === 'forced') {
      this.log(
        `worker ${this.id}: could not hand ` +
          `${plural(this.active.size + this.handingBack, 'run')} back ` +
          '(is Redis reachable?); they return to the queue when their ' +
          'locks expire',
      );
    }
    await this.pool.close();
    this.subscriber.disconnect();
    this.client.disconnect();
    this.log(`worker ${this.id} stopped`);
    return how;
  }

  /** Stops a worker that has not joined the queue: it holds no runs. */
  private async abandonJoin(): Promise<'clean'> {
    this.log(
      `worker ${this.id} stopping before joining ` +
        safeUrl(this.options.redisUrl),
    );
    await this.release();
    this.log(`worker ${this.id} stopped`);
    return 'clean';
  }

  /** Lets go of Redis and the threads of a worker that holds no runs. */
  private async release(): Promise<void> {
    this.subscriber.disconnect();
    this.client.disconnect();
    await this.pool.close();
  }

  /** Runs still waiting for a thread go back to the queue at once. */
  private handBackWaiting(): void {
    for (const { controller, begun } of this.active.values()) {
      if (begun === undefined) controller.abort(new HandBack('not begun'));
    }
  }

  /**
   * Takes a second job per thread while runs are short, one per thread
   * otherwise (see `PREFETCH_BELOW_MS`).
   */
  private noteRunMs(ms: number): void {
    const recent = this.recentRunMs;
    recent.push(ms);
    if (recent.length > RECENT_RUNS) recent.shift();
    const mean = recent.reduce((sum, each) => sum + each, 0) / recent.length;
    const perThread = mean < PREFETCH_BELOW_MS ? 2 : 1;
    const wanted = this.options.threads * perThread;
    if (this.bull && !this.stopping && this.bull.concurrency !== wanted) {
      this.bull.concurrency = wanted;
    }
  }

  /** Stops the running tries; their jobs go back to the queue. */
  private handBackAll(): void {
    if (this.active.size === 0) return;
    this.log(
      `worker ${this.id}: grace period over, handing ` +
        `${plural(this.active.size, 'run')} back to the queue`,
    );
    for (const { controller } of this.active.values()) {
      controller.abort(new HandBack('worker stopping'));
    }
  }

  private watchConnection(): void {
    this.client.on('error', () => {});
    this.subscriber.on('error', () => {});
    // Before Redis first answers, failed attempts to connect close the
    // connection too: that is still waiting for Redis, not losing it.
    let connectedBefore = false;
    this.client.on('close', () => {
      if (!this.redisUp || this.stopping) return;
      this.redisUp = false;
      this.log(`worker ${this.id}: Redis lost; reconnecting`);
    });
    this.client.on('ready', () => {
      if (this.redisUp) return;
      this.redisUp = true;
      this.lastError = '';
      if (connectedBefore) this.log(`worker ${this.id}: Redis back`);
      connectedBefore = true;
    });
  }

  /** Errors BullMQ reports (lock renewals, lost jobs): one line each. */
  private onQueueError(error: Error): void {
    if (!this.redisUp || this.stopping) return;
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.log(`worker ${this.id}: queue: ${error.message}`);
  }

  /** Follows `sweep cancel`: the set is re-read on every announcement. */
  private async watchCancels(): Promise<void> {
    this.subscriber.on('message', () => {
      this.refreshCancelled().catch(() => {});
    });
    // After a reconnection messages may have been missed: read again.
    this.subscriber.on('ready', () => {
      this.refreshCancelled().catch(() => {});
    });
    await this.subscriber.subscribe(CANCEL_CHANNEL);
    await this.refreshCancelled();
  }

  private async refreshCancelled(): Promise<void> {
    this.cancelled = new Set(await this.client.smembers(CANCELLED_SET));
    for (const { sweep, runId, controller } of this.active.values()) {
      if (!this.cancelled.has(sweep) || controller.signal.aborted) continue;
      this.log(`run ${runId}: sweep ${sweep} cancelled, stopping it`);
      controller.abort(new Error(`sweep ${sweep} cancelled`));
    }
  }

  private async isCancelled(sweep: string): Promise<boolean> {
    if (!this.cancelled.has(sweep)) return false;
    // Confirm with Redis: the cancel may have just been lifted (resume).
    return (await this.client.sismember(CANCELLED_SET, sweep)) === 1;
  }

  private emit = (event: RecorderEvent): Promise<void> =>
    this.writer.emit(event);

  private async process(job: Job, lockToken?: string): Promise<JobSummary> {
    const data = job.data as RunJob;
    if (this.stopping) {
      // Fetched while the worker began to stop: not taken.
      await this.handBack(job, lockToken);
      throw new WaitingError();
    }
    if (await this.isCancelled(data.sweep)) return this.skip(data);

    const attempts = job.opts.attempts ?? 1;
    const tryNumber = job.attemptsMade + 1;
    // For the log, the tries of this job so far: those that crashed and
    // those whose worker died (stalled), as the store's `attempts` counts
    // them. A try handed back unstarted is not counted, by either.
    const shown = job.attemptsMade + (job.stalledCounter ?? 0) + 1;
    const controller = new AbortController();
    const token = randomUUID();
    const active: Active = {
      sweep: data.sweep,
      runId: data.runId,
      controller,
    };
    this.active.set(token, active);
    const end = await executeAttempt(
      this.pool,
      data,
      {
        token,
        worker: this.id,
        finalAttempt: tryNumber >= attempts,
        signal: controller.signal,
      },
      (event) => {
        if (event.kind === 'start') {
          active.begun = event.at;
          this.logStart(data, shown, attempts - tryNumber);
        } else this.noteEnd(active, data, event);
        return this.emit(event);
      },
    ).finally(() => this.active.delete(token));

    if (end === 'final') return { status: 'final' };
    if (end === 'retry') {
      this.log(
        `run ${data.runId} crashed on try ${shown}, will retry ` +
          `(${attempts - tryNumber} left): ${active.crash}`,
      );
      throw new Error(active.crash);
    }
    await this.handBack(job, lockToken);
    throw new WaitingError();
  }

  /** Puts an abandoned try's job back at the head of the queue. */
  private async handBack(job: Job, lockToken?: string): Promise<void> {
    const { runId } = job.data as RunJob;
    this.handingBack++;
    try {
      await job.moveToWait(lockToken);
      this.log(`run ${runId} handed back to the queue`);
    } catch (error) {
      // Its lock is no longer renewed: it is redelivered once that expires.
      this.log(`run ${runId} not handed back: ${(error as Error).message}`);
    } finally {
      this.handingBack--;
    }
  }

  /** A try's retry or final: logged, and its duration noted. */
  private noteEnd(active: Active, data: RunJob, event: RecorderEvent) {
    // Logged by `handBack`; a stopped try says nothing of run lengths.
    if (event.kind === 'handback') return;
    if (event.kind === 'retry') active.crash = event.error;
    if (active.begun !== undefined) this.noteRunMs(event.at - active.begun);
    this.logFinal(data, event, active.begun ?? event.at);
  }

  /** `retriesLeft`: how many more tries a crash of this one allows. */
  private logStart(data: RunJob, shown: number, retriesLeft: number) {
    if (this.options.logRuns === false) return;
    this.log(
      `run ${data.runId} of sweep ${data.sweep} started ` +
        `(try ${shown}, retries left ${retriesLeft})`,
    );
  }

  private logFinal(data: RunJob, event: RecorderEvent, started: number) {
    if (event.kind !== 'final') return;
    const loud = event.status === 'crashed' || event.status === 'timeout';
    if (this.options.logRuns === false && !loud) return;
    const why = event.error ? `: ${event.error}` : '';
    this.log(
      `run ${data.runId} ${event.status} after ` +
        `${durationOf(Date.now() - started)}${why}`,
    );
  }

  /** A job of a cancelled sweep: ends `cancelled` without training. */
  private async skip(data: RunJob): Promise<JobSummary> {
    await this.emit({
      kind: 'final',
      status: 'cancelled',
      runId: data.runId,
      generation: data.generation,
      token: randomUUID(),
      worker: this.id,
      at: Date.now(),
      error: `sweep ${data.sweep} cancelled`,
    });
    return { status: 'cancelled' };
  }
}
