import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nonFiniteReviver } from '../../coordinator/cli/json-numbers.ts';
import { ACTIVATIONS } from '../../workers/run-config.ts';
import { runSweep } from '../support/processes.ts';

const METRICS = [
  'rel_l2',
  'rel_h1',
  'energy',
  'energy_gap',
  'final_loss',
  'gc_autodiff_cos',
  'gc_autodiff_rel',
  'gc_analytic_cos',
  'gc_analytic_rel',
  'kinks_inside',
  'steps_done',
  'wall_ms',
  'steps_per_s',
  'diverged_step',
];

const NON_FINITE = ['NaN', 'Infinity', '-Infinity'];

test('train --json prints config, verdict and the whole result', async () => {
  const run = await runSweep(['train', '--steps', '50', '--json']);
  assert.equal(run.code, 0, run.stderr);

  const report = JSON.parse(run.stdout);
  assert.equal(report.config.steps, 50);
  assert.equal(report.config.activation, 'tanh');
  assert.equal(report.threshold, 5e-3);
  assert.equal(report.outcome, 'trained');
  assert.deepEqual(Object.keys(report.metrics).sort(), [...METRICS].sort());
  assert.equal(report.metrics.steps_done, 50);
  assert.equal(report.metrics.diverged_step, null);
  const expected = report.metrics.rel_l2 <= 5e-3 ? 'done' : 'inaccurate';
  assert.equal(report.verdict, expected);
  assert.equal(report.curve.step.length, report.curve.loss.length);
  assert.ok(report.curve.step.length <= 200);
  assert.equal(report.samples.x.length, 101);
  assert.equal(report.samples.u.length, 101);
  assert.equal(report.samples.u_star.length, 101);
});

test('a diverged run is still valid JSON, NaN spelled as a string', async () => {
  const run = await runSweep([
    ...['train', '--optimizer', 'sgd', '--lr', '1e200'],
    ...['--steps', '20', '--json'],
  ]);
  assert.equal(run.code, 0, run.stderr);

  const report = JSON.parse(run.stdout);
  assert.equal(report.outcome, 'diverged');
  assert.equal(report.verdict, 'diverged');
  assert.ok(Number.isInteger(report.metrics.diverged_step));
  for (const [name, value] of Object.entries(report.metrics)) {
    if (typeof value === 'string') assert.ok(NON_FINITE.includes(value), name);
  }
  const revived = JSON.parse(run.stdout, nonFiniteReviver);
  assert.equal(typeof revived.metrics.final_loss, 'number');
});

test('train prints a readable summary by default', async () => {
  const run = await runSweep(['train', '--steps', '30', '--width', '5']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^sine · tanh W=5 · ansatz/);
  assert.match(
    run.stdout,
    /verdict\s+(done|inaccurate) \(rel_l2 \S+ [≤>] 0\.005\)/,
  );
  assert.match(run.stdout, /steps\s+30 in /);
  assert.match(run.stdout, /autodiff vs finite-difference\s+[\d.]+\s+\S+/);
  assert.match(run.stdout, /analytic vs finite-difference/);
});

test('bad flags exit 2 naming the flag and what is allowed', async () => {
  const cases: [string[], string[]][] = [
    [
      ['--width', 'abc', '--activation', 'foo', '--lr', '-1'],
      [
        '--width: must be an integer from 1 to 4096 (got "abc")',
        `--activation: must be one of ${ACTIVATIONS.join(', ')} (got "foo")`,
        '--lr: must be a finite number > 0 (got "-1")',
      ],
    ],
    [['--threshold', 'x'], ['--threshold: must be a finite number > 0']],
    [
      ['--bogus', '1'],
      ["unknown option '--bogus'", '--activation <name>'],
    ],
    [
      ['--width'],
      ['--width: needs a value; allowed: an integer from 1 to 4096'],
    ],
  ];
  const runs = await Promise.all(
    cases.map(([args]) => runSweep(['train', ...args])),
  );
  runs.forEach((run, i) => {
    const [args, messages] = cases[i];
    const what = `train ${args.join(' ')}: ${run.stderr}`;
    assert.equal(run.code, 2, what);
    for (const message of messages) {
      assert.ok(run.stderr.includes(message), `${message}\n${what}`);
    }
    assert.equal(run.stdout, '');
  });
});
