import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { stringifyJson } from '../../coordinator/cli/json-numbers.ts';
import { durableOptions } from '../../coordinator/queue/connection.ts';
import {
  decodeEvents,
  encodeEvents,
} from '../../coordinator/queue/event-codec.ts';
import { createEventWriter } from '../../coordinator/queue/event-writer.ts';
import {
  cancelQueued,
  type EventSink,
  enqueueRuns,
  queueCounts,
  startRecorder,
  unfinishedOnly,
} from '../../coordinator/queue/index.ts';
import {
  CANCELLED_SET,
  EVENTS_STREAM,
  jobIdOf,
  PREFIX,
  QUEUE,
} from '../../coordinator/queue/keys.ts';
import type { FinalEvent, RecorderEvent } from '../../workers/events.ts';
import { recordedResult, type TrainResult } from '../../workers/result.ts';
import { parseRunConfig } from '../../workers/run-config.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

let server: RedisServer;
let redis: Redis;

before(async () => {
  server = await startRedis();
  redis = new Redis(durableOptions(server.url));
  redis.on('error', () => {});
});

after(async () => {
  redis.disconnect();
  await server.stop();
});

const sweep = { name: 'q', threshold: 5e-3, timeoutMs: 60_000, retries: 1 };

function runs(n: number, name = 'r') {
  return Array.from({ length: n }, (_, i) => ({
    // 16 digits, like a hex run id made only of digits: BullMQ refuses
    // integer-looking job ids, so the job id must not be the bare run id.
    runId: i === 0 && name === 'r' ? '1234567890123456' : `${name}${i}`,
    generation: 0,
    config: parseRunConfig({ steps: 1, seed: i }, 'settings'),
  }));
}

function result(relL2: number): TrainResult {
  return {
    outcome: Number.isFinite(relL2) ? 'trained' : 'diverged',
    metrics: {
      rel_l2: relL2,
      rel_h1: Number.NEGATIVE_INFINITY,
      energy: Number.POSITIVE_INFINITY,
      energy_gap: 0,
      final_loss: Number.NaN,
      gc_autodiff_cos: 1,
      gc_autodiff_rel: 0,
      gc_analytic_cos: 1,
      gc_analytic_rel: 0,
      kinks_inside: 0,
      steps_done: 1,
      wall_ms: 1,
      steps_per_s: 1000,
      diverged_step: Number.isFinite(relL2) ? null : 1,
    },
    curve: { step: [0, 1], loss: [1, Number.NaN] },
    samples: { x: [0, 1], u: [0, Number.NEGATIVE_INFINITY], u_star: [0, 0] },
  };
}

class MemorySink implements EventSink {
  events: RecorderEvent[] = [];
  failNext = 0;
  async recordEvents(events: RecorderEvent[]) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('disk full');
    }
    this.events.push(...events);
  }
  finals() {
    return this.events.filter((e): e is FinalEvent => e.kind === 'final');
  }
}

function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() - start > timeoutMs) reject(new Error('timed out'));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

test('events keep NaN and ±Infinity through the stream encoding', () => {
  const event: FinalEvent = {
    kind: 'final',
    status: 'diverged',
    runId: 'a',
    generation: 0,
    token: 't',
    worker: 'w',
    at: 1,
    result: result(Number.NaN),
  };
  const [back] = decodeEvents(encodeEvents([event])) as FinalEvent[];
  assert.deepEqual(back, event);
  assert.ok(Object.is(back.result?.metrics.rel_l2, Number.NaN));
  assert.equal(back.result?.metrics.energy, Number.POSITIVE_INFINITY);
  assert.ok(back.result && 'samples' in back.result);
  assert.equal(back.result.samples.u[1], Number.NEGATIVE_INFINITY);
});

test('a result whose curve and samples are text travels unchanged', () => {
  const trained = result(Number.NaN);
  const recorded = recordedResult(trained);
  // The text is what the store keeps: stringifyJson of the same arrays.
  assert.equal(
    recorded.loss_json,
    stringifyJson({ step: [0, 1], loss: [1, Number.NaN] }),
  );
  assert.equal(
    recorded.samples_json,
    '{"x":[0,1],"u":[0,"-Infinity"],"u_star":[0,0]}',
  );
  const finite = recordedResult({
    ...trained,
    samples: { x: [0, 0.5], u: [0.1, 1e-300], u_star: [1 / 3, 2] },
  });
  assert.equal(
    finite.samples_json,
    '{"x":[0,0.5],"u":[0.1,1e-300],"u_star":[0.3333333333333333,2]}',
  );
  const event: FinalEvent = {
    kind: 'final',
    status: 'diverged',
    runId: 'a',
    generation: 0,
    token: 't',
    worker: 'w',
    at: 1,
    result: recorded,
  };
  const [back] = decodeEvents(encodeEvents([event])) as FinalEvent[];
  assert.deepEqual(back, event);
  assert.ok(Object.is(back.result?.metrics.final_loss, Number.NaN));
});

test('enqueue adds each run once, under a job id BullMQ accepts', async () => {
  await redis.flushall();
  const batch = runs(25);
  assert.equal(
    await enqueueRuns(server.url, sweep, batch, { chunkSize: 10 }),
    25,
  );
  assert.equal(await enqueueRuns(server.url, sweep, batch), 0);
  assert.equal(await enqueueRuns(server.url, sweep, runs(30)), 5);

  const queue = new Queue(QUEUE, { connection: redis, prefix: PREFIX });
  const job = await queue.getJob(jobIdOf('1234567890123456'));
  assert.equal(job?.data.runId, '1234567890123456');
  assert.equal(job?.opts.attempts, 2);
  assert.equal(job?.opts.removeOnComplete, true);
  assert.equal((await queueCounts(server.url)).waiting, 30);
  await queue.close();
});

test('cancel removes only that sweep’s queued jobs and sets the flag', async () => {
  await redis.flushall();
  await enqueueRuns(server.url, sweep, runs(8, 'a'));
  await enqueueRuns(server.url, { ...sweep, name: 'other' }, runs(3, 'b'));
  assert.equal(await cancelQueued(server.url, 'q'), 8);
  assert.equal(await redis.sismember(CANCELLED_SET, 'q'), 1);
  assert.equal((await queueCounts(server.url)).waiting, 3);
});

test('the recorder stores each batch, then empties the stream', async () => {
  await redis.flushall();
  const sink = new MemorySink();
  const recorder = await startRecorder(server.url, sink, {
    blockMs: 50,
  });
  const writer = createEventWriter(redis);
  const base = { generation: 0, worker: 'w', at: 1 };
  const writes: Promise<void>[] = [];
  for (let i = 0; i < 300; i++) {
    const runId = `run${i}`;
    writes.push(writer.emit({ kind: 'start', runId, token: `t${i}`, ...base }));
    const final: FinalEvent = {
      kind: 'final',
      status: 'done',
      runId,
      token: `t${i}`,
      ...base,
      result: result(1e-4),
    };
    writes.push(writer.emit(final));
  }
  await Promise.all(writes);
  await recorder.drain();
  assert.equal(sink.events.length, 600);
  // Order within a run is kept: start before final.
  assert.equal(sink.events[0].kind, 'start');
  assert.equal(sink.events[1].kind, 'final');
  assert.equal(await redis.xlen(EVENTS_STREAM), 0);
  const pending = (await redis.xpending(EVENTS_STREAM, 'recorder')) as [number];
  assert.equal(pending[0], 0);
  await recorder.stop();
});

test('a batch the store refuses stays in Redis and is recorded later', async () => {
  await redis.flushall();
  const sink = new MemorySink();
  sink.failNext = 3;
  const errors: Error[] = [];
  const recorder = await startRecorder(server.url, sink, {
    blockMs: 50,
    claimIdleMs: 100,
    housekeepingMs: 100,
    onError: (e) => errors.push(e),
  });
  const writer = createEventWriter(redis);
  const base = { generation: 0, worker: 'w', at: 1 };
  await Promise.all([
    writer.emit({ kind: 'start', runId: 'x', token: 'tx', ...base }),
    writer.emit({ kind: 'start', runId: 'y', token: 'ty', ...base }),
  ]);
  await until(() => sink.events.length === 2);
  assert.ok(errors.some((e) => e.message === 'disk full'));
  await recorder.drain();
  assert.equal(await redis.xlen(EVENTS_STREAM), 0);
  await recorder.stop();
});

test('the recorder survives Redis coming back empty', async () => {
  await redis.flushall();
  const sink = new MemorySink();
  const states: string[] = [];
  const recorder = await startRecorder(server.url, sink, {
    blockMs: 50,
    onRedis: (s) => states.push(s),
  });
  await server.restart(300);
  const writer = createEventWriter(redis);
  const base = { generation: 0, worker: 'w', at: 1 };
  await writer.emit({ kind: 'start', runId: 'z', token: 'tz', ...base });
  await until(() => sink.events.length === 1);
  assert.deepEqual(states, ['lost', 'back']);
  await recorder.stop();
});

test('a job BullMQ failed by itself is recorded as crashed and removed', async () => {
  await redis.flushall();
  await enqueueRuns(server.url, sweep, runs(2, 'f'));
  const queue = new Queue(QUEUE, { connection: redis, prefix: PREFIX });
  // Move the first job to failed the way BullMQ does for a job whose
  // workers keep dying: through a worker that takes it and fails it.
  const connection = new Redis(durableOptions(server.url));
  const worker = new Worker(QUEUE, null, { connection, prefix: PREFIX });
  const token = 'tok';
  const job = await worker.getNextJob(token);
  assert.ok(job);
  const reason = 'job stalled more than allowable limit';
  await job.moveToFailed(new UnrecoverableError(reason), token);
  await worker.close();
  connection.disconnect();

  const sink = new MemorySink();
  const recorder = await startRecorder(server.url, sink);
  await recorder.drain();
  const [final] = sink.finals();
  assert.equal(final.status, 'crashed');
  assert.equal(final.runId, job.data.runId);
  assert.match(final.error ?? '', /stalled/);
  // The worker that took it is not named: BullMQ, not a worker, failed
  // the try this final ends.
  assert.equal(final.worker, 'queue');
  assert.equal((await queue.getJobCounts('failed')).failed, 0);
  await recorder.stop();
  await queue.close();
});

test('a start waits briefly to share one stream entry with its final', async () => {
  await redis.flushall();
  const writer = createEventWriter(redis, { startLingerMs: 300 });
  const base = { runId: 's', generation: 0, token: 't', worker: 'w', at: 1 };
  const started = writer.emit({ kind: 'start', ...base });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await redis.xlen(EVENTS_STREAM), 0, 'the start lingers');
  await Promise.all([
    started,
    writer.emit({ kind: 'final', status: 'cancelled', ...base }),
  ]);
  const entries = await redis.xrange(EVENTS_STREAM, '-', '+');
  assert.equal(entries.length, 1);
  const events = decodeEvents(entries[0][1][1]);
  assert.deepEqual(
    events.map((e) => e.kind),
    ['start', 'final'],
  );

  // Alone, a start goes out once its linger is over.
  const lone = Date.now();
  await writer.emit({ kind: 'start', ...base, token: 'u' });
  assert.ok(Date.now() - lone >= 290);
  assert.equal(await redis.xlen(EVENTS_STREAM), 2);
});

test('drain reports results the store keeps refusing instead of waiting forever', async () => {
  await redis.flushall();
  const recorded: RecorderEvent[] = [];
  const sink: EventSink = {
    async recordEvents(events) {
      if (events.some((e) => e.runId === 'poison')) throw new Error('bad row');
      recorded.push(...events);
    },
  };
  const recorder = await startRecorder(server.url, sink, { blockMs: 50 });
  const writer = createEventWriter(redis);
  const base = { generation: 0, token: 't', worker: 'w', at: 1 };
  await writer.emit({ kind: 'start', runId: 'poison', ...base });
  await writer.emit({ kind: 'start', runId: 'fine', ...base, token: 'u' });
  await assert.rejects(
    recorder.drain(),
    /1 result in Redis could not be recorded: bad row/,
  );
  assert.deepEqual(
    recorded.map((e) => e.runId),
    ['fine'],
  );
  // The refused entry stays in Redis for a later try.
  assert.equal(await redis.xlen(EVENTS_STREAM), 1);
  await recorder.stop();
});

test('enqueue asks once which runs without a job still need one', async () => {
  await redis.flushall();
  const batch = runs(30, 'c');
  await enqueueRuns(server.url, sweep, batch.slice(0, 10));
  const asked: string[][] = [];
  const added = await enqueueRuns(server.url, sweep, batch, {
    chunkSize: 7,
    // As if the last five had finished while the caller read the store.
    confirm: async (missing) => {
      asked.push(missing.map((r) => r.runId));
      return missing.slice(0, -5);
    },
  });
  assert.equal(asked.length, 1);
  assert.deepEqual(
    asked[0],
    batch.slice(10).map((r) => r.runId),
  );
  assert.equal(added, 15);
  assert.equal((await queueCounts(server.url)).waiting, 25);
});

test('unfinishedOnly leaves out runs whose final was recorded meanwhile', async () => {
  await redis.flushall();
  const sink = new MemorySink();
  const recorder = await startRecorder(server.url, sink, { blockMs: 50 });
  const [a, b, c] = runs(3, 'u');
  const writer = createEventWriter(redis);
  const final = (runId: string, generation: number): FinalEvent => ({
    kind: 'final',
    status: 'cancelled',
    runId,
    generation,
    token: `${runId}-${generation}`,
    worker: 'w',
    at: 1,
  });
  // a finished in this generation; b only in an earlier one (retried).
  await writer.emit(final(a.runId, 0));
  await writer.emit(final(b.runId, 0));
  const kept = await unfinishedOnly(recorder)([a, { ...b, generation: 1 }, c]);
  assert.deepEqual(
    kept.map((r) => r.runId),
    [b.runId, c.runId],
  );
  await recorder.stop();
});

test('drain ends while results keep arriving for another recorder', async () => {
  // Two coordinators on one sweep each run a recorder. One drains (before
  // enqueueing) while workers keep writing results that the other's loop
  // takes: the drain is about what waited in Redis when it began, so the
  // steady flow of new entries is not "results that could not be recorded".
  await redis.flushall();
  // Both stores take their time, like transactions waiting on one file's
  // lock, so at any moment some entries are read by the other recorder and
  // not yet acknowledged.
  class SlowSink extends MemorySink {
    override async recordEvents(events: RecorderEvent[]) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      await super.recordEvents(events);
    }
  }
  const mine = new SlowSink();
  const theirs = new SlowSink();
  const other = await startRecorder(server.url, theirs, { blockMs: 20 });
  const recorder = await startRecorder(server.url, mine, { blockMs: 20 });
  const writer = createEventWriter(redis);
  const base = { generation: 0, worker: 'w', at: 1 };
  let writing = true;
  let written = 0;
  const flow = (async () => {
    while (writing) {
      const i = written++;
      await writer.emit({
        kind: 'start',
        runId: `f${i}`,
        token: `t${i}`,
        ...base,
      });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  await until(() => theirs.events.length + mine.events.length > 20);
  const before = written;
  try {
    for (let round = 0; round < 5; round++) await recorder.drain();
  } finally {
    writing = false;
    await flow;
  }
  // Everything written before the last drain began is recorded by one of
  // the two recorders.
  const seen = new Set([...mine.events, ...theirs.events].map((e) => e.runId));
  for (let i = 0; i < before; i++) assert.ok(seen.has(`f${i}`), `f${i}`);
  await recorder.stop();
  await other.stop();
});
