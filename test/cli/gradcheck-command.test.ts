import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readParamsFile } from '../../coordinator/cli/actions/gradcheck.ts';
import { InputError } from '../../coordinator/input-error.ts';
import { runSweep } from '../support/processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'pinn-sweep-gradcheck-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function paramsFile(name: string, content: unknown): string {
  const path = join(dir, name);
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  writeFileSync(path, text);
  return path;
}

const METHODS = ['autodiff', 'analytic', 'finite-difference'];

function assertShape(params: Record<string, unknown>, width: number) {
  assert.deepEqual(Object.keys(params).sort(), ['a', 'c', 'd', 'w']);
  for (const key of ['w', 'a', 'c']) {
    const values = params[key] as number[];
    assert.equal(values.length, width, key);
    assert.ok(values.every(Number.isFinite), key);
  }
  assert.ok(Number.isFinite(params.d));
}

test('gradcheck --json reports θ, loss, three gradients and three pairs', async () => {
  const run = await runSweep([
    ...['gradcheck', '--activation', 'relu', '--width', '4'],
    '--json',
  ]);
  assert.equal(run.code, 0, run.stderr);

  const report = JSON.parse(run.stdout);
  assert.equal(report.theta_source, 'seed');
  assert.equal(report.config.width, 4);
  assertShape(report.theta, 4);
  assert.ok(Number.isFinite(report.loss));
  assert.deepEqual(Object.keys(report.gradients).sort(), [...METHODS].sort());
  for (const m of METHODS) assertShape(report.gradients[m], 4);
  const pairs = report.comparisons.map(
    (c: { a: string; b: string }) => `${c.a}/${c.b}`,
  );
  assert.deepEqual(pairs, [
    'autodiff/finite-difference',
    'analytic/finite-difference',
    'autodiff/analytic',
  ]);
  // `spread` puts every kink in (0, 1) (deep-ritz.md), and there the
  // ReLU autodiff gradient misses the kink terms by percents while the
  // analytic one matches finite differences to ~1e-6 relative.
  assert.equal(report.kinks_inside, 4);
  const [autodiffFd, analyticFd] = report.comparisons;
  assert.ok(autodiffFd.rel > 1e-3, `autodiff vs fd ${autodiffFd.rel}`);
  assert.ok(analyticFd.rel < 1e-5, `analytic vs fd ${analyticFd.rel}`);
  assert.ok(analyticFd.cos > 1 - 1e-9);
});

test('gradcheck prints the comparison and a row per parameter', async () => {
  const run = await runSweep(['gradcheck', '--width', '2']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /θ from seed 0 \(init spread\) · loss /);
  assert.match(run.stdout, /autodiff vs analytic\s+[\d.]+\s+\S+/);
  assert.match(
    run.stdout,
    /θ\s+value\s+autodiff\s+analytic\s+finite-difference/,
  );
  for (const row of ['w[0]', 'w[1]', 'a[1]', 'c[1]', 'd ']) {
    assert.ok(run.stdout.includes(`\n${row}`), row);
  }
});

test('gradcheck --params reads θ from the file and takes its width', async () => {
  const theta = { w: [1.5, -2], a: [-0.5, 1.25], c: [0.3, -0.4], d: 0.1 };
  const path = paramsFile('theta.json', theta);
  const run = await runSweep([
    ...['gradcheck', '--params', path, '--activation', 'tanh'],
    '--json',
  ]);
  assert.equal(run.code, 0, run.stderr);

  const report = JSON.parse(run.stdout);
  assert.equal(report.theta_source, path);
  assert.equal(report.config.width, 2);
  assert.deepEqual(report.theta, theta);
  assert.equal(report.kinks_inside, null);
});

test('a bad --params file exits 2 naming the file and the field', async () => {
  const missing = join(dir, 'missing.json');
  const short = paramsFile('short.json', {
    w: [1, 2],
    a: [1],
    c: [1, 2],
    d: 0,
  });
  const [noFile, badLength] = await Promise.all([
    runSweep(['gradcheck', '--params', missing]),
    runSweep(['gradcheck', '--params', short]),
  ]);
  assert.equal(noFile.code, 2, noFile.stderr);
  assert.match(
    noFile.stderr,
    /--params \S+missing\.json: cannot read the file \(no such file\)/,
  );
  assert.equal(badLength.code, 2, badLength.stderr);
  assert.ok(
    badLength.stderr.includes(
      `--params ${short}: params.a: expected 2 numbers (width), got 1`,
    ),
    badLength.stderr,
  );
});

test('a --params file wider than --width allows exits 2 before any work', async () => {
  const theta = (width: number) => {
    const w = Array.from({ length: width }, () => 0.5);
    return { w, a: w.map(() => -0.25), c: w, d: 0 };
  };
  const wide = paramsFile('wide.json', theta(4097));
  const started = Date.now();
  const run = await runSweep(['gradcheck', '--params', wide]);
  assert.equal(run.code, 2, run.stderr);
  assert.ok(
    run.stderr.includes(
      `--params ${wide}: params.w: the width (one number per neuron) must ` +
        'be an integer from 1 to 4096, as for --width (got 4097 numbers)',
    ),
    run.stderr,
  );
  assert.equal(run.stdout, '');
  assert.ok(Date.now() - started < 20_000, 'refused before computing');
  // The limit itself is allowed.
  assert.deepEqual(paramsIssuesOrNone(theta(4096)), []);
  assert.match(
    paramsIssuesOrNone(theta(20000))[0],
    /^params\.w: .*from 1 to 4096.*\(got 20000 numbers\)$/,
  );
  // Too wide is the first thing said, whatever else is wrong.
  const lopsided = { w: Array(20000).fill(0.5), a: [], c: [], d: 0 };
  assert.deepEqual(
    paramsIssuesOrNone(lopsided).map((issue) => issue.split(':')[0]),
    ['params.w'],
  );
});

/** The issues readParamsFile finds in this content; none if it reads it. */
function paramsIssuesOrNone(content: unknown): string[] {
  const path = paramsFile('maybe.json', content);
  try {
    readParamsFile(path);
    return [];
  } catch (error) {
    assert.ok(error instanceof InputError);
    return error.issues.map((i) => i.replace(`--params ${path}: `, ''));
  }
}

/** Runs readParamsFile on a file with this content; returns its issues. */
function paramsIssues(content: unknown, width?: number): string[] {
  const path = paramsFile('case.json', content);
  try {
    readParamsFile(path, width);
  } catch (error) {
    assert.ok(error instanceof InputError);
    for (const issue of error.issues) {
      assert.ok(issue.startsWith(`--params ${path}: `), issue);
    }
    return error.issues.map((i) => i.replace(`--params ${path}: `, ''));
  }
  assert.fail('expected an InputError');
}

test('--params problems are each named by file and field', () => {
  assert.match(paramsIssues('{"w": [1,')[0], /^not valid JSON \(/);
  assert.match(paramsIssues([1, 2])[0], /^params: expected an object/);
  assert.deepEqual(paramsIssues({ w: [1, 2], a: [1, 2], c: [1, 2], d: 0 }, 3), [
    'params.w: expected 3 numbers (width), got 2',
    'params.a: expected 3 numbers (width), got 2',
    'params.c: expected 3 numbers (width), got 2',
  ]);
  const mixed = paramsIssues({ w: [1, 'x'], a: [1, 2], c: [1, 2], e: 1 });
  assert.ok(
    mixed.some((i) => i.startsWith('params.w[1]: ')),
    mixed.join(),
  );
  assert.ok(
    mixed.some((i) => i.startsWith('params.d: ')),
    mixed.join(),
  );
  assert.ok(
    mixed.some((i) => i.includes('unknown field e')),
    mixed.join(),
  );
});
