/**
 * The dashboard's JSON API over a real SQLite store: every answer is
 * checked against the runs the synthetic generator wrote, counted
 * independently here in plain JavaScript.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DEFAULT_CONSOLE_LIMITS,
  SqlConsole,
} from '../../dashboard/sql-console.ts';
import {
  FAILURE_STATUSES,
  RUN_STATUSES,
  type RunStatus,
} from '../../workers/result.ts';
import { runSweep } from '../support/processes.ts';
import type { SyntheticRun } from '../support/synthetic-sweep.ts';
import { type Harness, parseNumbers, startHarness } from './harness.ts';

type Json = Record<string, never>;

/** Runs per state of the runs that pass `keep`, counted in JS. */
function tally(runs: SyntheticRun[], keep: (r: SyntheticRun) => boolean) {
  const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<
    RunStatus,
    number
  >;
  for (const r of runs) if (keep(r)) counts[r.status]++;
  const failed = FAILURE_STATUSES.reduce((n, s) => n + counts[s], 0);
  const finals = failed + counts.done;
  return { counts, failed, finals, rate: finals ? failed / finals : null };
}

describe('dashboard API', () => {
  let h: Harness;
  // 1,500 runs: two full seeds of the 720-point grid plus part of a third,
  // with the last 10% still queued or running.
  before(async () => {
    h = await startHarness({
      name: 'study',
      runs: 1500,
      finishedFraction: 0.9,
    });
  });
  after(async () => {
    assert.deepEqual(h.errors, [], 'no request failed inside the app');
    await h.close();
  });

  test('the sweeps list counts every state and tells progress', async () => {
    const t0 = Date.now();
    const reply = await h.fetch('/api/sweeps');
    const t1 = Date.now();
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /application\/json/);
    const [sweep] = (reply.json() as { sweeps: Json[] }).sweeps as Json[];
    const truth = tally(h.sweep.runs, () => true);
    assert.equal(sweep.name, 'study');
    assert.deepEqual(sweep.counts, truth.counts);
    assert.equal(sweep.total, 1500);
    assert.equal(sweep.finals, 1350);
    assert.equal(sweep.failed, truth.failed);
    assert.equal(sweep.state, 'running');
    // Every final lies within the last ten minutes, so the throughput is
    // all finals over the time since the sweep started, measured at some
    // moment between t0 and t1.
    const started = sweep.startedAt as number;
    const perMin = (now: number) => 1350 / ((now - started) / 60_000);
    const rate = sweep.throughputPerMin as number;
    assert.ok(rate >= perMin(t1) && rate <= perMin(t0), `throughput ${rate}`);
    const eta = sweep.etaMs as number;
    assert.ok(Math.abs(eta - (150 / rate) * 60_000) < 1e-6 * eta);
  });

  test('the failure map defaults to activation rows × gradient columns', async () => {
    const reply = await h.fetch('/api/sweeps/study/failure-map');
    assert.equal(reply.status, 200);
    const data = reply.json() as Json;
    const map = data.map as Json;
    assert.equal((map.x as Json).axis, 'gradient');
    assert.equal((map.y as Json).axis, 'activation');
    assert.deepEqual((map.x as Json).values, [
      'autodiff',
      'analytic',
      'finite-difference',
    ]);
    assert.deepEqual((map.y as Json).values, [
      'relu',
      'relu2',
      'tanh',
      'sigmoid',
      'swish',
    ]);
    for (const cell of map.cells as Json[]) {
      const truth = tally(
        h.sweep.runs,
        (r) => r.config.gradient === cell.x && r.config.activation === cell.y,
      );
      assert.deepEqual(cell.counts, truth.counts, `${cell.y} × ${cell.x}`);
      assert.equal(cell.failed, truth.failed);
      assert.equal(cell.finals, truth.finals);
      assert.equal(cell.failureRate, truth.rate);
    }
    const reluAutodiff = (map.cells as Json[]).find(
      (c) => c.x === 'autodiff' && c.y === 'relu',
    )!;
    assert.equal(reluAutodiff.failureRate, 1, 'ReLU with autodiff fails');
    const total = map.total as Json;
    assert.equal(total.runs, 1500);
  });

  test('any two settings, filtered, count the same runs as a scan', async () => {
    const reply = await h.fetch(
      '/api/sweeps/study/failure-map?x=lr&y=width&filter.bc=ansatz' +
        '&filter.activation=relu,tanh',
    );
    assert.equal(reply.status, 200);
    const data = reply.json() as Json;
    assert.deepEqual(data.filters, {
      bc: ['ansatz'],
      activation: ['relu', 'tanh'],
    });
    const map = data.map as Json;
    assert.deepEqual((map.x as Json).values, [0.001, 0.01]);
    assert.deepEqual((map.y as Json).values, [10, 20, 40]);
    for (const cell of map.cells as Json[]) {
      const truth = tally(
        h.sweep.runs,
        (r) =>
          r.config.lr === cell.x &&
          r.config.width === cell.y &&
          r.config.bc === 'ansatz' &&
          ['relu', 'tanh'].includes(r.config.activation),
      );
      assert.deepEqual(cell.counts, truth.counts);
    }
  });

  test('seed can be an axis and a filter', async () => {
    const reply = await h.fetch(
      '/api/sweeps/study/failure-map?x=seed&y=activation&filter.seed=0,2',
    );
    assert.equal(reply.status, 200);
    const map = (reply.json() as Json).map as Json;
    assert.deepEqual((map.x as Json).values, [0, 2]);
    for (const cell of map.cells as Json[]) {
      const truth = tally(
        h.sweep.runs,
        (r) => r.config.seed === cell.x && r.config.activation === cell.y,
      );
      assert.deepEqual(cell.counts, truth.counts);
    }
    const filtered = await h.fetch(
      '/api/sweeps/study/failure-map?filter.seed=1',
    );
    const total = ((filtered.json() as Json).map as Json).total as Json;
    assert.equal(total.runs, 720);
  });

  test('the per-setting summary ranks settings by failure-rate spread', async () => {
    const data = (
      await h.fetch('/api/sweeps/study/failure-map')
    ).json() as Json;
    const summary = data.summary as Json[];
    const spreads = summary.map((s) => s.spread as number);
    assert.deepEqual(
      spreads,
      [...spreads].sort((a, b) => b - a),
    );
    for (const axis of summary) {
      const name = axis.axis as string;
      const rates: number[] = [];
      for (const v of axis.values as Json[]) {
        const truth = tally(
          h.sweep.runs,
          (r) => r.config[name as 'width'] === v.value,
        );
        assert.deepEqual(v.counts, truth.counts, `${name} = ${v.value}`);
        if (truth.rate !== null) rates.push(truth.rate);
      }
      const spread = Math.max(...rates) - Math.min(...rates);
      assert.ok(Math.abs((axis.spread as number) - spread) < 1e-12);
    }
    // With the penalty boundary term every activation misses the
    // threshold (deep-ritz.md), so bc predicts failure best.
    assert.equal(summary[0].axis, 'bc');
  });

  test('paging a cell with the after cursor lists each run once, in grid order', async () => {
    const expected = h.sweep.runs
      .filter(
        (r) =>
          r.config.activation === 'relu' && r.config.gradient === 'autodiff',
      )
      .map((r) => r.runId);
    const seen: string[] = [];
    let cursor: number | null = null;
    let pages = 0;
    do {
      const q =
        '/api/sweeps/study/runs?filter.activation=relu' +
        `&filter.gradient=autodiff&limit=37${cursor === null ? '' : `&after=${cursor}`}`;
      const data = (await h.fetch(q)).json() as Json;
      assert.equal(data.total, expected.length);
      for (const run of data.runs as Json[]) seen.push(run.runId);
      cursor = data.nextAfter;
      pages++;
    } while (cursor !== null && pages < 100);
    assert.deepEqual(seen, expected);
  });

  test('offset pages, state filters and metric sorts agree with a scan', async () => {
    const failed = h.sweep.runs.filter((r) =>
      (FAILURE_STATUSES as readonly string[]).includes(r.status),
    );
    const first = (
      await h.fetch('/api/sweeps/study/runs?status=failed&limit=500&offset=0')
    ).json() as Json;
    const second = (
      await h.fetch('/api/sweeps/study/runs?status=failed&limit=500&offset=500')
    ).json() as Json;
    assert.equal(first.total, failed.length);
    const ids = [...(first.runs as Json[]), ...(second.runs as Json[])].map(
      (r) => r.runId,
    );
    assert.deepEqual(
      ids,
      failed.slice(0, 1000).map((r) => r.runId),
    );

    const sorted = parseNumbers(
      (await h.fetch('/api/sweeps/study/runs?sort=rel_l2&order=desc&limit=500'))
        .text,
    ) as { runs: { rel_l2: number | null }[] };
    const values = sorted.runs.map((r) => r.rel_l2);
    const top = h.sweep.runs
      .map((r) => r.relL2)
      .filter((v): v is number => v !== null)
      .sort((a, b) => b - a)
      .slice(0, 500);
    assert.deepEqual(values, top);
  });

  test('a run shows its settings, metrics with NaN and Infinity, attempts and curves', async () => {
    const diverged = h.sweep.runs.find((r) => r.status === 'diverged')!;
    const reply = await h.fetch(`/api/runs/${diverged.runId}`);
    assert.equal(reply.status, 200);
    // Valid JSON in which NaN and Infinity are spelled as strings.
    const raw = reply.json() as Json;
    const metrics = (raw.run as Json).metrics as Json;
    assert.equal(metrics.rel_l2, 'NaN');
    assert.equal(metrics.final_loss, 'Infinity');
    assert.equal(typeof metrics.gc_analytic_cos, 'number');
    const run = raw.run as Json;
    assert.equal(run.status, 'diverged');
    assert.deepEqual(run.settings, diverged.config);
    assert.equal((run.attempts as Json[]).length, diverged.attempts);
    const loss = (run.curves as Json).loss as Json;
    assert.equal((loss.loss as unknown[]).length, 200);
    assert.ok((loss.loss as unknown[]).includes('NaN'));
    assert.ok((loss.loss as unknown[]).includes('Infinity'));
  });

  test('a run lists the runs that differ from it in exactly one setting', async () => {
    const run = h.sweep.runs.find(
      (r) => r.config.activation === 'relu' && r.config.gradient === 'autodiff',
    )!;
    const data = (await h.fetch(`/api/runs/${run.runId}`)).json() as Json;
    const neighbours = data.neighbours as Json[];
    const expected = h.sweep.runs.filter((other) => {
      const diff = Object.keys(run.config).filter(
        (k) => other.config[k as 'width'] !== run.config[k as 'width'],
      );
      return diff.length === 1 && diff[0] !== 'seed';
    });
    assert.deepEqual(
      neighbours.map((n) => n.runId).sort(),
      expected.map((r) => r.runId).sort(),
    );
    const twin = neighbours.find(
      (n) => n.axis === 'gradient' && n.value === 'analytic',
    );
    assert.ok(twin, 'the analytic twin is offered for comparison');
  });

  test('compare names the settings in which two runs differ', async () => {
    const a = h.sweep.runs[0];
    const b = h.sweep.runs.find(
      (r) =>
        r.config.gradient !== a.config.gradient &&
        Object.keys(a.config).every(
          (k) =>
            k === 'gradient' ||
            r.config[k as 'width'] === a.config[k as 'width'],
        ),
    )!;
    const data = (
      await h.fetch(`/api/compare?a=${a.runId}&b=${b.runId}`)
    ).json() as Json;
    assert.deepEqual(data.differences, ['gradient']);
    assert.equal((data.a as Json).runId, a.runId);
    assert.equal((data.b as Json).runId, b.runId);
  });

  test('the SQL console answers in JSON (GET and POST) and as CSV', async () => {
    const sql =
      "SELECT status, count(*) AS n FROM results WHERE sweep = 'study' GROUP BY status ORDER BY status";
    const truth = tally(h.sweep.runs, () => true).counts;
    const expected = Object.entries(truth)
      .filter(([, n]) => n > 0)
      .sort(([a], [b]) => a.localeCompare(b));
    const get = (
      await h.fetch(`/api/query?sql=${encodeURIComponent(sql)}`)
    ).json() as Json;
    assert.deepEqual(get.columns, ['status', 'n']);
    assert.deepEqual(get.rows, expected);
    const post = await h.fetch('/api/query', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql }),
    });
    assert.equal(post.status, 200);
    assert.deepEqual((post.json() as Json).rows, expected);
    const csv = await h.fetch(`/api/query.csv?sql=${encodeURIComponent(sql)}`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    assert.match(csv.headers.get('content-disposition') ?? '', /attachment/);
    const lines = csv.text.trimEnd().split('\r\n');
    assert.deepEqual(lines, [
      'status,n',
      ...expected.map(([s, n]) => `${s},${n}`),
    ]);
  });

  test('a CSV cut at its row limit says so in a header', async () => {
    const sql = 'SELECT run_id FROM runs';
    const full = await h.fetch(`/api/query.csv?sql=${encodeURIComponent(sql)}`);
    assert.equal(full.headers.get('x-rows-truncated'), null);
    assert.equal(full.text.trimEnd().split('\r\n').length, 1 + 1500);
    const page = (
      await h.fetch(`/api/query?sql=${encodeURIComponent(sql)}`)
    ).json() as Json;
    const long =
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n ' +
      'WHERE i < 100001) SELECT i FROM n';
    const cut = await h.fetch(`/api/query.csv?sql=${encodeURIComponent(long)}`);
    assert.equal(cut.headers.get('x-rows-truncated'), 'true');
    assert.equal(cut.text.trimEnd().split('\r\n').length, 1 + 100_000);
    // The JSON answer stops at the page limit (1,000 rows) and says so.
    assert.equal((page.rows as unknown[]).length, 1000);
    assert.equal(page.truncated, true);
  });

  /**
   * A statement of about 18,000 characters, within the console's limit of
   * 20,000 but past what fits in a URL: a list of run ids, as a user
   * pastes it. It selects every run of the list, in grid order.
   */
  function longStatement(): { sql: string; ids: string[] } {
    const ids = h.sweep.runs.slice(0, 200).map((r) => r.runId);
    let sql = 'SELECT run_id, status FROM results WHERE run_id IN (';
    for (let i = 0; sql.length < 18_000; i++) {
      sql += `'${ids[i % ids.length]}',\n  `;
    }
    sql += "'none') ORDER BY idx";
    return { sql, ids };
  }

  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

  test('a statement too long for a URL gets its CSV by POST, as a form or as JSON', async () => {
    const { sql, ids } = longStatement();
    assert.ok(sql.length > 16_384 && sql.length < 20_000, `${sql.length}`);
    const byGet = await h.fetch(
      `/api/query.csv?sql=${encodeURIComponent(sql)}`,
    );
    assert.equal(byGet.status, 431, 'the URL is past Node.js header limit');

    const expected = [
      'run_id,status',
      ...h.sweep.runs
        .filter((r) => ids.includes(r.runId))
        .map((r) => `${r.runId},${r.status}`),
    ];
    const json = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql }),
    };
    for (const init of [form({ sql }), json]) {
      const csv = await h.fetch('/api/query.csv', init);
      assert.equal(csv.status, 200, csv.text);
      assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
      assert.match(csv.headers.get('content-disposition') ?? '', /attachment/);
      assert.deepEqual(csv.text.trimEnd().split('\r\n'), expected);
    }
  });

  test('a console POST takes only sql, as JSON or a form', async () => {
    const sql = 'SELECT 1 AS one';
    const extra = await h.fetch('/api/query.csv', form({ sql, limit: '5' }));
    assert.equal(extra.status, 400);
    assert.equal(
      (extra.json() as { error: Json }).error.parameter,
      'limit' as never,
    );
    const plain = await h.fetch('/api/query.csv', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: sql,
    });
    assert.equal(plain.status, 415);
    assert.match(plain.text, /application\/json.*x-www-form-urlencoded/);
    const formPost = await h.fetch('/api/query', form({ sql }));
    assert.equal(formPost.status, 200);
    assert.deepEqual((formPost.json() as Json).rows, [[1]] as never);
    const huge = await h.fetch(
      '/api/query.csv',
      form({ sql: `SELECT '${'é'.repeat(35_000)}'` }),
    );
    assert.equal(huge.status, 413);
    assert.match(huge.text, /too large \(at most \d+ kB\)/);
    const tooLong = await h.fetch(
      '/api/query.csv',
      form({ sql: `SELECT '${'x'.repeat(20_000)}'` }),
    );
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.text, /too long; allowed: at most 20000/);
  });

  test('the console page runs a long statement sent by its form, and posts its CSV', async () => {
    const { sql } = longStatement();
    const page = await h.fetch('/console', form({ sql }));
    assert.equal(page.status, 200, page.text);
    assert.match(page.text, /id="result"/);
    const csvForm =
      /<form method="post" action="\/api\/query\.csv"[\s\S]*?<\/form>/.exec(
        page.text,
      );
    assert.ok(csvForm, 'the download is a form that posts the statement');
    const value = /name="sql" value="([^"]*)"/.exec(csvForm[0])?.[1] ?? '';
    const unescaped = value
      .replaceAll('&#39;', "'")
      .replaceAll('&quot;', '"')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&');
    assert.equal(unescaped, sql);
  });

  test('the CSV download writes fields as sweep query --format csv does', async () => {
    // NULL, an empty text, spaces around, a comma, a quote, a line break,
    // a number and the store's non-finite spellings.
    const sql =
      "SELECT NULL AS none, '' AS empty, ' x ' AS spaced, 'a,b' AS comma, " +
      `'say "hi"' AS quoted, 'two' || char(10) || 'lines' AS broken, ` +
      "1.5 AS num, 'NaN' AS nan, 9e999 AS inf UNION ALL " +
      "SELECT '', NULL, 'x', 'a', 'b', 'c', NULL, NULL, -9e999";
    const records = [
      'none,empty,spaced,comma,quoted,broken,num,nan,inf',
      ',""," x ","a,b","say ""hi""","two\nlines",1.5,NaN,Infinity',
      '"",,x,a,b,c,,,-Infinity',
    ];
    const csv = await h.fetch(`/api/query.csv?sql=${encodeURIComponent(sql)}`);
    assert.equal(csv.status, 200, csv.text);
    // The download ends records with RFC 4180's CRLF, the CLI with LF.
    assert.equal(csv.text, records.map((r) => `${r}\r\n`).join(''));
    const cli = await runSweep([
      '--db',
      h.dbPath,
      'query',
      sql,
      '--format',
      'csv',
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout, records.map((r) => `${r}\n`).join(''));
  });

  test('one row, one run and one running query are singular', async () => {
    const page = await h.fetch(
      `/console?sql=${encodeURIComponent('SELECT 1')}`,
    );
    assert.match(page.text, />\s*1 row in \d+ ms/);

    const [first] = h.sweep.runs;
    const fields = [...h.sweep.axes, 'seed'] as 'width'[];
    const value = (r: SyntheticRun, f: 'width') => String(r.config[f]);
    const filters = fields.map(
      (f) => `filter.${f}=${encodeURIComponent(value(first, f))}`,
    );
    const same = h.sweep.runs.filter((r) =>
      fields.every((f) => value(r, f) === value(first, f)),
    );
    assert.equal(same.length, 1, 'every setting fixed leaves one run');
    const runs = await h.fetch(`/sweeps/study/runs?${filters.join('&')}`);
    assert.equal(runs.status, 200, runs.text);
    assert.match(runs.text, /<\/strong>: 1 run\.<\/p>/);

    // One query slot: a second query while one runs is told to wait.
    const one = new SqlConsole(h.dbPath, {
      ...DEFAULT_CONSOLE_LIMITS,
      concurrent: 1,
      timeoutMs: 500,
    });
    const slow =
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n ' +
      'WHERE i < 1000000000000) SELECT count(*) FROM n';
    const running = one.run(slow).catch(() => undefined);
    await assert.rejects(one.run('SELECT 1'), {
      message: '1 query is running; try again in a moment',
    });
    await running;
  });

  test('the console keeps NaN apart from Infinity and NULL', async () => {
    const sql =
      "SELECT final_loss, rel_l2, nan_metrics FROM results WHERE status = 'diverged' LIMIT 1";
    const data = (
      await h.fetch(`/api/query?sql=${encodeURIComponent(sql)}`)
    ).json() as Json;
    const [row] = data.rows as unknown[][];
    assert.equal(row[0], 'Infinity');
    assert.equal(row[1], null);
    assert.match(String(row[2]), /rel_l2/);
  });

  test('the console page data lists examples, schema and limits', async () => {
    const data = (await h.fetch('/api/console')).json() as Json;
    const examples = data.examples as Json[];
    assert.ok(examples.length >= 4);
    for (const example of examples) {
      const reply = await h.fetch(
        `/api/query?sql=${encodeURIComponent(example.sql)}`,
      );
      assert.equal(reply.status, 200, `${example.title}: ${reply.text}`);
    }
    const names = (data.schema as { name: string }[]).map((t) => t.name);
    for (const table of ['results', 'runs', 'metrics', 'attempts', 'sweeps']) {
      assert.ok(names.includes(table), table);
    }
  });
});
