/**
 * Text from the store is shown as text: markup written straight into the
 * database (error messages, worker names, setting values, even a sweep
 * name that specs could never produce) never becomes markup on a page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sqlite3 from 'sqlite3';
import { type Harness, startHarness } from './harness.ts';

const SCRIPT = '<script>alert("pwned")</script>';
const IMG = '"><img src=x onerror=alert(1)>';
const CLOSE = '</script><script>alert(2)</script>';

function write(dbPath: string, sql: string, params: unknown[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(dbPath);
    db.run(sql, params, (error) => {
      db.close();
      if (error) reject(error);
      else resolve();
    });
  });
}

/** No live markup from the hostile strings; their escaped text is there. */
function assertInert(html: string, where: string): void {
  assert.doesNotMatch(html, /<script>alert/, where);
  assert.doesNotMatch(html, /<img src=x/, where);
  assert.doesNotMatch(html, /<\/script><script>/, where);
}

describe('escaping', () => {
  let h: Harness;
  let crashed: string;
  let hostileRun: string;

  before(async () => {
    h = await startHarness({ name: 'study', runs: 720 });
    const runs = h.sweep.runs;
    crashed = runs.find((r) => r.status === 'crashed')!.runId;
    hostileRun = runs.find((r) => r.status === 'done')!.runId;
    await write(
      h.dbPath,
      'UPDATE attempts SET error = ?, worker = ? WHERE run_id = ?',
      [SCRIPT, IMG, crashed],
    );
    await write(
      h.dbPath,
      'UPDATE metrics SET error = ?, worker = ? WHERE run_id = ?',
      [`${SCRIPT}${IMG}`, IMG, crashed],
    );
    await write(h.dbPath, 'UPDATE runs SET activation = ? WHERE run_id = ?', [
      CLOSE,
      hostileRun,
    ]);
    await write(
      h.dbPath,
      "INSERT INTO sweeps (name, spec_json, spec_hash, axes_json, threshold, retries, timeout_ms, created_at) VALUES (?, '{}', 'x', ?, 0.005, 0, 1000, 1)",
      [SCRIPT, JSON.stringify([IMG])],
    );
  });
  after(async () => {
    assert.deepEqual(h.errors, []);
    await h.close();
  });

  test('the sweeps page lists a hostile sweep name as text', async () => {
    const reply = await h.fetch('/');
    assert.equal(reply.status, 200);
    assertInert(reply.text, 'sweeps page');
    assert.match(reply.text, /&lt;script&gt;alert\(&quot;pwned&quot;\)/);
    assert.match(reply.text, /href="\/sweeps\/%3Cscript%3E/);
  });

  test('a hostile setting value is a row of the failure map, as text', async () => {
    const reply = await h.fetch('/sweeps/study');
    assert.equal(reply.status, 200);
    assertInert(reply.text, 'failure map');
    assert.match(reply.text, /&lt;\/script&gt;&lt;script&gt;alert\(2\)/);
    // Its cell links to the runs with that value, URL-encoded.
    assert.match(reply.text, /filter\.activation=%3C%2Fscript%3E/);
  });

  test('errors and worker names on the run page are text', async () => {
    const reply = await h.fetch(`/runs/${crashed}`);
    assert.equal(reply.status, 200);
    assertInert(reply.text, 'run page');
    assert.match(reply.text, /&lt;img src=x onerror=alert\(1\)&gt;/);
  });

  test('chart data embedded in a page cannot close its script element', async () => {
    const reply = await h.fetch(`/runs/${hostileRun}`);
    assert.equal(reply.status, 200);
    assertInert(reply.text, 'run page with hostile activation');
    const block =
      /<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(
        reply.text,
      );
    assert.ok(block, 'the data block is intact');
    const data = JSON.parse(block[1]) as { runs: { label: string }[] };
    assert.ok(data.runs[0].label.includes(CLOSE), 'and reads back exactly');
  });

  test('the runs list and the console show hostile text as text', async () => {
    const list = await h.fetch('/sweeps/study/runs?status=crashed');
    assertInert(list.text, 'runs list');
    const sql = `SELECT error, worker, '${CLOSE}' AS "${IMG.replaceAll('"', '""')}" FROM attempts WHERE error IS NOT NULL LIMIT 5`;
    const page = await h.fetch(`/console?sql=${encodeURIComponent(sql)}`);
    assert.equal(page.status, 200);
    assertInert(page.text, 'console');
    const echo = await h.fetch(
      `/console?sql=${encodeURIComponent(`</textarea>${SCRIPT}`)}`,
    );
    assertInert(echo.text, 'console echo');
    assert.doesNotMatch(echo.text, /<\/textarea><script/);
  });

  test('the API returns the same text verbatim inside valid JSON', async () => {
    const reply = await h.fetch(`/api/runs/${crashed}`);
    const data = reply.json() as { run: { error: string } };
    assert.equal(data.run.error, `${SCRIPT}${IMG}`);
    assert.match(reply.headers.get('content-type') ?? '', /application\/json/);
  });
});
