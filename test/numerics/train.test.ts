/**
 * `train()`: it learns, it is reproducible bit for bit, it detects
 * divergence at the step it happens, and it returns plain data.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type TrainResult, verdict } from '../../workers/result.ts';
import {
  ConfigError,
  parseRunConfig,
  type RunConfig,
} from '../../workers/run-config.ts';
import { CURVE_POINTS, train } from '../../workers/train.ts';

const SINE_TANH = parseRunConfig({
  problem: 'sine',
  activation: 'tanh',
  width: 20,
  optimizer: 'adam',
  lr: 1e-2,
  steps: 3000,
});

/** Everything but the two timing fields, which measure the machine. */
function reproducible(result: TrainResult) {
  const { wall_ms, steps_per_s, ...metrics } = result.metrics;
  return { ...result, metrics };
}

let first: TrainResult;

test('sine with tanh (W 20, Adam 1e-2, 3000 steps) reaches rel_l2 ≤ 1e-3', () => {
  first = train(SINE_TANH);
  const m = first.metrics;
  assert.equal(first.outcome, 'trained');
  assert.ok(m.rel_l2 <= 1e-3, `rel_l2 ${m.rel_l2}`);
  assert.equal(verdict(first), 'done');
  assert.equal(m.steps_done, 3000);
  assert.equal(m.diverged_step, null);
  assert.equal(m.kinks_inside, 0);
  // The ansatz keeps u admissible, so Π[u] ≥ Π[u*] up to rounding.
  assert.ok(m.energy_gap >= -1e-12, `gap ${m.energy_gap}`);
  assert.ok(m.rel_h1 >= m.rel_l2 / 10 && m.rel_h1 < 1e-2);
  assert.ok(m.wall_ms > 0 && m.steps_per_s > 0);
  assert.ok(Math.abs(m.gc_autodiff_cos - 1) < 1e-12);
});

test('the same settings give a bit-identical result; another seed does not', () => {
  const second = train(SINE_TANH);
  assert.deepEqual(reproducible(second), reproducible(first));
  const other = train({ ...SINE_TANH, seed: 1, steps: 50 });
  const same = train({ ...SINE_TANH, steps: 50 });
  assert.notEqual(other.metrics.final_loss, same.metrics.final_loss);
});

test('the result is plain serialisable data', () => {
  const copy = JSON.parse(JSON.stringify(first)) as TrainResult;
  assert.deepEqual(copy, first);
  assert.deepEqual(structuredClone(first), first);
  for (const array of [
    first.curve.step,
    first.curve.loss,
    first.samples.x,
    first.samples.u,
    first.samples.u_star,
  ]) {
    assert.ok(Array.isArray(array));
  }
});

test('the loss curve has at most 200 points, from step 0 to the last', () => {
  const { step, loss } = first.curve;
  assert.ok(step.length <= CURVE_POINTS && step.length > 100);
  assert.equal(step.length, loss.length);
  assert.equal(step[0], 0);
  assert.equal(step.at(-1), 3000);
  assert.equal(loss.at(-1), first.metrics.final_loss);
  for (let i = 1; i < step.length; i++) assert.ok(step[i] > step[i - 1]);
  assert.ok(loss[0] > loss.at(-1)!, 'the loss went down');
  assert.equal(first.samples.x.length, 101);
});

test('zero steps: the initial loss and the gradient check, nothing trained', () => {
  const result = train({ ...SINE_TANH, steps: 0 });
  assert.equal(result.metrics.steps_done, 0);
  assert.deepEqual(result.curve, {
    step: [0],
    loss: [result.metrics.final_loss],
  });
  assert.equal(result.metrics.gc_autodiff_cos, first.metrics.gc_autodiff_cos);
});

test('divergence ends the run at the step it happens, with that step', () => {
  const config: RunConfig = {
    ...SINE_TANH,
    optimizer: 'sgd',
    lr: 50,
    steps: 1000,
  };
  const result = train(config);
  const at = result.metrics.diverged_step;
  assert.equal(result.outcome, 'diverged');
  assert.equal(verdict(result), 'diverged');
  assert.ok(at !== null && at < 1000, `diverged at ${at}`);
  assert.ok(
    result.metrics.steps_done === at || result.metrics.steps_done === at - 1,
  );
  for (const loss of result.curve.loss) assert.ok(Number.isFinite(loss));

  // One step fewer is still finite: the step recorded is the first bad one,
  // whether the loss or θ turned non-finite first.
  const before = train({ ...config, steps: at - 1 });
  assert.equal(before.outcome, 'trained');
  assert.equal(before.metrics.steps_done, at - 1);
  assert.ok(Number.isFinite(before.metrics.final_loss));
  const exactly = train({ ...config, steps: at });
  assert.equal(exactly.metrics.diverged_step, at);
});

test('progress is reported every progressEvery steps and at the end', () => {
  const seen: number[] = [];
  train(
    { ...SINE_TANH, steps: 250 },
    (p) => {
      assert.equal(p.steps, 250);
      assert.ok(Number.isFinite(p.loss));
      seen.push(p.step);
    },
    { progressEvery: 100 },
  );
  assert.deepEqual(seen, [100, 200, 250]);
});

test('bad settings are refused with a ConfigError naming them', () => {
  assert.throws(
    () => train({ ...SINE_TANH, width: 0 }),
    (error: unknown) =>
      error instanceof ConfigError && /width/.test(error.message),
  );
});

/** Runs whose metrics cut cells at kinks, split at ½, or need no split. */
const CACHE_PROBES = [
  {
    activation: 'relu',
    problem: 'interface',
    bc: 'penalty',
    width: 5,
    seed: 3,
    steps: 5,
  },
  {
    activation: 'tanh',
    problem: 'multiscale',
    bc: 'sine-ansatz',
    quadrature: 'midpoint',
    nodes: 40,
    width: 4,
    steps: 5,
  },
] as const;

test('a run’s result does not depend on what its thread ran before', () => {
  // In a fresh process: the first probe before anything else, the second
  // right after it.
  const trainModule = fileURLToPath(
    new URL('../../workers/train.ts', import.meta.url),
  );
  const script = `
    const { train } = await import(${JSON.stringify(trainModule)});
    const probes = JSON.parse(process.argv[1]);
    console.log(JSON.stringify(probes.map((p) => train(p))));
  `;
  const fresh = JSON.parse(
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
        JSON.stringify(CACHE_PROBES),
      ],
      { encoding: 'utf8' },
    ),
  ) as TrainResult[];

  // Here, after runs of other problems, widths, rules and activations have
  // filled this thread's caches, and in the other order.
  for (const other of [
    { activation: 'relu', problem: 'interface', interface_k: 3, width: 5 },
    { activation: 'leaky-relu', bc: 'penalty', beta: 7, width: 5, cells: 16 },
    { activation: 'tanh', problem: 'multiscale', width: 3 },
    { activation: 'sin', bc: 'sine-ansatz', quadrature: 'midpoint', nodes: 40 },
  ]) {
    train(parseRunConfig({ ...other, steps: 5 }));
  }
  const warm = [...CACHE_PROBES]
    .reverse()
    .map((probe) => train(parseRunConfig(probe)))
    .reverse();

  // JSON carries every finite double exactly.
  assert.equal(fresh.length, warm.length);
  fresh.forEach((run, i) => {
    assert.ok(run.metrics.kinks_inside >= 0);
    assert.deepEqual(reproducible(warm[i]), reproducible(run), `probe ${i}`);
  });
  assert.ok(fresh[0].metrics.kinks_inside > 0, 'the relu probe has kinks');
});
