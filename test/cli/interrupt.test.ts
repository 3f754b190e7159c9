/**
 * Ctrl-C on `sweep run`, `resume` and `retry`: each stops within seconds,
 * exits 130 (128 + SIGINT, as shells report an interrupted command, so a
 * script can tell it from a failure), says that `sweep resume` continues,
 * and a resume then gives every run exactly one final result. The same
 * holds while a command still waits for Redis to answer.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, test } from 'node:test';
import {
  query,
  scalar,
  smallSpec,
  tempDir,
  until,
  writeFile,
} from '../run/helpers.ts';
import { studyStore } from '../store/fixture.ts';
import {
  killAll,
  runSweep,
  type SweepProcess,
  spawnSweep,
} from '../support/processes.ts';
import { startRedis } from '../support/redis.ts';

const dir = tempDir('pinn-interrupt-');

after(async () => {
  await killAll();
  dir.remove();
});

/** Every try first blocks its thread 1.5 s: a sweep lasts long enough to stop. */
const SLOW = { PINN_SWEEP_FAULTS: 'sleep:1500@*' };

/** Waits until `db` holds two more tries than `before`, then sends Ctrl-C. */
async function interruptAfterTwoTries(
  proc: SweepProcess,
  db: string,
  before: number,
) {
  await until('two new tries under way', async () => {
    return (await scalar(db, 'SELECT count(*) FROM attempts')) >= before + 2;
  });
  const sent = Date.now();
  const exit = await proc.kill('SIGINT');
  // Tries in flight are abandoned, not waited for (1.5 s each, 12 runs).
  assert.ok(Date.now() - sent < 5000, 'stops within seconds');
  return exit;
}

test('run, resume and retry stop alike on Ctrl-C; resume then finishes', async () => {
  const db = dir.file('stopped.sqlite');
  const spec = writeFile(dir.path, 'stopped.yaml', smallSpec('stopped'));
  const tries = () => scalar(db, 'SELECT count(*) FROM attempts');
  const continues =
    /interrupted: \d+ runs? without a final result; `sweep resume stopped --db \S+` continues/;
  const commands = {
    run: ['run', spec],
    resume: ['resume', 'stopped'],
    retry: ['retry', 'stopped'],
  };

  for (const verb of ['run', 'resume'] as const) {
    const before = verb === 'run' ? 0 : await tries();
    const proc = spawnSweep([...commands[verb], '--db', db, '--threads', '2'], {
      env: SLOW,
    });
    const exit = await interruptAfterTwoTries(proc, db, before);
    assert.equal(exit.code, 130, `${verb}: ${proc.stderr()}`);
    assert.match(proc.stdout(), continues, verb);
  }

  // ReLU runs crash on every try, so that retry has something to do.
  const crashing = await runSweep(['resume', 'stopped', '--db', db], {
    env: { PINN_SWEEP_FAULTS: 'throw@activation=relu' },
  });
  assert.equal(crashing.code, 0, crashing.stderr);
  const crashed = "SELECT count(*) FROM metrics WHERE status = 'crashed'";
  assert.equal(await scalar(db, crashed), 6);

  const retry = spawnSweep([...commands.retry, '--db', db, '--threads', '2'], {
    env: SLOW,
  });
  const exit = await interruptAfterTwoTries(retry, db, await tries());
  assert.equal(exit.code, 130, retry.stderr());
  assert.match(retry.stdout(), continues);

  const resumed = await runSweep(['resume', 'stopped', '--db', db]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const finals = await query<{ status: string }>(
    db,
    'SELECT status FROM metrics',
  );
  assert.equal(finals.length, 12);
  assert.ok(
    finals.every((f) => f.status === 'done' || f.status === 'inaccurate'),
    'the retried runs trained again to the end',
  );
  const open =
    "SELECT count(*) FROM runs WHERE status IN ('queued', 'running')";
  assert.equal(await scalar(db, open), 0);
});

test('with Redis, Ctrl-C leaves the runs to the workers; resume records them', async (t) => {
  const redis = await startRedis();
  const worker = spawnSweep(
    ['worker', '--redis', redis.url, '--threads', '2', '--quiet'],
    { env: { PINN_SWEEP_FAULTS: 'sleep:700@*' } },
  );
  t.after(async () => {
    await worker.kill('SIGTERM');
    await redis.stop();
  });
  const db = dir.file('handed.sqlite');
  const spec = writeFile(dir.path, 'handed.yaml', smallSpec('handed'));
  const finals = () => scalar(db, 'SELECT count(*) FROM metrics');

  const coordinator = spawnSweep([
    'run',
    spec,
    '--db',
    db,
    '--redis',
    redis.url,
  ]);
  await until('a first result recorded', async () => (await finals()) >= 1);
  const exit = await coordinator.kill('SIGINT');
  assert.equal(exit.code, 130, coordinator.stderr());
  assert.match(
    coordinator.stdout(),
    /workers go on and their results wait in Redis; `sweep resume handed --db \S+ --redis redis:\/\/127\.0\.0\.1:\d+` continues/,
  );
  assert.ok((await finals()) < 12, 'stopped before the end');

  const resumed = await runSweep([
    'resume',
    'handed',
    '--db',
    db,
    '--redis',
    redis.url,
  ]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(await finals(), 12);
  const oks = await query<{ n: number }>(
    db,
    "SELECT count(*) AS n FROM attempts WHERE outcome = 'ok' GROUP BY run_id",
  );
  assert.equal(oks.length, 12);
  assert.ok(
    oks.every((row) => row.n === 1),
    'no run trained to the end twice',
  );
});

test('a first Ctrl-C stops a command that waits for Redis to answer', async (t) => {
  const { path } = await studyStore(t);
  // Accepts connections and never answers, as a wedged Redis does.
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const { port } = silent.address() as { port: number };
  const connected = new Promise((resolve) =>
    silent.once('connection', resolve),
  );

  const proc = spawnSweep([
    'resume',
    'study',
    '--db',
    path,
    '--redis',
    `redis://127.0.0.1:${port}`,
  ]);
  await connected;
  const sent = Date.now();
  proc.child.kill('SIGINT');
  const exit = await Promise.race([
    proc.exited,
    new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000)),
  ]);
  await proc.kill();
  assert.ok(exit, `still running 10 s after Ctrl-C:\n${proc.lines.join('\n')}`);
  assert.equal(exit.code, 130, proc.stderr());
  assert.ok(Date.now() - sent < 10_000);
  assert.match(
    proc.stdout(),
    /`sweep resume study --db \S+ --redis redis:\/\/127\.0\.0\.1:\d+` continues/,
  );
});

test('the help of run, resume and retry gives the exit codes', async () => {
  for (const verb of ['run', 'resume', 'retry']) {
    const help = await runSweep(['help', verb]);
    const text = help.stdout.replace(/\s+/g, ' ');
    assert.match(text, /Exit 0 when every run has a final result/, verb);
    assert.match(text, /130 after Ctrl-C or SIGTERM/, verb);
    assert.match(text, /`sweep resume`/, verb);
  }
});
