/**
 * `npm run bench:dashboard`: latency of the failure map of a 100,000-run
 * sweep under 50 concurrent clients, on 127.0.0.1 only.
 *
 * The sweep is synthetic (test/support/synthetic-sweep.ts), built once into
 * bench/output/ and reused. The dashboard runs in its own process (this
 * file, started again with `--serve`), so the load generator does not share
 * its event loop. Four scenarios, each a bounded number of requests within
 * a bounded time:
 *
 * - `finished`: the sweep is done, nothing writes: answers come from the
 *   per-change cache.
 * - `recording`: a writer commits every 200 ms, as the recorder does while
 *   a sweep runs; the dashboard recomputes in the background at most once
 *   per refresh (1 s) and serves the previous answer meanwhile.
 * - `no cache`: the dashboard computes every answer for every request
 *   (`caching: false`): the aggregate in SQL each time.
 * - `no cache, no index`: the same without the runs_sweep_settings index
 *   of migration 003, i.e. before the optimisations.
 *
 * - `floor`: a bare node:http server answering every request with a fixed
 *   11 kB body, measured first: what this machine allows any Node server
 *   right now (on a 2-core machine shared with other work, it is the
 *   limit of the others).
 *
 * Requests mix the failure map API (default axes, other axes, filters) and
 * the failure map page. Options: `--runs N` (default 100000), `--clients N`
 * (50), `--requests N` per scenario (3000), `--seconds N` per scenario
 * (30), `--fresh` (rebuild the sweep), `--json`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sqlite3 from 'sqlite3';
import { startDashboard } from '../dashboard/server.ts';
import { ROOT } from '../test/support/processes.ts';
import { createSyntheticSweep } from '../test/support/synthetic-sweep.ts';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    clients: { type: 'string', default: '50' },
    requests: { type: 'string', default: '3000' },
    seconds: { type: 'string', default: '30' },
    fresh: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    serve: { type: 'string' },
    floor: { type: 'boolean', default: false },
    'no-cache': { type: 'boolean', default: false },
    refresh: { type: 'string', default: '1000' },
  },
});

const OUTPUT = join(ROOT, 'bench', 'output');
const SWEEP = 'bench-100k';

/** The requests of the load, cycled by every client. */
const TARGETS = [
  `/api/sweeps/${SWEEP}/failure-map`,
  `/api/sweeps/${SWEEP}/failure-map?x=lr&y=width`,
  `/api/sweeps/${SWEEP}/failure-map?x=init&y=bc&filter.activation=relu`,
  `/api/sweeps/${SWEEP}/failure-map?filter.width=20&filter.lr=0.01`,
  `/sweeps/${SWEEP}`,
  `/sweeps/${SWEEP}?y=problem&x=gradient&filter.bc=ansatz`,
];

interface Scenario {
  name: string;
  /** The store, or `floor` for the bare server. */
  db: string;
  refreshMs: number;
  /** Whether the dashboard caches its answers. */
  caching: boolean;
  /** Whether a round of all clients at once warms up before measuring. */
  warm: boolean;
  /** Interval of the simulated recorder's commits, ms; 0 for none. */
  writeEveryMs: number;
}

interface Result {
  scenario: string;
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  /** Latency of the very first request (cold caches), ms; the others
   * are measured after a warm-up (see `load`). */
  firstMs: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Time the app spent per answer (Server-Timing), p50 and p99, ms. */
  appP50: number;
  appP99: number;
}

function log(line: string): void {
  if (!flags.json) process.stderr.write(`${line}\n`);
}

/** The sweep file, built unless a complete one is there already. */
async function sweepFile(runs: number): Promise<string> {
  mkdirSync(OUTPUT, { recursive: true });
  const file = join(OUTPUT, `dashboard-${runs}.sqlite`);
  if (!flags.fresh && existsSync(file) && (await countRuns(file)) === runs) {
    log(`reusing ${file}`);
    return file;
  }
  for (const suffix of ['', '-wal', '-shm'])
    rmSync(`${file}${suffix}`, { force: true });
  log(`building a ${runs}-run sweep in ${file} …`);
  const started = performance.now();
  await createSyntheticSweep(file, {
    name: SWEEP,
    runs,
    curves: 100,
    runsPerSecond: 50,
  });
  log(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return file;
}

function withDb<T>(
  file: string,
  body: (db: sqlite3.Database, done: (value: T) => void) => void,
): Promise<T> {
  return new Promise((resolve) => {
    const db = new sqlite3.Database(file);
    body(db, (value) => db.close(() => resolve(value)));
  });
}

function countRuns(file: string): Promise<number> {
  return withDb(file, (db, done) =>
    db.get<{ n: number }>('SELECT count(*) AS n FROM runs', (e, row) =>
      done(e ? -1 : (row?.n ?? -1)),
    ),
  );
}

/** A copy of the sweep without the dashboard's covering index. */
async function withoutIndex(file: string): Promise<string> {
  const copy = file.replace(/\.sqlite$/, '-noindex.sqlite');
  for (const suffix of ['-wal', '-shm'])
    rmSync(`${copy}${suffix}`, { force: true });
  copyFileSync(file, copy);
  await withDb<void>(copy, (db, done) =>
    db.exec('DROP INDEX IF EXISTS runs_sweep_settings', () => done()),
  );
  return copy;
}

/** Commits a small change every `ms` until stopped, as a recorder would. */
function startWriter(file: string, ms: number): () => Promise<void> {
  if (ms === 0) return async () => {};
  const db = new sqlite3.Database(file);
  db.configure('busyTimeout', 5000);
  // Moves one run's updated_at on by 1 ms, as recording a result does: a
  // real change (SQLite skips rewriting an unchanged row, which would not
  // count as a change), but none of the aggregates the dashboard shows.
  const timer = setInterval(() => {
    db.run(
      'UPDATE runs SET updated_at = updated_at + 1 WHERE sweep_id = 1 AND idx = 0',
    );
  }, ms);
  return () =>
    new Promise((resolve) => {
      clearInterval(timer);
      db.close(() => resolve());
    });
}

/** Starts `bench/dashboard.ts --serve FILE` and resolves its URL. */
function startServer(
  scenario: Scenario,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'bench', 'dashboard.ts'),
      '--serve',
      scenario.db,
      '--refresh',
      String(scenario.refreshMs),
      ...(scenario.db === 'floor' ? ['--floor'] : []),
      ...(scenario.caching ? [] : ['--no-cache']),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
      if (match) resolve({ url: match[1], child });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

/** One GET on a kept-alive connection: status, Server-Timing, body read. */
function get(
  agent: Agent,
  url: string,
): Promise<{ status: number; appMs: number | null }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      const app = /dur=([\d.]+)/.exec(
        String(res.headers['server-timing'] ?? ''),
      );
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          appMs: app ? Number(app[1]) : null,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/**
 * Fires the load: `clients` loops on as many kept-alive connections (node's
 * own HTTP client, lighter than fetch, so that the load generator takes
 * less of the machine from the server), bounded by count and time.
 */
async function load(base: string, scenario: Scenario): Promise<Result> {
  const clients = Number(flags.clients);
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const total = Number(flags.requests);
  const first = performance.now();
  await get(agent, `${base}${TARGETS[0].slice(1)}`);
  const firstMs = performance.now() - first;
  // Warm-up, not measured: each kind of request once, then (except
  // without caches, where every request is a cold one anyway) one round of
  // every client at once, which opens the 50 connections. The steady state is
  // measured; the cold start is the `first` column.
  for (const target of TARGETS) await get(agent, `${base}${target.slice(1)}`);
  if (scenario.warm) {
    await Promise.all(
      Array.from({ length: clients }, (_, i) =>
        get(agent, `${base}${TARGETS[i % TARGETS.length].slice(1)}`),
      ),
    );
  }
  const deadline = performance.now() + Number(flags.seconds) * 1000;
  const latencies: number[] = [];
  const appTimes: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const client = async () => {
    while (next < total && performance.now() < deadline) {
      const target = TARGETS[next++ % TARGETS.length];
      const t0 = performance.now();
      try {
        const res = await get(agent, `${base}${target.slice(1)}`);
        if (res.status !== 200) {
          errors++;
          log(`${target}: HTTP ${res.status}`);
        }
        if (res.appMs !== null) appTimes.push(res.appMs);
      } catch (error) {
        errors++;
        log(`${target}: ${error}`);
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  appTimes.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    scenario: scenario.name,
    requests: latencies.length,
    errors,
    seconds: round(seconds),
    perSecond: round(latencies.length / seconds),
    firstMs: round(firstMs),
    p50: round(percentile(latencies, 0.5)),
    p90: round(percentile(latencies, 0.9)),
    p99: round(percentile(latencies, 0.99)),
    max: round(latencies.at(-1) ?? Number.NaN),
    appP50: round(percentile(appTimes, 0.5)),
    appP99: round(percentile(appTimes, 0.99)),
  };
}

async function runScenario(scenario: Scenario): Promise<Result> {
  log(`scenario ${scenario.name} …`);
  const { url, child } = await startServer(scenario);
  const stopWriter = startWriter(scenario.db, scenario.writeEveryMs);
  try {
    return await load(url, scenario);
  } finally {
    await stopWriter();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** `--serve floor --floor`: the bare server of the `floor` scenario. */
function serveFloor(): void {
  const body = Buffer.alloc(11_000, 'x');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`http://127.0.0.1:${port}/\n`);
  });
  process.once('SIGTERM', () => process.exit(0));
}

/** `--serve FILE`: the dashboard alone in this process. */
async function serve(file: string): Promise<void> {
  if (flags.floor) return serveFloor();
  const dashboard = await startDashboard({
    dbPath: file,
    port: 0,
    refreshMs: Number(flags.refresh),
    caching: !flags['no-cache'],
    onError: (error) => process.stderr.write(`dashboard error: ${error}\n`),
  });
  process.stdout.write(`${dashboard.url}\n`);
  process.once(
    'SIGTERM',
    () => void dashboard.close().then(() => process.exit(0)),
  );
}

async function main(): Promise<void> {
  if (flags.serve) return serve(flags.serve);
  const runs = Number(flags.runs);
  const file = await sweepFile(runs);
  const noIndex = await withoutIndex(file);
  const scenarios: Scenario[] = [
    {
      name: 'floor',
      db: 'floor',
      refreshMs: 0,
      caching: false,
      warm: true,
      writeEveryMs: 0,
    },
    {
      name: 'finished',
      db: file,
      refreshMs: 1000,
      caching: true,
      warm: true,
      writeEveryMs: 0,
    },
    {
      name: 'recording',
      db: file,
      refreshMs: 1000,
      caching: true,
      warm: true,
      writeEveryMs: 200,
    },
    {
      name: 'no cache',
      db: file,
      refreshMs: 1000,
      caching: false,
      warm: false,
      writeEveryMs: 0,
    },
    {
      name: 'no cache, no index',
      db: noIndex,
      refreshMs: 1000,
      caching: false,
      warm: false,
      writeEveryMs: 0,
    },
  ];
  const results: Result[] = [];
  for (const scenario of scenarios) results.push(await runScenario(scenario));
  rmSync(noIndex, { force: true });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ runs, results }, null, 2)}\n`);
    return;
  }
  const clients = Number(flags.clients);
  console.log(
    `\nfailure map of a ${runs.toLocaleString('en-US')}-run sweep, ` +
      `${clients} concurrent clients (latency in ms)\n`,
  );
  console.log(
    'scenario             requests  errors  req/s   first    p50    p90    p99    max' +
      '   app p50  app p99',
  );
  for (const r of results) {
    console.log(
      `${r.scenario.padEnd(20)} ${String(r.requests).padStart(8)} ${String(r.errors).padStart(7)} ` +
        `${r.perSecond.toFixed(0).padStart(6)} ${r.firstMs.toFixed(0).padStart(7)} ` +
        `${r.p50.toFixed(1).padStart(6)} ${r.p90.toFixed(1).padStart(6)} ` +
        `${r.p99.toFixed(1).padStart(6)} ${r.max.toFixed(0).padStart(6)} ` +
        `${r.appP50.toFixed(1).padStart(9)} ${r.appP99.toFixed(1).padStart(8)}`,
    );
  }
  const target = results[1].p99 < 200 ? 'met' : 'MISSED';
  console.log(`\ntarget p99 < 200 ms (finished sweep): ${target}`);
  console.log(
    `machine load (1, 5, 15 min): ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')} on ${availableParallelism()} cores`,
  );
}

await main();
