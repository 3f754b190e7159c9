/**
 * Requests another web site makes a browser send: a POST (or any method
 * but GET and HEAD) must come from the dashboard's own origin, and a GET
 * that runs SQL must not be a cross-site subresource (an image, a script).
 * Requests from the dashboard's own pages, and from scripts that send no
 * such headers, still pass, with or without a token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Harness,
  type RawReply,
  rawRequest,
  startHarness,
} from './harness.ts';

const TOKEN = 'k3Jx9-ad81bc7e0f4a5d92e';
const JSON_TYPE = { 'content-type': 'application/json' };
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };
const QUERY = JSON.stringify({ sql: 'SELECT count(*) AS n FROM runs' });
const FORM = `sql=${encodeURIComponent('SELECT count(*) AS n FROM runs')}`;

type ErrorJson = {
  error: { status: number; message: string; parameter?: string };
};

/** Checks a 403 JSON refusal naming `parameter`. */
function refusedJson(reply: RawReply, parameter: string, message: RegExp) {
  assert.equal(reply.status, 403, reply.text);
  assert.match(String(reply.headers['content-type']), /application\/json/);
  const body = JSON.parse(reply.text) as ErrorJson;
  assert.equal(body.error.status, 403);
  assert.equal(body.error.parameter, parameter);
  assert.match(body.error.message, message);
}

describe('requests from other sites, without a token', () => {
  let h: Harness;
  let own: string;
  let url: (path: string) => string;
  before(async () => {
    h = await startHarness({ name: 'study', runs: 60 });
    own = `http://127.0.0.1:${h.dashboard.port}`;
    url = (path) => `${own}${path}`;
  });
  after(async () => {
    assert.deepEqual(h.errors, []);
    await h.close();
  });

  test('a POST from another origin, even another port of 127.0.0.1, is a 403', async () => {
    const otherPort = `http://127.0.0.1:${h.dashboard.port + 1}`;
    for (const origin of [
      otherPort,
      'http://evil.example',
      'https://127.0.0.1',
    ]) {
      const reply = await rawRequest(
        url('/api/query'),
        'POST',
        { ...JSON_TYPE, origin },
        QUERY,
      );
      refusedJson(reply, 'Origin', /another site sent this request/);
      assert.ok(JSON.parse(reply.text).error.allowed.includes(own));
    }
    const csv = await rawRequest(
      url('/api/query.csv'),
      'POST',
      { ...FORM_TYPE, origin: 'http://evil.example' },
      FORM,
    );
    refusedJson(csv, 'Origin', /another site/);
  });

  test('Origin: null is refused', async () => {
    const reply = await rawRequest(
      url('/api/query'),
      'POST',
      { ...JSON_TYPE, origin: 'null' },
      QUERY,
    );
    refusedJson(reply, 'Origin', /hides its origin/);
  });

  test('without Origin, Sec-Fetch-Site cross-site or same-site is refused', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const reply = await rawRequest(
        url('/api/query.csv'),
        'POST',
        { ...FORM_TYPE, 'sec-fetch-site': site },
        FORM,
      );
      refusedJson(reply, 'Sec-Fetch-Site', /another site/);
    }
  });

  test('a form posted from another site gets an HTML page saying so', async () => {
    const reply = await rawRequest(
      url('/console'),
      'POST',
      {
        ...FORM_TYPE,
        accept: 'text/html',
        origin: 'http://evil.example',
        'sec-fetch-site': 'cross-site',
      },
      FORM,
    );
    assert.equal(reply.status, 403);
    assert.match(String(reply.headers['content-type']), /text\/html/);
    assert.match(reply.text, /Refused: sent by another site/);
    assert.match(reply.text, /evil\.example/);
  });

  test('requests from the dashboard itself, or from no browser, pass', async () => {
    const fromPage = { origin: own, 'sec-fetch-site': 'same-origin' };
    const json = await rawRequest(
      url('/api/query'),
      'POST',
      { ...JSON_TYPE, ...fromPage },
      QUERY,
    );
    assert.equal(json.status, 200, json.text);
    assert.deepEqual(JSON.parse(json.text).rows, [[60]]);
    const csv = await rawRequest(
      url('/api/query.csv'),
      'POST',
      { ...FORM_TYPE, ...fromPage },
      FORM,
    );
    assert.equal(csv.status, 200, csv.text);
    assert.equal(csv.text, 'n\r\n60\r\n');
    const page = await rawRequest(
      url('/console'),
      'POST',
      { ...FORM_TYPE, ...fromPage, accept: 'text/html' },
      FORM,
    );
    assert.equal(page.status, 200);
    // Host and Origin compare without regard to case.
    const upper = await rawRequest(
      url('/api/query'),
      'POST',
      { ...JSON_TYPE, origin: own.toUpperCase().replace('HTTP', 'http') },
      QUERY,
    );
    assert.equal(upper.status, 200, upper.text);
    const script = await rawRequest(
      url('/api/query'),
      'POST',
      JSON_TYPE,
      QUERY,
    );
    assert.equal(script.status, 200, script.text);
    const typed = await rawRequest(
      url('/api/query'),
      'POST',
      { ...JSON_TYPE, 'sec-fetch-site': 'none' },
      QUERY,
    );
    assert.equal(typed.status, 200, typed.text);
  });

  test('the pages keep their referrer to themselves, so forms carry their origin', async () => {
    const reply = await h.fetch('/console');
    assert.equal(reply.headers.get('referrer-policy'), 'same-origin');
  });

  test('a GET that runs SQL is refused as another site’s image, served as a followed link', async () => {
    const sql = encodeURIComponent('SELECT 1 AS one');
    for (const path of [
      `/api/query?sql=${sql}`,
      `/api/query.csv?sql=${sql}`,
      `/console?sql=${sql}`,
    ]) {
      for (const site of ['cross-site', 'same-site']) {
        const image = await rawRequest(url(path), 'GET', {
          'sec-fetch-site': site,
          'sec-fetch-mode': 'no-cors',
          'sec-fetch-dest': 'image',
        });
        if (path.startsWith('/api/')) {
          refusedJson(image, 'Sec-Fetch-Site', /another site/);
        } else {
          assert.equal(image.status, 403, `${path} as an image`);
        }
        const frame = await rawRequest(url(path), 'GET', {
          'sec-fetch-site': site,
          'sec-fetch-mode': 'navigate',
          'sec-fetch-dest': 'iframe',
        });
        assert.equal(frame.status, 403, `${path} in a frame`);
      }
      const link = await rawRequest(url(path), 'GET', {
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'navigate',
        'sec-fetch-dest': 'document',
      });
      assert.equal(link.status, 200, `${path} as a link: ${link.text}`);
      for (const site of ['same-origin', 'none']) {
        const own = await rawRequest(url(path), 'GET', {
          'sec-fetch-site': site,
          'sec-fetch-mode': 'cors',
          'sec-fetch-dest': 'empty',
        });
        assert.equal(own.status, 200, `${path} ${site}`);
      }
    }
    // Pages that run no SQL may be loaded from anywhere.
    const sweeps = await rawRequest(url('/api/sweeps'), 'GET', {
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'no-cors',
      'sec-fetch-dest': 'image',
    });
    assert.equal(sweeps.status, 200);
  });
});

describe('requests from other sites, with a token', () => {
  let h: Harness;
  let own: string;
  before(async () => {
    h = await startHarness({ name: 'study', runs: 60 }, { token: TOKEN });
    own = `http://127.0.0.1:${h.dashboard.port}`;
  });
  after(async () => {
    assert.deepEqual(h.errors, []);
    await h.close();
  });

  test('the dashboard’s own form posts with the token cookie pass', async () => {
    const reply = await rawRequest(
      `${own}/api/query.csv`,
      'POST',
      {
        ...FORM_TYPE,
        cookie: `pinn_sweep_token=${TOKEN}`,
        origin: own,
        'sec-fetch-site': 'same-origin',
      },
      FORM,
    );
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.text, 'n\r\n60\r\n');
  });

  test('another origin is refused even with the token', async () => {
    const reply = await rawRequest(
      `${own}/api/query`,
      'POST',
      {
        ...JSON_TYPE,
        authorization: `Bearer ${TOKEN}`,
        origin: 'http://evil.example',
      },
      QUERY,
    );
    refusedJson(reply, 'Origin', /another site/);
  });
});
