/**
 * `npm run bench:run-cost`: what one training run costs in CPU time, and
 * which of its parts pays it: settings, initial θ, the gradient check,
 * the training loop, the error metrics and the plot samples.
 *
 * Every part is timed in a loop of calls, each with its own seed, after as
 * many calls of warm-up, in this one thread. The figures are CPU time
 * (user + system) per call, in microseconds; wall time is shown beside
 * them. Cases: one-step runs, the pipeline benchmark's W 2 tanh run and
 * W 2 relu with `--runs` calls (default 2000), W 20 tanh and W 20 relu with
 * a tenth of them.
 *
 * Then the training steps: train() steps per CPU second with the default
 * `gauss` rule, for relu (autodiff, analytic, finite-difference) and tanh
 * at W 20 and W 100. Each case trains seeds 0 … 2 with `--steps` steps
 * (default 2000; finite-difference a twentieth) and with none, after one
 * warm-up run of each; a step costs the difference, divided by the steps.
 *
 * Then the gradient check of wide ReLU networks (W 640 and W 2048, default
 * gauss rule), which every run pays once at its end: CPU time of one
 * gradientCheck call per seed 0 … 1, after one call of warm-up.
 *
 * Options: `--runs N`, `--steps N`, `--only parts|steps|gradcheck`,
 * `--json`.
 */
import { parseArgs } from 'node:util';
import {
  gradientCheck,
  solutionMetrics,
  solutionSamples,
} from '../workers/numerics/metrics.ts';
import { sharedModel } from '../workers/numerics/model-cache.ts';
import { initParams } from '../workers/numerics/params.ts';
import { parseRunConfig, type RunConfig } from '../workers/run-config.ts';
import { train } from '../workers/train.ts';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    steps: { type: 'string', default: '2000' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const RUNS = Number(flags.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) {
  process.stderr.write(`--runs: expected an integer ≥ 1, got ${flags.runs}\n`);
  process.exit(2);
}
const STEPS = Number(flags.steps);
if (!Number.isInteger(STEPS) || STEPS < 1) {
  process.stderr.write(
    `--steps: expected an integer ≥ 1, got ${flags.steps}\n`,
  );
  process.exit(2);
}
const ONLY = ['parts', 'steps', 'gradcheck'];
if (flags.only !== undefined && !ONLY.includes(flags.only)) {
  process.stderr.write(
    `--only: expected parts, steps or gradcheck, got ${flags.only}\n`,
  );
  process.exit(2);
}
/** Whether the section `name` runs. */
const section = (name: string) =>
  flags.only === undefined || flags.only === name;

/** Settings of each case, and the share of `--runs` it times. */
const CASES: Record<string, [Record<string, unknown>, number]> = {
  'W 2 tanh (pipeline)': [{ steps: 1, width: 2 }, 1],
  'W 2 relu': [{ steps: 1, width: 2, activation: 'relu' }, 1],
  // Ten times the work per run: a tenth of the runs.
  'W 20 tanh': [{ steps: 1, width: 20 }, 0.1],
  'W 20 relu': [{ steps: 1, width: 20, activation: 'relu' }, 0.1],
};

interface Figure {
  case: string;
  part: string;
  cpuUs: number;
  wallUs: number;
}

/** A part of a run, given the settings and initial θ of seed s. */
type Part = (config: RunConfig, theta: Float64Array) => unknown;

const PARTS: Record<string, Part> = {
  'train() whole': (config) => train(config),
  parseRunConfig: (config) => parseRunConfig(config),
  initParams: (config) => initParams(config),
  gradientCheck: (config, theta) => gradientCheck(config, theta),
  'training loop': (config, theta) => oneStep(config, theta),
  solutionMetrics: (config, theta) => solutionMetrics(config, theta),
  solutionSamples: (config, theta) => solutionSamples(config, theta),
};

/** What train() does between the gradient check and the metrics. */
function oneStep(config: RunConfig, theta: Float64Array): number {
  const model = sharedModel(config);
  const gradient = new Float64Array(model.size);
  model.computeGradient(theta, gradient, config.gradient);
  return model.loss(theta);
}

/** Settings and initial θ of `count` runs with seeds from `first`. */
function inputs(
  settings: Record<string, unknown>,
  first: number,
  count: number,
) {
  return Array.from({ length: count }, (_, i) => {
    const config = parseRunConfig({ ...settings, seed: first + i });
    return { config, theta: initParams(config) };
  });
}

let sink = 0;

function time(part: Part, runs: ReturnType<typeof inputs>) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const { config, theta } of runs) {
    // θ is copied: the training loop updates it in place.
    const result = part(config, theta.slice());
    if (result !== undefined) sink++;
  }
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return {
    cpuUs: (used.user + used.system) / runs.length,
    wallUs: (wallMs * 1000) / runs.length,
  };
}

const figures: Figure[] = [];
for (const [name, [settings, share]] of section('parts')
  ? Object.entries(CASES)
  : []) {
  const count = Math.max(1, Math.round(RUNS * share));
  const warm = inputs(settings, 1_000_000, count);
  const measured = inputs(settings, 0, count);
  for (const [part, fn] of Object.entries(PARTS)) {
    time(fn, warm);
    const figure = { case: name, part, ...time(fn, measured) };
    figures.push(figure);
    if (!flags.json) {
      process.stdout.write(
        `${name.padEnd(20)} ${part.padEnd(16)} ` +
          `${figure.cpuUs.toFixed(1).padStart(9)} µs CPU ` +
          `${figure.wallUs.toFixed(1).padStart(9)} µs wall\n`,
      );
    }
  }
}

/** Step-rate cases: settings, and the share of `--steps` they train. */
const STEP_CASES: Record<string, [Record<string, unknown>, number]> = {};
for (const width of [20, 100]) {
  for (const gradient of ['autodiff', 'analytic', 'finite-difference']) {
    const share = gradient === 'finite-difference' ? 0.05 : 1;
    STEP_CASES[`W ${width} relu ${gradient}`] = [
      { width, activation: 'relu', gradient },
      share,
    ];
  }
  STEP_CASES[`W ${width} tanh autodiff`] = [{ width, activation: 'tanh' }, 1];
}

const STEP_SEEDS = [0, 1, 2];

/** CPU µs of train() of each seed with `steps` steps, in total. */
function trainCpuUs(
  settings: Record<string, unknown>,
  steps: number,
  seeds = STEP_SEEDS,
) {
  const configs = seeds.map((seed) =>
    parseRunConfig({ ...settings, steps, seed }),
  );
  const cpu = process.cpuUsage();
  for (const config of configs) if (train(config)) sink++;
  const used = process.cpuUsage(cpu);
  return used.user + used.system;
}

interface StepFigure {
  case: string;
  steps: number;
  stepsPerCpuS: number;
  cpuUsPerStep: number;
}

const stepFigures: StepFigure[] = [];
for (const [name, [settings, share]] of section('steps')
  ? Object.entries(STEP_CASES)
  : []) {
  const steps = Math.max(1, Math.round(STEPS * share));
  trainCpuUs(settings, steps, [1_000_000]);
  const withSteps = trainCpuUs(settings, steps);
  const without = trainCpuUs(settings, 0);
  const cpuUsPerStep = (withSteps - without) / (steps * STEP_SEEDS.length);
  const figure = {
    case: name,
    steps,
    stepsPerCpuS: 1e6 / cpuUsPerStep,
    cpuUsPerStep,
  };
  stepFigures.push(figure);
  if (!flags.json) {
    process.stdout.write(
      `${name.padEnd(30)} ${String(steps).padStart(5)} steps ` +
        `${figure.cpuUsPerStep.toFixed(1).padStart(9)} µs CPU/step ` +
        `${figure.stepsPerCpuS.toFixed(0).padStart(8)} steps/CPU s\n`,
    );
  }
}

/** Wide ReLU gradient checks: the widths timed. */
const GRADCHECK_WIDTHS = [640, 2048];
const GRADCHECK_SEEDS = 2;

const gradcheckFigures: Figure[] = [];
for (const width of section('gradcheck') ? GRADCHECK_WIDTHS : []) {
  const settings = { activation: 'relu', width };
  const name = `W ${width} relu`;
  time(PARTS.gradientCheck, inputs(settings, 1_000_000, 1));
  const figure = {
    case: name,
    part: 'gradientCheck',
    ...time(PARTS.gradientCheck, inputs(settings, 0, GRADCHECK_SEEDS)),
  };
  gradcheckFigures.push(figure);
  if (!flags.json) {
    process.stdout.write(
      `${name.padEnd(20)} gradientCheck    ` +
        `${(figure.cpuUs / 1000).toFixed(1).padStart(9)} ms CPU ` +
        `${(figure.wallUs / 1000).toFixed(1).padStart(9)} ms wall\n`,
    );
  }
}

if (flags.json) {
  process.stdout.write(
    `${JSON.stringify({ parts: figures, steps: stepFigures, gradcheck: gradcheckFigures })}\n`,
  );
}
if (sink === 0) process.exit(1);
