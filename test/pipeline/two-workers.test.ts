import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enqueueRuns, startRecorder } from '../../coordinator/queue/index.ts';
import { redisForFile } from '../support/file-redis.ts';
import {
  eventually,
  finals,
  rows,
  smallSpec,
  spawnWorker,
  sweepFixture,
} from '../support/pipeline.ts';

const server = redisForFile();

test('two workers on one Redis split the work and finish together', async (t) => {
  const total = 40;
  const fx = await sweepFixture(smallSpec('two-workers', total));
  const recorder = await startRecorder(server.url, fx.store);
  t.after(async () => {
    await recorder.stop();
    await fx.close();
  });
  // Each run sleeps 100 ms before training: long enough that the two
  // workers, not the queue, set the pace.
  const workers = [1, 2].map(() =>
    spawnWorker(server.url, { faults: 'sleep:100@*' }),
  );
  await Promise.all(workers.map((w) => w.waitFor('joined')));
  await enqueueRuns(
    server.url,
    fx.plan,
    await fx.store.pendingRuns(fx.sweepId),
  );
  await eventually(
    'every run to finish',
    async () => (await finals(fx)) === total,
  );

  const per = await rows(
    fx.dbPath,
    `SELECT worker, count(*) AS runs, max(ended_at) AS last,
            max(ended_at - started_at) AS longest
     FROM attempts GROUP BY worker ORDER BY worker`,
  );
  assert.equal(per.length, 2, 'both workers trained');
  // Workers pull runs as they free up, so with equal speed each takes about
  // half; a quarter either way leaves room for a machine busy with others.
  for (const w of per) {
    const share = Number(w.runs) / total;
    assert.ok(share > 0.25 && share < 0.75, `${w.worker} took ${w.runs}`);
  }
  // The one that runs out of work first waits at most for the other's last
  // run: within two of the longest runs (and a little slack for recording).
  const gap = Math.abs(Number(per[0].last) - Number(per[1].last));
  const longest = Math.max(...per.map((w) => Number(w.longest)));
  assert.ok(gap <= 2 * longest + 250, `finished ${gap} ms apart`);
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
});
