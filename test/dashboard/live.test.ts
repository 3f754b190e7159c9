/**
 * Live updates: results recorded while pages listen reach every page
 * through one shared poll of the store; Redis going away shows on the pages
 * while the store keeps being served, and its return shows too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../coordinator/store/store.ts';
import { queueBadge } from '../../dashboard/pages/layout.ts';
import { type QueueStatus, QueueWatch } from '../../dashboard/queue-watch.ts';
import type { RecorderEvent } from '../../workers/events.ts';
import { startRedis } from '../support/redis.ts';
import { type Harness, startHarness } from './harness.ts';

interface SweepUpdate {
  sweeps: { name: string; finals: number; counts: Record<string, number> }[];
  queue: { mode: string; reachable?: boolean };
}

/** One page's event stream: every `update` event, as it arrives. */
function listen(url: string) {
  const controller = new AbortController();
  const updates: SweepUpdate[] = [];
  const waiters = new Set<() => void>();
  const done = (async () => {
    const res = await fetch(url, { signal: controller.signal });
    assert.equal(res.status, 200);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(event);
        if (/^event: update$/m.test(event) && data) {
          updates.push(JSON.parse(data[1]) as SweepUpdate);
          for (const wake of waiters) wake();
        }
        end = buffer.indexOf('\n\n');
      }
    }
  })().catch(() => undefined);
  return {
    updates,
    /** Resolves with the first update (from now on) passing `check`. */
    waitFor(check: (u: SweepUpdate) => boolean, timeoutMs = 10_000) {
      return new Promise<SweepUpdate>((resolve, reject) => {
        const look = () => {
          const hit = updates.find(check);
          if (!hit) return;
          waiters.delete(look);
          clearTimeout(timer);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(look);
          reject(new Error(`no matching update in ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(look);
        look();
      });
    },
    async close() {
      controller.abort();
      await done;
    },
  };
}

describe('live updates', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(
      { name: 'live', runs: 100, finishedFraction: 0.5 },
      { refreshMs: 100 },
    );
  });
  after(async () => {
    await h.close();
  });

  test('results recorded by the store reach every listening page', async () => {
    const pages = Array.from({ length: 5 }, () =>
      listen(`${h.dashboard.url}api/events`),
    );
    try {
      for (const page of pages) {
        await page.waitFor((u) => u.sweeps[0]?.finals === 50);
      }
      const queued = h.sweep.runs.filter((r) => r.status === 'queued');
      const events: RecorderEvent[] = queued.slice(0, 10).map((r, i) => ({
        kind: 'final',
        runId: r.runId,
        generation: 0,
        token: `live-test-${i}`,
        worker: 'test:1',
        at: Date.now(),
        status: 'crashed',
        error: 'Error: thread died',
      }));
      const store = await openStore(h.dbPath);
      try {
        await store.recordEvents(events);
      } finally {
        await store.close();
      }
      for (const page of pages) {
        const update = await page.waitFor((u) => u.sweeps[0]?.finals === 60);
        assert.equal(
          update.sweeps[0].counts.crashed,
          h.sweep.runs.filter((r) => r.status === 'crashed').length + 10,
        );
      }
    } finally {
      await Promise.all(pages.map((p) => p.close()));
    }
  });

  test('HEAD of the live stream gives its headers at once and holds nothing', async () => {
    const reply = await fetch(`${h.dashboard.url}api/events`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(3000),
    });
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /text\/event-stream/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(h.dashboard.live.size, 0);
  });

  test('one poll per interval serves every page', async () => {
    const pages = Array.from({ length: 8 }, () =>
      listen(`${h.dashboard.url}api/events`),
    );
    try {
      for (const page of pages) await page.waitFor(() => true);
      const stats = h.dashboard.live.stats;
      const polls = stats.polls;
      const started = performance.now();
      await new Promise((r) => setTimeout(r, 1500));
      const elapsed = performance.now() - started;
      const intervals = elapsed / 100;
      const made = stats.polls - polls;
      // One poll per 100 ms interval, whatever the number of pages (a
      // poll per page would make 8 times as many); timers may fire late,
      // never early, so at most one extra.
      assert.ok(
        made <= intervals + 1,
        `${made} polls in ${intervals} intervals`,
      );
      assert.ok(made >= 1);
    } finally {
      await Promise.all(pages.map((p) => p.close()));
    }
    for (let i = 0; i < 50 && h.dashboard.live.size > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(h.dashboard.live.size, 0, 'closed pages are forgotten');
  });
});

describe('Redis outage', () => {
  test('the dashboard says Redis is unreachable, keeps serving, and sees it return', async () => {
    const redis = await startRedis();
    const h = await startHarness(
      { name: 'queue', runs: 60 },
      { redisUrl: redis.url, queuePollMs: 200 },
    );
    const queue = async () =>
      (await h.fetch('/api/queue')).json() as {
        mode: string;
        reachable: boolean;
        counts: Record<string, number> | null;
      };
    const until = async (reachable: boolean) => {
      for (let i = 0; i < 100; i++) {
        if ((await queue()).reachable === reachable) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail(
        `Redis never became ${reachable ? 'reachable' : 'unreachable'}`,
      );
    };
    try {
      await until(true);
      const up = await queue();
      assert.equal(up.mode, 'redis');
      assert.equal(up.counts?.waiting, 0);
      const page = await h.fetch('/');
      assert.match(page.text, /Redis: 0 waiting/);

      await redis.kill();
      await until(false);
      const down = await h.fetch('/');
      assert.equal(down.status, 200);
      assert.match(down.text, /Redis unreachable/);
      assert.match(down.text, /showing the store only/);
      const map = await h.fetch('/api/sweeps/queue/failure-map');
      assert.equal(map.status, 200, 'the store is still served');

      await redis.restart();
      await until(true);
      assert.match((await h.fetch('/')).text, /Redis: 0 waiting/);
    } finally {
      await h.close();
      await redis.stop();
    }
  });

  test('a Redis that answers within the first seconds is never called unreachable', async () => {
    // Redis is down when the dashboard starts, as when both start at once
    // (docker compose), and comes up a second later, within the grace.
    const redis = await startRedis();
    await redis.kill();
    const changes: QueueStatus[] = [];
    const watch = new QueueWatch(redis.url, 100, (s) => changes.push(s), 5000);
    try {
      await watch.start();
      await new Promise((r) => setTimeout(r, 1000));
      const early = watch.status;
      assert.ok(early.mode === 'redis' && !early.reachable);
      assert.equal(early.connecting, true);
      assert.match(queueBadge(early).text, /Redis: connecting to redis:/);
      await redis.restart();
      for (let i = 0; i < 50 && changes.length < 1; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(changes.length, 1, 'one change: reachable');
      assert.ok(changes[0].mode === 'redis' && changes[0].reachable);
    } finally {
      watch.stop();
      await redis.stop();
    }
  });

  test('an unreachable Redis is reported once, with its error, not every poll', async () => {
    const redis = await startRedis();
    await redis.kill();
    const changes: QueueStatus[] = [];
    // A first connection gets 300 ms to succeed before it counts.
    const watch = new QueueWatch(redis.url, 100, (s) => changes.push(s), 300);
    try {
      await watch.start();
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(changes.length, 1);
      const [status] = changes;
      assert.ok(status.mode === 'redis' && !status.reachable);
      assert.match(status.error, /ECONNREFUSED/);
      await redis.restart();
      for (let i = 0; i < 50 && changes.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(changes.length, 2, 'and its return once');
      assert.ok(changes[1].mode === 'redis' && changes[1].reachable);
    } finally {
      watch.stop();
      await redis.stop();
    }
  });
});
