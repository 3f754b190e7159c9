import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../coordinator/input-error.ts';
import {
  MAX_RUNS,
  parseSpecText,
  type SweepPlan,
} from '../../coordinator/spec/index.ts';
import { ACTIVATIONS } from '../../workers/run-config.ts';

function yaml(text: string): SweepPlan {
  return parseSpecText(text, 'yaml', 'test-spec');
}

/** The runs as `activation/width/seed` (or the given settings) strings. */
function shown(plan: SweepPlan, keys = ['activation', 'width', 'seed']) {
  return plan.runs.map((run) =>
    keys.map((key) => run.config[key as keyof typeof run.config]).join('/'),
  );
}

function refusal(text: string): string[] {
  try {
    yaml(text);
  } catch (error) {
    assert.ok(error instanceof InputError);
    return error.issues;
  }
  assert.fail('the spec was accepted');
}

test('runs follow the axes in spec order, seeds innermost', () => {
  const plan = yaml(
    'name: n\ngrid: { activation: [relu, tanh], width: [10, 20] }\nseeds: 2',
  );
  assert.deepEqual(shown(plan), [
    'relu/10/0',
    'relu/10/1',
    'relu/20/0',
    'relu/20/1',
    'tanh/10/0',
    'tanh/10/1',
    'tanh/20/0',
    'tanh/20/1',
  ]);
  assert.deepEqual(
    plan.runs.map((run) => run.idx),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  assert.deepEqual(plan.axes, ['activation', 'width']);
});

test('a seed axis in grid stays where it is written', () => {
  const plan = yaml(
    'name: n\ngrid: { seed: [7, 3], activation: [relu, tanh] }',
  );
  assert.deepEqual(shown(plan, ['seed', 'activation']), [
    '7/relu',
    '7/tanh',
    '3/relu',
    '3/tanh',
  ]);
  assert.deepEqual(plan.axes, ['seed', 'activation']);
});

test('without seeds every run has settings.seed, or the default 0', () => {
  assert.deepEqual(shown(yaml('name: n\ngrid: { width: [1, 2] }'), ['seed']), [
    '0',
    '0',
  ]);
  const fixed = yaml('name: n\nsettings: { seed: 42 }\ngrid: { width: [1] }');
  assert.equal(fixed.runs[0].config.seed, 42);
  assert.deepEqual(fixed.spec.seeds, [42]);
});

test('settings hold for every run; defaults fill the rest', () => {
  const plan = yaml(
    'name: n\nsettings: { steps: 100, optimizer: sgd }\ngrid: { width: [10] }',
  );
  const { config } = plan.runs[0];
  assert.equal(config.steps, 100);
  assert.equal(config.optimizer, 'sgd');
  assert.equal(config.activation, 'tanh');
  assert.equal(config.lr, 1e-3);
});

test('exclude drops every run matching all keys of a rule', () => {
  const plan = yaml(
    [
      'name: n',
      'grid: { activation: [relu, tanh], width: [10, 20], lr: [1e-3, 1e-2] }',
      'exclude:',
      '  - { activation: relu, width: 20 }',
      '  - { lr: "1.0e-2", width: "10" }',
    ].join('\n'),
  );
  assert.deepEqual(shown(plan, ['activation', 'width', 'lr']), [
    'relu/10/0.001',
    'tanh/10/0.001',
    'tanh/20/0.001',
    'tanh/20/0.01',
  ]);
  assert.deepEqual(plan.warnings, []);
});

test('exclude can name seeds and settings that are not axes', () => {
  const bySeed = yaml(
    'name: n\ngrid: { width: [10, 20] }\nseeds: 3\nexclude: [{ width: 20, seed: 1 }]',
  );
  assert.deepEqual(shown(bySeed, ['width', 'seed']), [
    '10/0',
    '10/1',
    '10/2',
    '20/0',
    '20/2',
  ]);
  const byFixed = yaml(
    [
      'name: n',
      'settings: { optimizer: sgd }',
      'grid: { width: [10, 20] }',
      'exclude: [{ optimizer: sgd, width: 10 }]',
    ].join('\n'),
  );
  assert.deepEqual(shown(byFixed, ['width']), ['20']);
});

test('an exclude rule that matches nothing is a warning', () => {
  const plan = yaml(
    [
      'name: n',
      'grid: { width: [10, 20] }',
      'seeds: 2',
      'exclude: [{ width: 40 }, { optimizer: sgd }, { seed: 5 }, { width: 10 }]',
    ].join('\n'),
  );
  assert.deepEqual(plan.warnings, [
    'exclude[0] matches no run: width 40 is not one of grid.width',
    'exclude[1] matches no run: every grid run has optimizer adam',
    'exclude[2] matches no run: seed 5 is not one of the seeds',
  ]);
  assert.deepEqual(shown(plan, ['width', 'seed']), ['20/0', '20/1']);
});

test('include adds runs after the grid, over settings and each seed', () => {
  const plan = yaml(
    [
      'name: n',
      'settings: { steps: 100 }',
      'grid: { activation: [tanh], width: [10] }',
      'seeds: 2',
      'include:',
      '  - { activation: relu, width: 80 }',
      '  - { activation: relu, seed: 9 }',
    ].join('\n'),
  );
  assert.deepEqual(shown(plan), [
    'tanh/10/0',
    'tanh/10/1',
    'relu/80/0',
    'relu/80/1',
    'relu/20/9',
  ]);
  assert.ok(plan.runs.every((run) => run.config.steps === 100));
  assert.deepEqual(
    plan.runs.map((run) => run.idx),
    [0, 1, 2, 3, 4],
  );
});

test('exclude rules do not remove included runs', () => {
  const plan = yaml(
    [
      'name: n',
      'grid: { width: [10, 20] }',
      'exclude: [{ width: 20 }]',
      'include: [{ width: 20, lr: 1e-2 }]',
    ].join('\n'),
  );
  assert.deepEqual(shown(plan, ['width', 'lr']), ['10/0.001', '20/0.01']);
});

test('an include that repeats a grid run is reported and kept once', () => {
  const plan = yaml(
    'name: n\ngrid: { width: [10, 20] }\nseeds: 2\ninclude: [{ width: "2e1" }]',
  );
  assert.deepEqual(shown(plan, ['width', 'seed']), [
    '10/0',
    '10/1',
    '20/0',
    '20/1',
  ]);
  assert.deepEqual(plan.duplicates, [
    'include[0] (seed=0) is the same run as grid (width=20, seed=0); it is kept once',
    'include[0] (seed=1) is the same run as grid (width=20, seed=1); it is kept once',
  ]);
});

test('a sweep with no runs is refused', () => {
  const [line] = refusal(
    'name: n\ngrid: { width: [10, 20] }\nexclude: [{ optimizer: adam }]',
  );
  assert.match(line, /no runs: every one of the 2 grid runs is excluded/);
});

test('more than a million runs is refused with the count, without expanding', () => {
  const widths = Array.from({ length: 1000 }, (_, i) => i + 1);
  const seeds = 'seeds: 1001';
  const started = performance.now();
  const [line] = refusal(
    `name: n\ngrid: { width: [${widths}] }\n${seeds}\ninclude: [{ width: 1 }]`,
  );
  assert.match(
    line,
    /^the sweep has 1,002,001 runs \(grid width 1000 × seeds 1001 = 1,001,000, 1,001 included\); at most 1,000,000 runs/,
  );
  // Counting the excluded runs walks the named axes only.
  const [excluded] = refusal(
    [
      'name: n',
      `grid: { width: [${widths}], lr: [1e-3, 1e-2] }`,
      'seeds: 1000',
      'exclude: [{ lr: 1e-2, width: 1 }, { lr: 1e-2, width: 2 }]',
    ].join('\n'),
  );
  assert.match(
    excluded,
    /^the sweep has 1,998,000 runs \(grid width 1000 × lr 2 × seeds 1000 = 2,000,000, 2,000 excluded\)/,
  );
  // Expanding would take seconds; refusing must not.
  assert.ok(performance.now() - started < 1000);
  assert.equal(MAX_RUNS, 1_000_000);
});

test('a grid that exclude rules bring under the limit is accepted', () => {
  // 1000 widths × 9 activations × 112 seeds = 1,008,000 before exclude
  // rules; dropping 8 activations leaves 112,000.
  const widths = Array.from({ length: 1000 }, (_, i) => i + 1);
  const dropped = ACTIVATIONS.filter((a) => a !== 'relu');
  const plan = yaml(
    [
      'name: n',
      `grid: { width: [${widths}], activation: [${ACTIVATIONS}] }`,
      'seeds: 112',
      `exclude: [${dropped.map((a) => `{ activation: ${a} }`)}]`,
    ].join('\n'),
  );
  assert.equal(plan.runs.length, 112_000);
  assert.ok(plan.runs.every((run) => run.config.activation === 'relu'));
});

test('100,000 runs expand well under a second', (t) => {
  const text = [
    'name: big',
    'grid:',
    '  activation: [relu, relu2, tanh, sigmoid, swish]',
    `  width: [${Array.from({ length: 20 }, (_, i) => 10 + i)}]`,
    '  lr: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1]',
    '  gradient: [autodiff, analytic]',
    'seeds: 100',
  ].join('\n');
  yaml(text);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const used = process.cpuUsage();
    const plan = yaml(text);
    const { user, system } = process.cpuUsage(used);
    wall.push(performance.now() - started);
    cpu.push((user + system) / 1000);
    assert.equal(plan.runs.length, 100_000);
  }
  const show = (ms: number[]) => ms.map((v) => v.toFixed(0)).join(', ');
  t.diagnostic(`100,000 runs: wall ${show(wall)} ms, cpu ${show(cpu)} ms`);
  // Processor time, not wall time: the machine is shared with other work.
  // On the two-core development machine, busy with other tests, this took
  // 0.55-0.7 s; the bound catches any per-run cost that grows with the
  // size of the sweep (a quadratic step would take minutes).
  const best = Math.min(...cpu);
  assert.ok(best < 1000, `best of 3: ${best.toFixed(0)} ms of processor time`);
});
