/**
 * Malformed and hostile requests: each gets a 4xx with a JSON error naming
 * the parameter, the value and what is allowed — never a 500, never a
 * stack trace — and nothing in the store changes.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import sqlite3 from 'sqlite3';
import { type Harness, startHarness } from './harness.ts';

type ErrorJson = {
  error: {
    status: number;
    message: string;
    parameter?: string;
    value?: string;
    allowed?: string[] | string;
  };
};

/** Counts of every table, to prove nothing was written. */
function snapshot(dbPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(dbPath, sqlite3.OPEN_READONLY);
    db.all(
      `SELECT (SELECT count(*) FROM sweeps) AS s, (SELECT count(*) FROM runs) AS r,
        (SELECT count(*) FROM metrics) AS m, (SELECT count(*) FROM attempts) AS a,
        (SELECT count(*) FROM curves) AS c,
        (SELECT group_concat(status) FROM (SELECT status FROM runs ORDER BY idx)) AS st`,
      (error, rows) => {
        db.close();
        if (error) reject(error);
        else resolve(JSON.stringify(rows));
      },
    );
  });
}

describe('hostile input', () => {
  let h: Harness;
  let before0: string;

  before(async () => {
    h = await startHarness({ name: 'study', runs: 720 });
    before0 = await snapshot(h.dbPath);
  });
  after(async () => {
    assert.equal(await snapshot(h.dbPath), before0, 'the store is unchanged');
    assert.deepEqual(h.errors, [], 'no request reached the 500 handler');
    await h.close();
  });

  /** Requests `path` and checks the shape of the error it must get. */
  async function refused(
    path: string,
    expect: { status?: number; parameter?: string; message?: RegExp },
    init?: RequestInit,
  ): Promise<ErrorJson> {
    const reply = await h.fetch(path, init);
    assert.equal(reply.status, expect.status ?? 400, `${path}: ${reply.text}`);
    assert.match(reply.headers.get('content-type') ?? '', /application\/json/);
    assert.doesNotMatch(reply.text, /\n\s+at |\.ts:\d+|node_modules/);
    const body = reply.json() as ErrorJson;
    assert.equal(body.error.status, reply.status);
    if (expect.parameter) assert.equal(body.error.parameter, expect.parameter);
    if (expect.message) assert.match(body.error.message, expect.message);
    return body;
  }

  test('a malformed sweep name is a 400, an unknown one a 404 naming the known', async () => {
    await refused('/api/sweeps/bad%20name/failure-map', {
      parameter: 'sweep',
    });
    await refused('/api/sweeps/%3Cscript%3E/runs', { parameter: 'sweep' });
    const body = await refused('/api/sweeps/nope/failure-map', {
      status: 404,
      parameter: 'sweep',
    });
    assert.deepEqual(body.error.allowed, ['study']);
    await refused('/api/sweeps/nope', { status: 404, parameter: 'sweep' });
  });

  test('an axis must be a setting, and the two axes must differ', async () => {
    const body = await refused('/api/sweeps/study/failure-map?x=config_json', {
      parameter: 'x',
    });
    assert.ok(Array.isArray(body.error.allowed));
    assert.ok((body.error.allowed as string[]).includes('activation'));
    await refused('/api/sweeps/study/failure-map?y=status', {
      parameter: 'y',
    });
    await refused(
      '/api/sweeps/study/failure-map?x=activation;DROP%20TABLE%20runs',
      { parameter: 'x' },
    );
    await refused('/api/sweeps/study/failure-map?x=width&y=width', {
      parameter: 'y',
    });
    await refused('/api/sweeps/study/failure-map?x=width&x=lr', {
      parameter: 'x',
      message: /more than once/,
    });
  });

  test('limits and offsets are bounded integers', async () => {
    const runs = '/api/sweeps/study/runs';
    await refused(`${runs}?limit=100000`, { parameter: 'limit' });
    await refused(`${runs}?limit=0`, { parameter: 'limit' });
    await refused(`${runs}?limit=ten`, { parameter: 'limit' });
    await refused(`${runs}?limit=1e3`, { parameter: 'limit' });
    await refused(`${runs}?offset=-1`, { parameter: 'offset' });
    await refused(`${runs}?offset=100000001`, { parameter: 'offset' });
    await refused(`${runs}?offset=99999999999999999999`, {
      parameter: 'offset',
    });
    await refused(`${runs}?after=x`, { parameter: 'after' });
    await refused(`${runs}?sort=rel_l2&after=3`, { parameter: 'after' });
  });

  test('sort, order and state are allow-listed', async () => {
    const runs = '/api/sweeps/study/runs';
    await refused(`${runs}?sort=config_json`, { parameter: 'sort' });
    await refused(`${runs}?sort=rel_l2%20DESC;--`, { parameter: 'sort' });
    await refused(`${runs}?order=sideways`, { parameter: 'order' });
    await refused(`${runs}?status=exploded`, { parameter: 'status' });
  });

  test('filters name a setting and values the sweep has', async () => {
    const map = '/api/sweeps/study/failure-map';
    const body = await refused(`${map}?filter.colour=red`, {
      parameter: 'filter.colour',
    });
    assert.ok((body.error.allowed as string[]).includes('filter.width'));
    const value = await refused(`${map}?filter.width=25`, {
      parameter: 'filter.width',
    });
    assert.deepEqual(value.error.allowed, ['10', '20', '40']);
    await refused(`${map}?filter.activation=gelu`, {
      parameter: 'filter.activation',
    });
    // An empty value would otherwise read as "all" and hide a typo.
    await refused(`${map}?filter.activation=`, {
      parameter: 'filter.activation',
      message: /at least one value/,
    });
    await refused('/api/sweeps/study/runs?status=', { parameter: 'status' });
  });

  test('SQL injection in filter values is only ever a value', async () => {
    const map = '/api/sweeps/study/failure-map';
    const attempts = [
      "filter.activation=relu' OR '1'='1",
      'filter.activation=relu%27%29%3B%20DROP%20TABLE%20runs%3B--',
      'filter.width=10 OR 1=1',
      'filter.width=10)%20OR%20(1=1',
      'filter.lr=0.01;DELETE FROM metrics',
      'filter.seed=0%20UNION%20SELECT%20*%20FROM%20sweeps',
    ];
    for (const q of attempts) {
      const body = await refused(`${map}?${q}`, {});
      assert.match(body.error.parameter ?? '', /^filter\./);
    }
    await refused(
      "/api/sweeps/study/runs?filter.gradient=autodiff'--&status=done",
      { parameter: 'filter.gradient' },
    );
  });

  test('unknown and repeated parameters are refused', async () => {
    await refused('/api/sweeps/study/failure-map?xaxis=width', {
      parameter: 'xaxis',
      message: /unknown parameter/,
    });
    await refused('/api/sweeps?debug=1', { parameter: 'debug' });
    await refused('/api/runs/0123456789abcdef?verbose=1', {
      parameter: 'verbose',
    });
  });

  test('run ids must be 16 hex digits; unknown ones are a 404', async () => {
    await refused('/api/runs/..%2F..%2Fetc%2Fpasswd', { parameter: 'run' });
    await refused("/api/runs/0123456789abcdef'", { parameter: 'run' });
    await refused('/api/runs/0123456789ABCDEF', { parameter: 'run' });
    await refused('/api/runs/0123456789abcdef', {
      status: 404,
      parameter: 'run',
    });
    await refused('/api/compare?a=0123456789abcdef', { parameter: 'b' });
    await refused('/api/compare?a=nothex&b=0123456789abcdef', {
      parameter: 'a',
    });
  });

  test('the console refuses statements that write, attach, set pragmas or load code', async () => {
    const hostile = [
      'DELETE FROM runs',
      'UPDATE runs SET status = "done"',
      'DROP TABLE metrics',
      'INSERT INTO sweeps (name) VALUES (1)',
      "ATTACH DATABASE '/tmp/x.sqlite' AS x",
      'PRAGMA query_only = 0',
      'PRAGMA journal_mode = DELETE',
      "SELECT load_extension('/tmp/evil.so')",
      'SELECT 1; DELETE FROM runs',
      'VACUUM',
      "SELECT writefile('/tmp/x', 'y')",
      'CREATE TEMP TABLE t (x)',
      '',
    ];
    for (const sql of hostile) {
      const body = await refused(
        `/api/query?sql=${encodeURIComponent(sql)}`,
        {},
      );
      assert.ok(body.error.message.length > 10, body.error.message);
    }
    const post = await h.fetch('/api/query', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'DELETE FROM runs' }),
    });
    assert.equal(post.status, 400);
  });

  test('the console stops a query at its time limit', async () => {
    // Counts to 10^12 without producing a row: only the time limit ends it.
    const sql =
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n ' +
      'WHERE i < 1000000000000) SELECT count(*) FROM n';
    const started = Date.now();
    const body = await refused(`/api/query?sql=${encodeURIComponent(sql)}`, {
      message:
        /time limit of 5,000 ms; narrow it \(WHERE, LIMIT\), or run it in a shell with `sweep query --timeout-ms N --db STORE`/,
    });
    assert.doesNotMatch(body.error.message, /raise/);
    assert.ok(body);
    // Default limit 5 s, plus slack for a loaded machine.
    assert.ok(Date.now() - started < 15_000);
  });

  test('a too long statement comes back in the console box with the reason', async () => {
    const sql = `SELECT 1 AS keep_me -- ${'x'.repeat(20_100)}`;
    const reply = await h.fetch('/console', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ sql }).toString(),
    });
    assert.equal(reply.status, 400);
    assert.match(reply.headers.get('content-type') ?? '', /text\/html/);
    assert.match(reply.text, /<textarea[^>]*>SELECT 1 AS keep_me -- x{100}/);
    assert.match(reply.text, /too long; allowed: at most 20000 characters/);
  });

  test('malformed bodies and too long SQL are 4xx', async () => {
    const bad = await refused(
      '/api/query',
      { message: /not valid JSON/ },
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"sql": ',
      },
    );
    assert.ok(bad);
    await refused(
      '/api/query',
      { parameter: 'sql', message: /not a text/ },
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sql: 42 }),
      },
    );
    await refused(
      '/api/query',
      { parameter: 'sql', message: /missing/ },
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({}),
      },
    );
    await refused(
      '/api/query',
      { parameter: 'body' },
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '[1, 2]',
      },
    );
    await refused(
      '/api/query',
      { parameter: 'sql', message: /too long; allowed: at most 20000/ },
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sql: `SELECT '${'x'.repeat(20_000)}'` }),
      },
    );
    // Node itself refuses a URL past its 16 kB header limit.
    const long = await h.fetch(`/api/query?sql=${'x'.repeat(20_001)}`);
    assert.equal(long.status, 431);
    const large = await h.fetch('/api/query', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: `SELECT '${'x'.repeat(70_000)}'` }),
    });
    assert.equal(large.status, 413);
  });

  test('a body nested thousands deep is a 400 naming the parameter', async () => {
    const post = (body: string) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const arrays = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    const body = await refused(
      '/api/query',
      { parameter: 'body', message: /a JSON object/ },
      post(arrays),
    );
    assert.match(body.error.value ?? '', /^\[{200}… \(60000 characters\)$/);
    const objects = `{"sql":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
    await refused(
      '/api/query',
      { parameter: 'sql', message: /not a text; allowed: one SELECT/ },
      post(objects),
    );
    const field = `{"x":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    await refused(
      '/api/query.csv',
      { parameter: 'x', message: /unknown parameter; allowed: sql/ },
      post(field),
    );
  });

  /**
   * Sends `head` and `body` on a raw socket; resolves everything the
   * server sent once it closes the connection, or what came within
   * `waitMs` if it does not.
   */
  function rawExchange(
    head: string,
    body: string,
    waitMs: number,
  ): Promise<{ text: string; closed: boolean }> {
    return new Promise((resolve, reject) => {
      const socket = connect(h.dashboard.port, '127.0.0.1');
      let text = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ text, closed: false });
      }, waitMs);
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        text += chunk;
      });
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ text, closed: true });
      });
      socket.on('error', reject);
      socket.write(`${head}\r\n\r\n${body}`);
    });
  }

  test('a body declared larger than allowed is a 413 at once, without waiting for it', async () => {
    const port = h.dashboard.port;
    for (const [path, type, body, limit] of [
      ['/api/query', 'application/json', '{"sql":"SELECT 1"}', '64'],
      ['/api/query.csv', 'application/x-www-form-urlencoded', 'sql=1', '\\d+'],
      ['/console', 'application/x-www-form-urlencoded', 'sql=1', '\\d+'],
    ]) {
      const head = [
        `POST ${path} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        `Content-Type: ${type}`,
        'Accept: application/json',
        'Content-Length: 999999999999',
      ].join('\r\n');
      const started = Date.now();
      const { text, closed } = await rawExchange(head, body, 5_000);
      assert.match(text, /^HTTP\/1\.1 413 /, `${path}: ${text}`);
      assert.match(text, /^connection: close$/im);
      assert.match(
        text,
        new RegExp(`request body is too large \\(at most ${limit} kB\\)`),
      );
      assert.ok(closed, `${path}: the server closes the connection`);
      assert.ok(Date.now() - started < 5_000);
    }
    // Refused before its body is read for another reason, a request that
    // declared a body gets its answer and the connection is closed.
    for (const [method, path, status] of [
      ['PUT', '/api/query', 405],
      ['POST', '/api/query?nope=1', 400],
      ['POST', '/api/nothing', 404],
    ] as const) {
      const started = Date.now();
      const { text, closed } = await rawExchange(
        [
          `${method} ${path} HTTP/1.1`,
          `Host: 127.0.0.1:${port}`,
          'Content-Type: text/plain',
          'Content-Length: 999999999999',
        ].join('\r\n'),
        'x',
        5_000,
      );
      assert.match(text, new RegExp(`^HTTP/1\\.1 ${status} `), text);
      assert.ok(closed, `${method} ${path}: the server closes the connection`);
      assert.ok(Date.now() - started < 5_000);
    }
    // A declared length within the limit is still read and answered.
    const sql = '{"sql":"SELECT 1 AS one"}';
    const { text } = await rawExchange(
      [
        'POST /api/query HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Content-Type: application/json',
        'Connection: close',
        `Content-Length: ${sql.length}`,
      ].join('\r\n'),
      sql,
      5_000,
    );
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.match(text, /"rows":\[\[1\]\]/);
  });

  test('a method a path does not take is a 405 listing those it takes', async () => {
    const cases: [string, string, string][] = [
      ['PUT', '/api/query', 'GET, HEAD, POST'],
      ['DELETE', '/api/query.csv', 'GET, HEAD, POST'],
      ['OPTIONS', '/api/query', 'GET, HEAD, POST'],
      ['DELETE', '/api/sweeps/study', 'GET, HEAD'],
      ['POST', '/api/sweeps', 'GET, HEAD'],
      ['PATCH', '/api/runs/0123456789abcdef', 'GET, HEAD'],
      ['POST', '/api/sweeps/no-such-sweep/runs', 'GET, HEAD'],
      ['PUT', '/console', 'GET, HEAD, POST'],
    ];
    for (const [method, path, allow] of cases) {
      const reply = await h.fetch(path, { method });
      assert.equal(reply.status, 405, `${method} ${path}: ${reply.text}`);
      assert.equal(reply.headers.get('allow'), allow, `${method} ${path}`);
      if (!path.startsWith('/api/')) continue;
      const body = reply.json() as ErrorJson;
      assert.equal(body.error.parameter, 'method');
      assert.equal(body.error.value, method);
      assert.deepEqual(body.error.allowed, allow.split(', '));
      assert.match(body.error.message, new RegExp(`${path} does not take it`));
    }
    const page = await h.fetch('/runs/0123456789abcdef', {
      method: 'DELETE',
      headers: { accept: 'text/html' },
    });
    assert.equal(page.status, 405);
    assert.match(page.text, /Method not allowed/);
    // A path no route has stays a 404, whatever the method.
    await refused('/api/nothing', { status: 404 }, { method: 'PUT' });
  });

  test('paths outside the routes are 404, also with traversal tricks', async () => {
    await refused('/api/nothing', { status: 404 });
    for (const path of [
      '/static/..%2F..%2Fpackage.json',
      '/static/%2e%2e/app.ts',
      '/static/../server.ts',
      '/static/..%5Capp.ts',
      '/static/vendor/../../node_modules/uplot/package.json',
    ]) {
      const reply = await h.fetch(path);
      assert.equal(reply.status, 404, path);
      assert.doesNotMatch(reply.text, /import |"dependencies"/);
    }
    const page = await h.fetch('/no/such/page', {
      headers: { accept: 'text/html' },
    });
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const badEncoding = await h.fetch('/api/runs/%E0%A4%A', {});
    assert.equal(badEncoding.status, 400);
  });

  test('pages answer bad input with an HTML 400 that names the parameter', async () => {
    const reply = await h.fetch(
      '/sweeps/study?x=%3Cscript%3Ealert(1)%3C/script%3E',
      { headers: { accept: 'text/html' } },
    );
    assert.equal(reply.status, 400);
    assert.match(reply.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(reply.text, /<script>alert/);
  });
});
