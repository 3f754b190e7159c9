/**
 * End to end in real headless Chromium: a sweep is recorded by a real
 * `sweep run`, then a person opens the dashboard, sees that ReLU with
 * autodiff fails on the failure map, clicks through to a run and its
 * comparison, and runs a console query. A screenshot of each page goes to
 * test/output/screenshots/ for review.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type Browser,
  chromium,
  type Locator,
  type Page,
} from 'playwright-core';
import sqlite3 from 'sqlite3';
import {
  type RunningDashboard,
  startDashboard,
} from '../../dashboard/server.ts';
import { ROOT, runSweep } from '../support/processes.ts';
import { tempDir } from './harness.ts';

const SHOTS = join(ROOT, 'test', 'output', 'screenshots');

/**
 * Eight real runs, well under a second each. At width 20, 1000 Adam steps
 * of lr 1e-2 on `sine`, ReLU with autodiff stalls at rel_l2 ≈ 1.2e-2 for
 * both seeds while ReLU with analytic reaches ≤ 1.2e-3 and tanh ≤ 9e-4
 * with either method (measured with `sweep train`), so against the default
 * threshold 5e-3 the contrast has a factor of 2.4 to spare on the failing
 * side and 4 on the passing side.
 */
const SPEC = `name: relu-failure
settings:
  problem: sine
  width: 20
  steps: 1000
  lr: 1e-2
grid:
  activation: [relu, tanh]
  gradient: [autodiff, analytic]
seeds: 2
timeout: 2m
`;

/** The text of an element as one line, runs of white space collapsed. */
async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

describe('dashboard in a browser', () => {
  let dir: string;
  let dashboard: RunningDashboard;
  let base: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    dir = tempDir();
    const db = join(dir, 'sweeps.sqlite');
    writeFileSync(join(dir, 'relu-failure.yaml'), SPEC);
    const run = await runSweep(
      ['run', join(dir, 'relu-failure.yaml'), '--db', db, '--threads', '2'],
      { timeoutMs: 180_000 },
    );
    assert.equal(run.code, 0, run.stderr);
    dashboard = await startDashboard({ dbPath: db, port: 0 });
    base = dashboard.url;
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // A CSP violation, a script error or a failed asset shows up here.
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const shot = (name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  /** The text of the file that `click` downloads. */
  const downloaded = async (click: Promise<void>): Promise<string> => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      click,
    ]);
    return readFileSync(await download.path(), 'utf8');
  };

  test('the sweeps page shows the sweep, its progress, and goes live', async () => {
    await page.goto(base);
    const row = page.locator('tr[data-sweep="relu-failure"]');
    await row.waitFor();
    assert.match(await text(row), /finished/);
    assert.match(await text(row), /8 \/ 8 \(100%\)/);
    await page
      .locator('#live-status', { hasText: 'Live: updated' })
      .waitFor({ timeout: 10_000 });
    await shot('sweeps');
  });

  test('the failure map marks ReLU with autodiff as failing', async () => {
    await page.click('a[href="/sweeps/relu-failure"]');
    await page.locator('#heatmap').waitFor();
    const cell = page.locator('td.heat[data-y="relu"][data-x="autodiff"]');
    const seen = await text(cell);
    assert.match(seen, /100%/);
    assert.match(seen, /2 \/ 2 failed/);
    assert.match(seen, /2 inaccurate/);
    assert.equal(await cell.getAttribute('class'), 'heat heat-5');
    // The exact gradient, and tanh with either, never fail.
    for (const [y, x] of [
      ['relu', 'analytic'],
      ['tanh', 'autodiff'],
      ['tanh', 'analytic'],
    ]) {
      const other = page.locator(`td.heat[data-y="${y}"][data-x="${x}"]`);
      assert.equal(await other.getAttribute('data-rate'), '0', `${y} × ${x}`);
      assert.match(await text(other), /^0%/);
    }
    const heading = page.locator('#predictors');
    assert.equal(await heading.isVisible(), true);
    await shot('failure-map');
  });

  test('choosing other axes redraws the map', async () => {
    await page.selectOption('select[name="y"]', 'seed');
    await page.waitForURL(/y=seed/);
    const rows = await page.locator('#heatmap tbody th').allTextContents();
    assert.deepEqual(
      rows.map((r) => r.trim()),
      ['0', '1'],
    );
    await page.check('input[name="filter.activation"][value="relu"]');
    await page.waitForURL(/filter\.activation=relu/);
    assert.match(await text(page.locator('#heatmap caption')), /seed/);
    const autodiff = page.locator('td.heat[data-y="0"][data-x="autodiff"]');
    assert.equal(await autodiff.getAttribute('data-rate'), '1');
    await shot('failure-map-width');
  });

  test('a cell lists its runs, and a run shows its verdict and curves', async () => {
    await page.goto(`${base}sweeps/relu-failure`);
    await page.click('td.heat[data-y="relu"][data-x="autodiff"] a');
    await page.locator('#runs').waitFor();
    const states = await page.locator('#runs tbody .badge').allTextContents();
    assert.ok(states.length > 0);
    assert.ok(
      states.every((s) => s.trim() === 'inaccurate'),
      states.join(),
    );
    await shot('runs');

    await page.locator('#runs tbody a.mono').first().click();
    await page.locator('#verdict').waitFor();
    assert.match(
      await text(page.locator('#verdict')),
      /missed the threshold: rel_l2 = .* > 0\.005/,
    );
    for (const id of ['#chart-loss', '#chart-u', '#chart-err']) {
      await page.locator(`${id} canvas`).first().waitFor();
    }
    assert.match(await text(page.locator('#chart-loss')), /loss/);
    await shot('run');
  });

  test('the analytic twin opens side by side', async () => {
    await page.click('a:has-text("gradient = analytic")');
    await page.locator('table.compare').first().waitFor();
    assert.match(await text(page.locator('.sweep-line')), /differ in gradient/);
    const differs = await page.locator('tr.differs th').allTextContents();
    assert.ok(differs.map((d) => d.trim()).includes('gradient'));
    await page.locator('#chart-loss canvas').first().waitFor();
    await shot('compare');
  });

  test('the console runs a query and offers its CSV', async () => {
    await page.click('nav a:has-text("SQL console")');
    await page.fill(
      '#sql',
      "SELECT activation, gradient, sum(failed) AS failed, count(*) AS runs FROM results WHERE sweep = 'relu-failure' GROUP BY 1, 2 ORDER BY failed DESC",
    );
    await page.click('#run-query');
    await page.locator('#result').waitFor();
    const first = await page
      .locator('#result tbody tr')
      .first()
      .locator('td')
      .allTextContents();
    assert.deepEqual(first.slice(0, 2), ['relu', 'autodiff']);
    assert.match(await text(page.locator('#result-line')), /4 rows/);
    assert.match(page.url(), /\/console\?sql=SELECT/, 'a short one is a GET');
    const csv = await downloaded(page.click('#csv-download'));
    const [header, ...records] = csv.trimEnd().split('\r\n');
    assert.equal(header, 'activation,gradient,failed,runs');
    assert.deepEqual(records.sort(), [
      'relu,analytic,0,2',
      'relu,autodiff,2,2',
      'tanh,analytic,0,2',
      'tanh,autodiff,0,2',
    ]);
    await shot('console');

    await page.click('.examples a >> nth=0');
    await page.locator('#result').waitFor();
    assert.match(await page.inputValue('#sql'), /FROM results/);
  });

  test('a statement too long for a URL runs and downloads too', async () => {
    await page.goto(`${base}console`);
    // About 18,000 characters: past the 16 kB a URL may take, within the
    // console's 20,000.
    const clauses = Array.from(
      { length: 900 },
      (_, i) => `'seed-${String(i).padStart(4, '0')}'`,
    );
    const sql =
      'SELECT activation, count(*) AS runs FROM results WHERE ' +
      `run_id NOT IN (${clauses.join(',\n      ')}) GROUP BY 1 ORDER BY 1`;
    assert.ok(sql.length > 16_384 && sql.length < 20_000, `${sql.length}`);
    await page.fill('#sql', sql);
    await page.click('#run-query');
    await page.locator('#result').waitFor();
    assert.match(await text(page.locator('#result-line')), /2 rows/);
    const csv = await downloaded(page.click('#csv-download'));
    assert.equal(csv, 'activation,runs\r\nrelu,4\r\ntanh,4\r\n');
  });

  test('a refused query says why', async () => {
    await page.goto(`${base}console`);
    await page.fill('#sql', 'DELETE FROM runs');
    await page.click('#run-query');
    const error = page.locator('#query-error');
    await error.waitFor();
    assert.match(await text(error), /refused|read/i);
  });

  test('markup written into the store stays text in the browser', async () => {
    const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    const runId = await new Promise<string>((resolve, reject) => {
      const db = new sqlite3.Database(join(dir, 'sweeps.sqlite'));
      db.get<{ run_id: string }>(
        'SELECT run_id FROM attempts ORDER BY run_id LIMIT 1',
        (error, row) => {
          if (error || !row) return reject(error);
          db.run(
            'UPDATE attempts SET error = ?, worker = ? WHERE run_id = ?',
            [hostile, hostile, row.run_id],
            (e) => db.close(() => (e ? reject(e) : resolve(row.run_id))),
          );
        },
      );
    });
    // The dashboard notices the change within its refresh interval (1 s).
    await new Promise((r) => setTimeout(r, 1200));
    await page.goto(`${base}runs/${runId}`);
    const cell = page.locator('table.attempts td.error').first();
    assert.equal((await cell.textContent())?.trim(), hostile);
    assert.equal(await page.locator('table.attempts img').count(), 0);
  });

  test('a run whose values blew up to 1e283 says its charts are cut, and where', async () => {
    const step: number[] = [];
    const loss: number[] = [];
    for (let i = 0; i < 200; i++) {
      step.push(i * 5);
      loss.push(i < 100 ? 1 - i * 0.005 : 10 ** Math.min(283, (i - 100) * 3));
    }
    const x: number[] = [];
    const u: number[] = [];
    const uStar: number[] = [];
    for (let i = 0; i <= 100; i++) {
      x.push(i / 100);
      uStar.push(Math.sin((Math.PI * i) / 100));
      u.push(i % 2 ? 10 ** (i * 2.8) : -(10 ** (i * 2.5)));
    }
    const runId = await new Promise<string>((resolve, reject) => {
      const db = new sqlite3.Database(join(dir, 'sweeps.sqlite'));
      db.get<{ run_id: string }>(
        'SELECT run_id FROM curves ORDER BY run_id DESC LIMIT 1',
        (error, row) => {
          if (error || !row) return reject(error);
          db.run(
            'UPDATE curves SET loss_json = ?, samples_json = ? WHERE run_id = ?',
            [
              JSON.stringify({ step, loss }),
              JSON.stringify({ x, u, u_star: uStar }),
              row.run_id,
            ],
            (e) => db.close(() => (e ? reject(e) : resolve(row.run_id))),
          );
        },
      );
    });
    await new Promise((r) => setTimeout(r, 1200));
    await page.goto(`${base}runs/${runId}`);
    const notes: Record<string, RegExp> = {
      '#chart-loss': /loss reaches 1\.00e\+283, out of the range/,
      '#chart-u':
        /u reaches -1\.00e\+250 and 1\.58e\+277, .* beyond -1 … 2 are drawn at its edge/,
      '#chart-err': /\|u − u\*\| reaches 1\.58e\+277/,
    };
    for (const [id, note] of Object.entries(notes)) {
      await page.locator(`${id} canvas`).first().waitFor();
      assert.match(await text(page.locator(`${id} .chart-note`)), note);
    }
    // The legend shows the real value where the line is held at the edge.
    const over = page.locator('#chart-u .u-over');
    const box = await over.boundingBox();
    assert.ok(box);
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
    const legend = await page
      .locator('#chart-u .u-legend .u-value')
      .allTextContents();
    assert.ok(
      legend.some((v) => /^-?\d\.\d\de\+\d{3}$/.test(v)),
      legend.join(' | '),
    );
    await shot('run-diverged');
  });

  test('a run whose u is NaN everywhere says so under its charts', async () => {
    // The store writes NaN as the text "NaN" in a curve's JSON.
    const step = Array.from({ length: 200 }, (_, i) => i * 5);
    const loss = step.map((_, i) => (i < 100 ? 1 - i * 0.005 : '"NaN"'));
    const x = Array.from({ length: 101 }, (_, i) => i / 100);
    const uStar = x.map((v) => Math.sin(Math.PI * v));
    const samples =
      `{"x":${JSON.stringify(x)},"u":[${x.map(() => '"NaN"').join(',')}],` +
      `"u_star":${JSON.stringify(uStar)}}`;
    const runId = await new Promise<string>((resolve, reject) => {
      const db = new sqlite3.Database(join(dir, 'sweeps.sqlite'));
      db.get<{ run_id: string }>(
        'SELECT run_id FROM curves ORDER BY run_id ASC LIMIT 1',
        (error, row) => {
          if (error || !row) return reject(error);
          db.run(
            'UPDATE curves SET loss_json = ?, samples_json = ? WHERE run_id = ?',
            [
              `{"step":${JSON.stringify(step)},"loss":[${loss.join(',')}]}`,
              samples,
              row.run_id,
            ],
            (e) => db.close(() => (e ? reject(e) : resolve(row.run_id))),
          );
        },
      );
    });
    await new Promise((r) => setTimeout(r, 1200));
    await page.goto(`${base}runs/${runId}`);
    const notes: Record<string, RegExp> = {
      '#chart-loss': /the loss is not a finite number .* at 100 of 200 points/,
      '#chart-u':
        /u is not a finite number .* at all 101 points: there is nothing to draw/,
      '#chart-err': /u is not a finite number .* at all 101 points/,
    };
    for (const [id, note] of Object.entries(notes)) {
      await page.locator(`${id} canvas`).first().waitFor();
      assert.match(await text(page.locator(`${id} .chart-note`)), note);
    }
  });

  test('no page raised a script error, a CSP violation or a dialog', () => {
    // A 400 page is a console "error" for the failed request itself.
    const real = problems.filter(
      (p) =>
        !/Failed to load resource: the server responded with a status of 400/.test(
          p,
        ),
    );
    assert.deepEqual(real, []);
  });
});
