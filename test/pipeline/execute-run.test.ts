import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RecorderEvent } from '../../workers/events.ts';
import {
  type AttemptContext,
  executeAttempt,
  HandBack,
  type RunJob,
} from '../../workers/execute-run.ts';
import { FAULTS_ENV, parseFaults } from '../../workers/faults.ts';
import { createTrainPool, type TrainPool } from '../../workers/pool.ts';
import { parseRunConfig } from '../../workers/run-config.ts';

// Threads copy the environment when they start: set the faults first.
// seed 7 throws, 8 kills its thread, 9 hangs, 10 exhausts the heap.
process.env[FAULTS_ENV] =
  'throw@seed=7,exit@seed=8,hang@seed=9,oom@seed=10,sleep:400@seed=11';

let pool: TrainPool;

before(() => {
  // A small heap so that the `oom` fault hits the limit in well under a
  // second; training itself needs a few megabytes.
  pool = createTrainPool({ threads: 2, maxOldGenerationSizeMb: 48 });
});

after(async () => {
  await pool.close();
  delete process.env[FAULTS_ENV];
});

function job(seed: number, extra: Partial<RunJob> = {}): RunJob {
  return {
    sweep: 's',
    runId: `run-${seed}`,
    generation: 0,
    config: parseRunConfig({ steps: 5, width: 4, seed }, 'settings'),
    threshold: 5e-3,
    timeoutMs: 30_000,
    ...extra,
  };
}

async function attempt(
  j: RunJob,
  ctx: Partial<AttemptContext> = {},
): Promise<{ end: string; events: RecorderEvent[]; ms: number }> {
  const events: RecorderEvent[] = [];
  const started = Date.now();
  const end = await executeAttempt(
    pool,
    j,
    { token: `t-${j.runId}`, worker: 'test:1', finalAttempt: false, ...ctx },
    (e) => {
      events.push(e);
    },
  );
  return { end, events, ms: Date.now() - started };
}

function kinds(events: RecorderEvent[]): string[] {
  return events.map((e) => (e.kind === 'final' ? `final ${e.status}` : e.kind));
}

test('fault rules parse, and a malformed one is named', () => {
  const [rule] = parseFaults('sleep:250@seed=3&width=10');
  assert.deepEqual(rule.match, { seed: '3', width: '10' });
  assert.equal(rule.ms, 250);
  assert.deepEqual(parseFaults('exit@*')[0].match, {});
  assert.throws(() => parseFaults('explode@seed=1'), /explode@seed=1/);
});

test('a trained run ends with its verdict and its result', async () => {
  const { end, events } = await attempt(job(1));
  assert.equal(end, 'final');
  assert.deepEqual(kinds(events), ['start', 'final inaccurate']);
  const final = events[1];
  assert.ok(final.kind === 'final' && final.result);
  assert.equal(final.result.metrics.steps_done, 5);
  assert.ok(events.every((e) => e.token === 't-run-1'));
});

test('a run that diverges is a result, not a crash', async () => {
  // Plain gradient descent with lr 1e300 overflows on its first step.
  const config = parseRunConfig(
    { steps: 50, lr: 1e300, optimizer: 'sgd', seed: 2 },
    'settings',
  );
  const { events } = await attempt(job(2, { config }));
  assert.deepEqual(kinds(events), ['start', 'final diverged']);
});

test('a throwing task asks for a retry, then crashes on the last try', async () => {
  const first = await attempt(job(7));
  assert.equal(first.end, 'retry');
  assert.deepEqual(kinds(first.events), ['start', 'retry']);
  const retry = first.events[1];
  assert.ok(retry.kind === 'retry');
  assert.match(retry.error, /injected fault: throw@seed=7/);

  const last = await attempt(job(7), { finalAttempt: true });
  assert.deepEqual(kinds(last.events), ['start', 'final crashed']);
  const final = last.events[1];
  assert.ok(final.kind === 'final');
  assert.match(final.error ?? '', /injected fault/);
});

test('a dead thread fails only its run and the pool recovers', async () => {
  const [dead, fine] = await Promise.all([
    attempt(job(8), { finalAttempt: true }),
    attempt(job(3)),
  ]);
  assert.deepEqual(kinds(dead.events), ['start', 'final crashed']);
  assert.deepEqual(kinds(fine.events), ['start', 'final inaccurate']);
  const again = await Promise.all([attempt(job(4)), attempt(job(5))]);
  for (const a of again) assert.equal(a.end, 'final');
});

test('a thread out of memory fails only its run', async () => {
  const oom = await attempt(job(10), { finalAttempt: true });
  assert.deepEqual(kinds(oom.events), ['start', 'final crashed']);
  const final = oom.events[1];
  assert.ok(final.kind === 'final');
  assert.match(final.error ?? '', /memory/i);
  const after = await attempt(job(6));
  assert.equal(after.end, 'final');
});

test('a run past its time limit is stopped and ends timeout', async () => {
  const { events, ms } = await attempt(job(9, { timeoutMs: 300 }));
  assert.deepEqual(kinds(events), ['start', 'final timeout']);
  // The hung thread is terminated, not waited for: well under a second.
  assert.ok(ms < 2000, `took ${ms} ms`);
  const next = await Promise.all([attempt(job(12)), attempt(job(13))]);
  for (const a of next) assert.equal(a.end, 'final');
});

test('cancel stops the try; a hand-back leaves no event', async () => {
  const cancel = new AbortController();
  setTimeout(() => cancel.abort(new Error('sweep s cancelled')), 100);
  const cancelled = await attempt(job(11), { signal: cancel.signal });
  assert.deepEqual(kinds(cancelled.events), ['start', 'final cancelled']);
  assert.ok(cancelled.ms < 350, `took ${cancelled.ms} ms`);

  const stop = new AbortController();
  setTimeout(() => stop.abort(new HandBack('worker stopping')), 100);
  const handed = await attempt(job(11), { signal: stop.signal });
  assert.equal(handed.end, 'abandoned');
  // Begun, so the store learns the try ended without a result, and why.
  assert.deepEqual(kinds(handed.events), ['start', 'handback']);
  const [, last] = handed.events;
  assert.equal(last.kind === 'handback' && last.reason, 'worker stopping');
});

test('a run waiting for a thread starts when one frees, or leaves the line', async () => {
  // Two runs of seed 11 hold both threads for 400 ms; the others wait.
  const sleepers = [
    attempt(job(11, { runId: 'sleep-a' })),
    attempt(job(11, { runId: 'sleep-b' })),
  ];
  const waiting = attempt(job(14));
  const handBack = new AbortController();
  const handed = attempt(job(15), { signal: handBack.signal });
  const cancel = new AbortController();
  const cancelled = attempt(job(16), { signal: cancel.signal });
  setTimeout(() => {
    handBack.abort(new HandBack());
    cancel.abort(new Error('sweep s cancelled'));
  }, 100);

  // Taken out of the line before any thread took them: no start.
  assert.equal((await handed).end, 'abandoned');
  assert.deepEqual((await handed).events, []);
  assert.deepEqual(kinds((await cancelled).events), ['final cancelled']);

  const [first] = await Promise.all(sleepers);
  const late = await waiting;
  assert.deepEqual(kinds(late.events), ['start', 'final inaccurate']);
  // Its start is when a sleeper's thread became free: the sleep blocks
  // for at least 400 ms after that sleeper's own start (clock: whole ms).
  const gap = late.events[0].at - first.events[0].at;
  assert.ok(gap >= 399, `started ${gap} ms after the sleeper`);
});
