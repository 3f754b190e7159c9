/**
 * The small parts the pages rely on: number formats (NaN and Infinity as
 * such), HTML escaping, the JSON block a page script reads, the colour bins
 * of the map, and the cache that computes an answer once per store change.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VersionedCache } from '../../dashboard/cache.ts';
import { echo } from '../../dashboard/errors.ts';
import {
  formatCount,
  formatCountOf,
  formatDuration,
  formatMetric,
  formatPercent,
} from '../../dashboard/format.ts';
import { Html, html } from '../../dashboard/html.ts';
import { heatClass } from '../../dashboard/pages/failure-map-page.ts';
import { queueBadge } from '../../dashboard/pages/layout.ts';
import { jsonBlock } from '../../dashboard/pages/run-page.ts';

describe('formats', () => {
  test('metrics show NaN, Infinity and missing distinctly', () => {
    assert.equal(formatMetric(Number.NaN), 'NaN');
    assert.equal(formatMetric(Number.POSITIVE_INFINITY), 'Infinity');
    assert.equal(formatMetric(Number.NEGATIVE_INFINITY), '-Infinity');
    assert.equal(formatMetric(null), '—');
    assert.equal(formatMetric(0), '0');
    assert.equal(formatMetric(3000), '3000');
    assert.equal(formatMetric(0.012158389), '0.01216');
    assert.equal(formatMetric(5.5827e-4), '5.583e-4');
    assert.equal(formatMetric(1e-4), '1e-4');
    assert.equal(formatMetric(-2.4674011), '-2.467');
    assert.equal(formatMetric(15_000_000), '15000000');
    assert.equal(formatMetric(12_345_678.9), '1.235e+7');
  });

  test('counts, rates and durations read naturally', () => {
    assert.equal(formatCount(0), '0');
    assert.equal(formatCount(1234567), '1,234,567');
    assert.equal(formatPercent(null), '—');
    assert.equal(formatPercent(0), '0%');
    assert.equal(formatPercent(0.004), '<1%');
    assert.equal(formatPercent(0.996), '>99%');
    assert.equal(formatPercent(1), '100%');
    assert.equal(formatDuration(350), '350 ms');
    assert.equal(formatDuration(65_000), '1 min 5 s');
    assert.equal(formatDuration(3_723_000), '1 h 2 min');
    assert.equal(formatDuration(null), '—');
  });

  test('a count agrees with its noun, also in the queue badge', () => {
    assert.equal(formatCountOf(1, 'worker'), '1 worker');
    assert.equal(formatCountOf(0, 'worker'), '0 workers');
    assert.equal(formatCountOf(1200, 'run'), '1,200 runs');
    assert.equal(formatCountOf(2, 'query', 'queries'), '2 queries');
    const counts = {
      waiting: 3,
      active: 1,
      delayed: 0,
      failed: 0,
      unrecorded: 0,
      workers: 1,
    };
    const badge = queueBadge({
      mode: 'redis',
      url: 'redis://127.0.0.1:6379',
      reachable: true,
      counts,
      checkedAt: 0,
    }).text.replace(/\s+/g, ' ');
    assert.match(badge, /Redis: 3 waiting · 1 active · 1 worker</);
  });

  test('failure rates fall in six bins plus "no finished runs"', () => {
    assert.equal(heatClass(null), 'heat-none');
    assert.equal(heatClass(0), 'heat-0');
    assert.equal(heatClass(0.001), 'heat-1');
    assert.equal(heatClass(0.2), 'heat-1');
    assert.equal(heatClass(0.2000001), 'heat-2');
    assert.equal(heatClass(0.6), 'heat-3');
    assert.equal(heatClass(0.81), 'heat-5');
    assert.equal(heatClass(1), 'heat-5');
  });
});

describe('echo of a refused value', () => {
  test('a value reads as JSON.stringify writes it, cut at 200 characters', () => {
    const values: unknown[] = [
      42,
      -0,
      Number.NaN,
      null,
      true,
      ['a', 1, null, undefined, [], {}],
      { sql: 'SELECT "x"', n: [1, { y: undefined }], z: () => 1 },
      { when: new Date(0) },
    ];
    for (const value of values) {
      assert.equal(echo(value), JSON.stringify(value), String(value));
    }
    assert.equal(echo('plain text'), 'plain text');
    assert.equal(echo(undefined), 'undefined');
    const long = Array.from({ length: 100 }, (_, i) => i);
    const text = JSON.stringify(long);
    assert.equal(
      echo(long),
      `${text.slice(0, 200)}… (${text.length} characters)`,
    );
  });

  test('a value nested 100,000 deep is echoed, not a stack overflow', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const shown = echo(deep);
    assert.ok(shown.startsWith('{"a":{"a":'));
    assert.match(shown, /… \(\d+ characters\)$/);
    const arrays = JSON.parse(`${'['.repeat(30_000)}${']'.repeat(30_000)}`);
    assert.equal(echo(arrays), `${'['.repeat(200)}… (60000 characters)`);
  });
});

describe('html', () => {
  test('interpolated text is escaped, Html and lists are kept', () => {
    const name = `<b onclick="x">'&'</b>`;
    const out = html`<p title="${name}">${name}${[html`<i>${'<'}</i>`, 1]}${null}</p>`;
    assert.equal(
      out.text,
      '<p title="&lt;b onclick=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;">' +
        '&lt;b onclick=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;<i>&lt;</i>1</p>',
    );
    assert.equal(html`${new Html('<br>')}`.text, '<br>');
  });

  test('a JSON block cannot be closed by its data and reads back exactly', () => {
    const value = {
      text: '</script><script>alert(1)</script>\u2028&',
      nan: Number.NaN,
      inf: Number.NEGATIVE_INFINITY,
    };
    const block = jsonBlock('data', value).text;
    const inner = block.slice(block.indexOf('>') + 1, block.lastIndexOf('<'));
    assert.doesNotMatch(inner, /[<>&\u2028]/);
    assert.deepEqual(JSON.parse(inner), {
      text: value.text,
      nan: 'NaN',
      inf: '-Infinity',
    });
  });
});

describe('versioned cache', () => {
  test('concurrent requests share one computation per version', async () => {
    const cache = new VersionedCache<number>();
    let calls = 0;
    const compute = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return calls;
    };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => cache.get('k', 1, compute)),
    );
    assert.deepEqual(new Set(answers), new Set([1]));
    assert.equal(await cache.get('k', 1, compute), 1);
    assert.equal(
      await cache.get('k', 2, compute),
      2,
      'a new version recomputes',
    );
    assert.equal(calls, 2);
  });

  test('a failed computation is not kept', async () => {
    const cache = new VersionedCache<number>();
    await assert.rejects(
      cache.get('k', 1, async () => {
        throw new Error('locked');
      }),
    );
    assert.equal(await cache.get('k', 1, async () => 7), 7);
  });

  test('an old answer is served while a fresh one is computed', async () => {
    const cache = new VersionedCache<string>();
    const now = { maxAgeMs: 0 };
    assert.equal(await cache.get('k', 1, async () => 'old', now), 'old');
    let release = () => {};
    const slow = new Promise<string>((resolve) => {
      release = () => resolve('new');
    });
    await new Promise((r) => setTimeout(r, 2));
    assert.equal(await cache.get('k', 1, () => slow, now), 'old');
    release();
    await slow;
    await new Promise((r) => setImmediate(r));
    assert.equal(await cache.get('k', 1, async () => 'newer'), 'new');
  });

  test('after a change, a recent answer is served while the new one is computed', async () => {
    const cache = new VersionedCache<string>();
    const recent = { staleMs: 60_000 };
    assert.equal(await cache.get('k', 1, async () => 'v1', recent), 'v1');
    assert.equal(await cache.get('k', 2, async () => 'v2', recent), 'v1');
    await new Promise((r) => setImmediate(r));
    assert.equal(await cache.get('k', 2, async () => 'v2 again'), 'v2');
    // Without staleMs a change is always waited for.
    assert.equal(await cache.get('k', 3, async () => 'v3'), 'v3');
  });

  test('it keeps at most its capacity, dropping the least recently used', async () => {
    const cache = new VersionedCache<number>(2);
    await cache.get('a', 1, async () => 1);
    await cache.get('b', 1, async () => 2);
    await cache.get('a', 1, async () => -1);
    await cache.get('c', 1, async () => 3);
    assert.equal(cache.size, 2);
    assert.equal(await cache.get('a', 1, async () => -1), 1, 'a was used');
    assert.equal(await cache.get('b', 1, async () => 20), 20, 'b was dropped');
  });
});
