/**
 * Access: loopback by default (and only for loopback host names), a token
 * for anything else, checked on pages, API, live stream and static files;
 * security headers on every answer.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkAccess } from '../../dashboard/server.ts';
import { runSweep } from '../support/processes.ts';
import { type Harness, rawGet, startHarness } from './harness.ts';

const TOKEN = 'k3Jx9-ad81bc7e0f4a5d92e';

const PROTECTED = [
  '/',
  '/sweeps/study',
  '/console',
  '/api/sweeps',
  '/api/sweeps/study/failure-map',
  '/api/events',
  '/api/query?sql=SELECT%201',
  '/static/style.css',
  '/static/vendor/uPlot.iife.min.js',
];

describe('with a token', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ name: 'study', runs: 60 }, { token: TOKEN });
  });
  after(async () => {
    await h.close();
  });

  test('every route refuses a request without the token', async () => {
    for (const path of PROTECTED) {
      const reply = await h.fetch(path);
      assert.equal(reply.status, 401, path);
      assert.match(
        reply.headers.get('www-authenticate') ?? '',
        /^Bearer/,
        path,
      );
      assert.doesNotMatch(reply.text, /sweeps\.sqlite|study/, path);
    }
  });

  test('a wrong token is refused, in any form', async () => {
    const wrong = `${TOKEN.slice(0, -1)}x`;
    const forms: RequestInit[] = [
      { headers: { authorization: `Bearer ${wrong}` } },
      { headers: { cookie: `pinn_sweep_token=${wrong}` } },
      { headers: { authorization: `Bearer ${TOKEN.slice(0, 8)}` } },
      { headers: { authorization: `Basic ${TOKEN}` } },
    ];
    for (const init of forms) {
      const reply = await h.fetch('/api/sweeps', init);
      assert.equal(reply.status, 401, JSON.stringify(init.headers));
    }
    const query = await h.fetch(`/api/sweeps?token=${wrong}`);
    assert.equal(query.status, 401);
    assert.match(query.text, /token is wrong/);
  });

  test('the Bearer header opens every route', async () => {
    for (const path of PROTECTED.filter((p) => p !== '/api/events')) {
      const reply = await h.fetch(path, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(reply.status, 200, path);
    }
  });

  test('?token= once sets a cookie and leaves the token out of the URL', async () => {
    const reply = await h.fetch(`/sweeps/study?x=width&token=${TOKEN}`);
    assert.equal(reply.status, 303);
    assert.equal(reply.headers.get('location'), '/sweeps/study?x=width');
    const cookie = reply.headers.get('set-cookie') ?? '';
    assert.match(cookie, /pinn_sweep_token=/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    const pair = cookie.split(';')[0];
    const next = await h.fetch('/sweeps/study?x=width', {
      headers: { cookie: pair },
    });
    assert.equal(next.status, 200);
    assert.match(next.text, /Failure map/);
  });

  test('the live stream needs the token too', async () => {
    const controller = new AbortController();
    const url = `${h.dashboard.url}api/events`;
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    controller.abort();
  });
});

describe('without a token', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ name: 'study', runs: 60 });
  });
  after(async () => {
    await h.close();
  });

  test('requests naming a loopback host are served', async () => {
    const base = h.dashboard.url;
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      const reply = await rawGet(`${base}api/sweeps`, {
        host: `${host}:${h.dashboard.port}`,
      });
      assert.equal(reply.status, 200, host);
    }
  });

  test('requests naming another host are refused (DNS rebinding)', async () => {
    const reply = await rawGet(`${h.dashboard.url}api/sweeps`, {
      host: `evil.example:${h.dashboard.port}`,
    });
    assert.equal(reply.status, 403);
    assert.match(reply.text, /answers only to 127\.0\.0\.1/);
  });

  test('every answer carries the security headers', async () => {
    for (const path of ['/', '/api/sweeps', '/static/style.css', '/nope']) {
      const reply = await h.fetch(path);
      const csp = reply.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/, path);
      assert.match(csp, /script-src 'self'/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
      assert.equal(reply.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(reply.headers.get('x-frame-options'), 'DENY');
      assert.equal(reply.headers.get('x-powered-by'), null);
    }
  });

  test('pages hold no inline script or style', async () => {
    const reply = await h.fetch('/sweeps/study');
    assert.doesNotMatch(
      reply.text,
      /<script(?![^>]*\bsrc=)(?![^>]*application\/json)/,
    );
    assert.doesNotMatch(reply.text, /\sstyle=|<style/);
    assert.doesNotMatch(reply.text, /\son[a-z]+=/i);
  });
});

describe('binding', () => {
  test('any address but loopback needs a token of 16+ characters', () => {
    assert.doesNotThrow(() => checkAccess('127.0.0.1', undefined));
    assert.doesNotThrow(() => checkAccess('::1', undefined));
    assert.throws(() => checkAccess('0.0.0.0', undefined), /needs a token/);
    assert.throws(() => checkAccess('192.168.1.5', undefined), /needs a token/);
    assert.throws(() => checkAccess('0.0.0.0', 'short'), /at least 16/);
    assert.throws(
      () => checkAccess('0.0.0.0', 'has spaces in it ok?'),
      /at least 16/,
    );
    assert.doesNotThrow(() => checkAccess('0.0.0.0', TOKEN));
  });

  test('sweep dashboard refuses to start beyond loopback without a token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinn-dashboard-cli-'));
    const db = join(dir, 'none.sqlite');
    try {
      const result = await runSweep(
        ['dashboard', '--db', db, '--host', '0.0.0.0', '--port', '0'],
        { env: { SWEEP_DASHBOARD_TOKEN: undefined } },
      );
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /needs a token/);
      assert.equal(existsSync(db), false, 'nothing was created');
      const short = await runSweep(
        ['dashboard', '--db', db, '--host', '0.0.0.0', '--token', 'abc'],
        { env: { SWEEP_DASHBOARD_TOKEN: undefined } },
      );
      assert.equal(short.code, 2, short.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
