/**
 * The recorder: the one writer of the store in distributed mode. It reads
 * worker events from the Redis stream as consumer group `recorder`, stores
 * each batch in one transaction, and only then acknowledges and deletes the
 * entries, so a recorder that dies loses nothing and Redis keeps only what
 * is not yet recorded. It also records, as `crashed`, the jobs BullMQ
 * failed by itself (a job whose workers kept dying) and removes them.
 */
import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { RecorderEvent } from '../../workers/events.ts';
import type { RunJob } from '../../workers/execute-run.ts';
import { plural } from '../cli/words.ts';
import { durableOptions } from './connection.ts';
import { decodeEvents } from './event-codec.ts';
import { EVENTS_FIELD } from './event-writer.ts';
import { EVENTS_STREAM, PREFIX, QUEUE, RECORDER_GROUP } from './keys.ts';

/** Where events are stored: the store's `recordEvents`. */
export interface EventSink {
  /** Stores events in one transaction; idempotent. */
  recordEvents(events: RecorderEvent[]): Promise<void>;
}

/** Options of `startRecorder`. */
export interface RecorderOptions {
  /** Called after each batch is committed, with its events. */
  onRecorded?(events: readonly RecorderEvent[]): void;
  /** Called on a failure the recorder works around (it keeps going). */
  onError?(error: Error): void;
  /** Called when the connection to Redis is lost, and when it is back. */
  onRedis?(state: 'lost' | 'back'): void;
  /** Stream entries read at most per batch (default 500). */
  batchSize?: number;
  /** Longest wait for new entries per read, milliseconds (default 200). */
  blockMs?: number;
  /**
   * Once entries arrive, how long to gather more before recording them in
   * one transaction, milliseconds (default 50). Fewer, larger transactions
   * cost the store much less per event.
   */
  lingerMs?: number;
  /**
   * Entries read but not acknowledged for this long by another recorder
   * (one that died) are taken over, milliseconds (default 30 000).
   */
  claimIdleMs?: number;
  /** Interval of the take-over and failed-job checks, ms (default 1000). */
  housekeepingMs?: number;
}

/** A running recorder. */
export interface Recorder {
  /**
   * Records everything in the stream now, including entries a dead
   * recorder left unacknowledged, and jobs BullMQ failed. Resolves when
   * done: what the store lacks then is not in Redis either.
   */
  drain(): Promise<void>;
  /** Stops reading after the batch in progress and closes connections. */
  stop(): Promise<void>;
  /** Events recorded so far. */
  readonly recorded: number;
  /**
   * Whether this recorder has recorded a final event of `runId` in
   * `generation` (or a later one), whether or not the store kept it.
   */
  hasFinal(runId: string, generation: number): boolean;
}

type StreamEntry = [id: string, fields: string[]];

/** Rounds without progress after which `drain` gives up. */
const DRAIN_ROUNDS = 3;

/** Pending entries counted at most by `drain` in one round. */
const PENDING_LIMIT = 100_000;

/** How long `stop` waits for a batch in progress, milliseconds. */
const STOP_WAIT_MS = 5000;

/**
 * Starts a recorder writing into `store`. Creates the consumer group when
 * missing (again after Redis lost its data).
 */
export async function startRecorder(
  redisUrl: string,
  store: EventSink,
  options: RecorderOptions = {},
): Promise<Recorder> {
  const recorder = new StreamRecorder(redisUrl, store, options);
  await recorder.start();
  return recorder;
}

class StreamRecorder implements Recorder {
  recorded = 0;
  private readonly consumer = `${hostname()}:${process.pid}`;
  private readonly reader: Redis;
  private readonly client: Redis;
  private readonly queue: Queue;
  private readonly batchSize: number;
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();
  private lastHousekeeping = 0;
  private writes: Promise<unknown> = Promise.resolve();
  private lastError: string | undefined;
  /** Run id → latest generation with a final event recorded. */
  private readonly finals = new Map<string, number>();

  constructor(
    redisUrl: string,
    private readonly store: EventSink,
    private readonly options: RecorderOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.reader = new Redis(durableOptions(redisUrl));
    this.client = new Redis(durableOptions(redisUrl));
    this.queue = new Queue(QUEUE, { connection: this.client, prefix: PREFIX });
    this.watch(this.client);
    this.reader.on('error', () => {});
    this.queue.on('error', () => {});
  }

  hasFinal(runId: string, generation: number): boolean {
    return (this.finals.get(runId) ?? -1) >= generation;
  }

  private noteFinals(events: readonly RecorderEvent[]): void {
    for (const event of events) {
      if (event.kind !== 'final') continue;
      const seen = this.finals.get(event.runId) ?? -1;
      if (event.generation > seen) {
        this.finals.set(event.runId, event.generation);
      }
    }
  }

  async start(): Promise<void> {
    await this.ensureGroup();
    this.loop = this.run();
  }

  drain(): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureGroup();
      // What waits in Redis now: entries up to the stream's last id. Those
      // written meanwhile belong to the reading loop (or to another
      // coordinator's recorder); counting them would take a steady flow of
      // results for entries that cannot be recorded.
      const upTo = await this.lastEntryId();
      // Entries the reading loop took while we held the lock are pending
      // again by the time new ones run out: go round until none are, or
      // until rounds stop making progress (entries the store refuses).
      let stuck = 0;
      let before = Number.POSITIVE_INFINITY;
      for (;;) {
        // Redis may have come back empty since the loop last read: the
        // group must exist before anything is claimed from it.
        await this.ensureGroup();
        await this.claim(0, upTo);
        await this.readAll(upTo);
        const pending = await this.pendingCount(upTo);
        if (pending === 0) break;
        stuck = pending < before ? 0 : stuck + 1;
        if (stuck >= DRAIN_ROUNDS) {
          throw new Error(
            `${plural(pending, 'result')} in Redis could not be ` +
              `recorded: ${this.lastError ?? 'see the errors reported before'}`,
          );
        }
        before = pending;
      }
      while ((await this.recordFailedJobs()) === this.batchSize);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // Ends a blocked read at once; a batch being recorded still finishes,
    // unless Redis does not answer: then its entries stay pending for the
    // next recorder.
    this.reader.disconnect();
    const settled = Promise.all([this.loop, this.writes]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(resolve, STOP_WAIT_MS);
    });
    await Promise.race([settled, timeout]);
    clearTimeout(timer);
    await Promise.race([this.queue.close().catch(() => {}), timeout]);
    this.client.disconnect();
  }

  /**
   * Records new entries until there are none, or until one read reaches
   * past `upTo` (no blocking).
   */
  private async readAll(upTo: string): Promise<void> {
    for (;;) {
      const entries = await this.readNew(this.client, undefined);
      if (entries.length === 0) return;
      await this.record(entries);
      if (compareIds(entries[entries.length - 1][0], upTo) > 0) return;
    }
  }

  /** The id of the stream's last entry, `0-0` when it is empty. */
  private async lastEntryId(): Promise<string> {
    const [last] = await this.client.xrevrange(
      EVENTS_STREAM,
      '+',
      '-',
      'COUNT',
      1,
    );
    return last?.[0] ?? '0-0';
  }

  private watch(client: Redis): void {
    let up = true;
    client.on('error', () => {});
    client.on('close', () => {
      if (!up || this.stopping) return;
      up = false;
      this.options.onRedis?.('lost');
    });
    client.on('ready', () => {
      if (up) return;
      up = true;
      this.options.onRedis?.('back');
    });
  }

  private async run(): Promise<void> {
    const blockMs = this.options.blockMs ?? 200;
    while (!this.stopping) {
      try {
        await this.housekeeping();
        const entries = await this.gather(blockMs);
        if (entries.length > 0) {
          await this.exclusive(() => this.record(entries));
        }
      } catch (error) {
        await this.recover(error);
      }
    }
  }

  /** Waits for entries, then gathers more for up to `lingerMs`. */
  private async gather(blockMs: number): Promise<StreamEntry[]> {
    const entries = await this.readNew(this.reader, blockMs);
    if (entries.length === 0) return entries;
    const until = Date.now() + (this.options.lingerMs ?? 50);
    while (entries.length < this.batchSize && !this.stopping) {
      const left = until - Date.now();
      if (left <= 0) break;
      const room = this.batchSize - entries.length;
      const more = await this.readNew(this.reader, left, room);
      entries.push(...more);
    }
    return entries;
  }

  private async recover(error: unknown): Promise<void> {
    if (this.stopping) return;
    if (String(error).includes('NOGROUP')) {
      await this.ensureGroup().catch(() => {});
      return;
    }
    this.report(error);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  private report(error: unknown): void {
    const wrapped = error instanceof Error ? error : new Error(String(error));
    this.lastError = wrapped.message;
    this.options.onError?.(wrapped);
  }

  private async ensureGroup(): Promise<void> {
    try {
      // From id 0: events written before the group existed are read too.
      await this.client.xgroup(
        'CREATE',
        EVENTS_STREAM,
        RECORDER_GROUP,
        '0',
        'MKSTREAM',
      );
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error;
    }
  }

  private async housekeeping(): Promise<void> {
    const every = this.options.housekeepingMs ?? 1000;
    if (Date.now() - this.lastHousekeeping < every) return;
    this.lastHousekeeping = Date.now();
    await this.exclusive(async () => {
      await this.claim(this.options.claimIdleMs ?? 30_000);
      await this.recordFailedJobs();
    });
  }

  /** Serialises store writes: one transaction at a time. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(work, work);
    this.writes = next.catch(() => {});
    return next;
  }

  private async readNew(
    client: Redis,
    blockMs: number | undefined,
    count = this.batchSize,
  ): Promise<StreamEntry[]> {
    const block = blockMs === undefined ? [] : ['BLOCK', blockMs];
    const reply = (await client.call(
      'XREADGROUP',
      'GROUP',
      RECORDER_GROUP,
      this.consumer,
      'COUNT',
      count,
      ...block,
      'STREAMS',
      EVENTS_STREAM,
      '>',
    )) as [string, StreamEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  }

  /** Entries read by some recorder and not yet recorded, up to `upTo`. */
  private async pendingCount(upTo: string): Promise<number> {
    const entries = (await this.client.xpending(
      EVENTS_STREAM,
      RECORDER_GROUP,
      '-',
      upTo,
      PENDING_LIMIT,
    )) as unknown[];
    return entries.length;
  }

  /**
   * Takes over entries pending longer than `minIdleMs` (up to `upTo`, when
   * given) and records them.
   */
  private async claim(minIdleMs: number, upTo?: string): Promise<void> {
    let cursor = '0-0';
    do {
      const reply = (await this.client.call(
        'XAUTOCLAIM',
        EVENTS_STREAM,
        RECORDER_GROUP,
        this.consumer,
        minIdleMs,
        cursor,
        'COUNT',
        this.batchSize,
      )) as [string, (StreamEntry | null)[], string[]?];
      cursor = reply[0];
      const entries = reply[1].filter((e): e is StreamEntry => e !== null);
      if (entries.length > 0) await this.record(entries);
      if (upTo !== undefined && compareIds(cursor, upTo) > 0) break;
    } while (cursor !== '0-0' && !this.stopping);
  }

  private decode(entries: StreamEntry[]): RecorderEvent[] {
    const events: RecorderEvent[] = [];
    for (const [id, fields] of entries) {
      const at = fields.indexOf(EVENTS_FIELD);
      try {
        events.push(...decodeEvents(fields[at + 1]));
      } catch (error) {
        this.report(new Error(`unreadable stream entry ${id}: ${error}`));
      }
    }
    return events;
  }

  /**
   * Stores the events of `entries`, then acknowledges and deletes them.
   * When the store refuses a batch, records entry by entry: an entry it
   * refuses is reported and stays pending (tried again at take-over)
   * without holding up the others.
   */
  private async record(entries: StreamEntry[]): Promise<void> {
    const events = this.decode(entries);
    try {
      await this.store.recordEvents(events);
    } catch (error) {
      if (entries.length === 1) this.report(error);
      else for (const entry of entries) await this.record([entry]);
      return;
    }
    const ids = entries.map(([id]) => id);
    await this.client
      .multi()
      .xack(EVENTS_STREAM, RECORDER_GROUP, ...ids)
      .xdel(EVENTS_STREAM, ...ids)
      .exec();
    this.recorded += events.length;
    this.noteFinals(events);
    if (events.length > 0) this.options.onRecorded?.(events);
  }

  /**
   * Jobs BullMQ failed itself, recorded as `crashed` finals of worker
   * `queue` and removed; one page of them. Each gets a `start` too, so that the try left open
   * by the worker that died is marked lost. Resolves with the number.
   */
  private async recordFailedJobs(): Promise<number> {
    const jobs = await this.queue.getFailed(0, this.batchSize - 1);
    if (jobs.length === 0) return 0;
    const events = jobs.flatMap((job): RecorderEvent[] => {
      const data = job.data as RunJob;
      const base = {
        runId: data.runId,
        generation: data.generation,
        token: `failed:${job.id}:${job.timestamp}:${job.attemptsStarted}`,
        // No worker ran this try: BullMQ failed the job, and its
        // `processedBy` names whichever worker noticed the last stall,
        // which may never have held the run. The tries the workers did
        // run have rows of their own (ended `lost`).
        worker: 'queue',
        at: job.finishedOn ?? Date.now(),
      };
      const error = job.failedReason || 'failed in the queue';
      return [
        { kind: 'start', ...base },
        { kind: 'final', status: 'crashed', error, ...base },
      ];
    });
    await this.store.recordEvents(events);
    await Promise.all(jobs.map((job) => job.remove()));
    this.recorded += events.length;
    this.noteFinals(events);
    this.options.onRecorded?.(events);
    return jobs.length;
  }
}

/** Orders two stream ids (`ms-seq`): negative, zero or positive. */
export function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(BigInt);
  const [bMs, bSeq] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq === bSeq) return 0;
  return aSeq < bSeq ? -1 : 1;
}
