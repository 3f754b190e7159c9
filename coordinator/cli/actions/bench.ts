/**
 * `sweep bench`: training steps per second on one thread, for the work a
 * PyTorch Deep Ritz script does with a fixed collocation grid (midpoint
 * rule, ansatz, Adam, autodiff, float64), optionally side by side with
 * that PyTorch script itself (bench/torch-deep-ritz.py).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { RunConfig } from '../../../workers/run-config.ts';
import { train } from '../../../workers/train.ts';
import { InputError } from '../../input-error.ts';
import type { GlobalOptions } from '../common.ts';
import { stringifyJson } from '../json-numbers.ts';
import { givenRunFlags, MAX_STEPS, parseRunFlags } from '../run-flags.ts';
import { formatCount, formatNumber, formatTable } from '../run-report.ts';

/**
 * Work per timed run when `--steps` is not given, in neuron-node
 * evaluations (steps × W × N): about a second per run at W 100/N 1024.
 */
export const DEFAULT_BENCH_WORK = 1e7;

/** The settings of every benchmark run, apart from the case's own. */
export const BENCH_BASE: Partial<RunConfig> = {
  problem: 'sine',
  bc: 'ansatz',
  init: 'spread',
  quadrature: 'midpoint',
  gradient: 'autodiff',
  optimizer: 'adam',
  lr: 1e-3,
  seed: 0,
};

const DEFAULT_ACTIVATIONS = ['tanh', 'relu'];
const DEFAULT_SIZES: [string, string][] = [
  ['20', '256'],
  ['100', '1024'],
];

const TORCH_SCRIPT = fileURLToPath(
  new URL('../../../bench/torch-deep-ritz.py', import.meta.url),
);

/** Steps per second over the timed repetitions of one case. */
export interface RateSummary {
  median: number;
  min: number;
  max: number;
  /** One figure per repetition, in order. */
  samples: number[];
}

/**
 * Steps per second of the training loop, by the wall clock and by the
 * process's CPU time. On an idle machine they agree; when other processes
 * compete for the cores, `cpu` still measures the work of one thread.
 */
export interface Timing {
  wall: RateSummary;
  cpu: RateSummary;
}

/** One benchmark case and its figures. */
export interface BenchCase {
  activation: string;
  width: number;
  nodes: number;
  steps: number;
  repeat: number;
  /** pinn-sweep's `train()`. */
  ours: Timing;
  /** The PyTorch script, when it ran. */
  torch: Timing | null;
  /** ours / torch medians, when PyTorch ran. */
  ratio: { wall: number; cpu: number } | null;
}

/** Whether the PyTorch reference ran, and why not. */
export interface TorchStatus {
  status: 'measured' | 'skipped' | 'not requested';
  python: string;
  version?: string;
  reason?: string;
}

interface BenchOptions extends GlobalOptions {
  repeat: number;
  torch: boolean;
  python: string;
}

/** Runs `sweep bench` with the options of `cmd`. */
export function runBench(cmd: Command): void {
  const options = cmd.optsWithGlobals<BenchOptions>();
  const configs = benchConfigs(cmd.opts());

  const ours = configs.map((config) => measureOurs(config, options.repeat));
  const torch = options.torch
    ? measureTorch(configs, options.repeat, options.python)
    : { status: { status: 'not requested' as const, python: options.python } };

  const cases = configs.map((config, i) =>
    benchCase(config, options.repeat, ours[i], torch.timings?.[i]),
  );
  if (options.json) {
    const report = {
      settings: { ...BENCH_BASE, repeat: options.repeat },
      node: process.version,
      torch: torch.status,
      cases,
    };
    process.stdout.write(`${stringifyJson(report)}\n`);
    return;
  }
  process.stdout.write(formatBenchReport(cases, torch.status));
}

/**
 * The run config of every case the flags ask for.
 *
 * @throws InputError naming the flag when a value is not allowed
 */
export function benchConfigs(opts: Record<string, unknown>): RunConfig[] {
  const given = givenRunFlags(opts);
  const activations = given.activation
    ? [given.activation]
    : DEFAULT_ACTIVATIONS;
  const sizes: [string, string][] =
    given.width || given.nodes
      ? [[given.width ?? '20', given.nodes ?? '256']]
      : DEFAULT_SIZES;

  if (given.steps !== undefined) checkBenchSteps(given.steps);
  const configs: RunConfig[] = [];
  for (const [width, nodes] of sizes) {
    for (const activation of activations) {
      const config = parseRunFlags({ activation, width, nodes }, BENCH_BASE);
      const steps = given.steps ?? defaultBenchSteps(config);
      configs.push(parseRunFlags({ steps }, config));
    }
  }
  return configs;
}

/** A timed run needs 2 steps: the first one's time is left out. */
function checkBenchSteps(raw: string): void {
  const steps = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || steps < 2 || steps > MAX_STEPS) {
    throw new InputError(
      `--steps: must be an integer from 2 to ${MAX_STEPS} (got "${raw}")`,
    );
  }
}

/**
 * Steps per timed run for a case: DEFAULT_BENCH_WORK / (W·N) rounded to
 * one significant digit, within 20 … 5000.
 */
export function defaultBenchSteps(config: RunConfig): number {
  const steps = DEFAULT_BENCH_WORK / (config.width * config.nodes);
  const unit = 10 ** Math.floor(Math.log10(steps));
  return Math.min(5000, Math.max(20, Math.round(steps / unit) * unit));
}

function measureOurs(config: RunConfig, repeat: number): Timing {
  const label = `pinn-sweep ${config.activation} W${config.width} N${config.nodes}`;
  status(`${label}: warm-up`);
  train({ ...config, steps: warmupSteps(config.steps) });
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeat; r++) {
    status(`${label}: run ${r + 1}/${repeat}`);
    const run = timedRun(config);
    wall.push(run.wall);
    cpu.push(run.cpu);
  }
  status('');
  return { wall: summarise(wall), cpu: summarise(cpu) };
}

/**
 * One run's steps per second: by the wall clock, as `train()` reports it,
 * and per CPU second of the process from the end of step 1 to the end of
 * the last step (read in the progress callback, so that set-up and the
 * final metrics stay outside).
 */
function timedRun(config: RunConfig): { wall: number; cpu: number } {
  let first: NodeJS.CpuUsage | undefined;
  let used: NodeJS.CpuUsage | undefined;
  const result = train(
    config,
    (p) => {
      if (p.step === 1) first = process.cpuUsage();
      else if (p.step === p.steps) used = process.cpuUsage(first);
    },
    { progressEvery: 1 },
  );
  const seconds = used ? (used.user + used.system) / 1e6 : Number.NaN;
  return {
    wall: result.metrics.steps_per_s,
    cpu: (config.steps - 1) / seconds,
  };
}

/** Warm-up steps before the timed runs: lets the JIT settle. */
export function warmupSteps(steps: number): number {
  return Math.max(50, Math.floor(steps / 5));
}

/** Median, min and max of some figures. */
export function summarise(samples: number[]): RateSummary {
  const sorted = [...samples].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1)!, samples };
}

/** One status line on a terminal's stderr, overwritten by the next. */
function status(text: string): void {
  if (!process.stderr.isTTY) return;
  process.stderr.write(`\r\x1b[K${text}`);
}

function benchCase(
  config: RunConfig,
  repeat: number,
  ours: Timing,
  torch: Timing | undefined,
): BenchCase {
  return {
    activation: config.activation,
    width: config.width,
    nodes: config.nodes,
    steps: config.steps,
    repeat,
    ours,
    torch: torch ?? null,
    ratio: torch
      ? {
          wall: ours.wall.median / torch.wall.median,
          cpu: ours.cpu.median / torch.cpu.median,
        }
      : null,
  };
}

interface TorchRun {
  status: TorchStatus;
  timings?: Timing[];
}

/**
 * Runs bench/torch-deep-ritz.py on the same cases. A Python without torch
 * (or no such Python) is reported as skipped; any other failure throws.
 */
export function measureTorch(
  configs: RunConfig[],
  repeat: number,
  python: string,
): TorchRun {
  if (!existsSync(python)) {
    return skipped(python, `${python} not found`);
  }
  const cases = configs
    .map((c) => `${c.activation}:${c.width}:${c.nodes}:${c.steps}`)
    .join(',');
  const args = [
    TORCH_SCRIPT,
    '--json',
    ...['--cases', cases],
    ...['--repeat', String(repeat), '--lr', String(BENCH_BASE.lr)],
    ...['--seed', String(BENCH_BASE.seed)],
    ...(process.stderr.isTTY ? ['--progress'] : []),
  ];
  const run = spawnSync(python, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', process.stderr.isTTY ? 'inherit' : 'pipe'],
    env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  });
  if (run.error) return skipped(python, run.error.message);
  if (run.status === 3) {
    return skipped(python, JSON.parse(run.stdout).error);
  }
  if (run.status !== 0) {
    throw new Error(
      `the PyTorch reference failed (exit ${run.status}): ` +
        `${(run.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`,
    );
  }
  return parseTorchReport(python, run.stdout);
}

function skipped(python: string, reason: string): TorchRun {
  return { status: { status: 'skipped', python, reason } };
}

interface TorchReport {
  torch: string;
  cases: { steps_per_s: RateSummary; steps_per_cpu_s: RateSummary }[];
}

function parseTorchReport(python: string, stdout: string): TorchRun {
  const report = JSON.parse(stdout) as TorchReport;
  return {
    status: { status: 'measured', python, version: report.torch },
    timings: report.cases.map((c) => ({
      wall: c.steps_per_s,
      cpu: c.steps_per_cpu_s,
    })),
  };
}

/** The human table of a benchmark. */
export function formatBenchReport(
  cases: BenchCase[],
  torch: TorchStatus,
): string {
  const withTorch = torch.status === 'measured';
  const header = [
    ...['activation', 'width', 'nodes', 'steps'],
    'pinn-sweep steps/s (min–max)',
    ...(withTorch ? ['PyTorch steps/s (min–max)', 'ratio', 'CPU ratio'] : []),
  ];
  const rows = cases.map((c) => [
    ...[c.activation, String(c.width), String(c.nodes), String(c.steps)],
    formatRate(c.ours.wall),
    ...(c.torch && c.ratio
      ? [
          formatRate(c.torch.wall),
          `${formatNumber(c.ratio.wall, 3)}×`,
          `${formatNumber(c.ratio.cpu, 3)}×`,
        ]
      : []),
  ]);
  const intro =
    'Training steps per second, one thread: midpoint rule, ansatz, Adam, ' +
    'autodiff, float64.\n' +
    `${runsPhrase(cases[0].repeat)} after a warm-up run.\n\n`;
  return (
    intro +
    formatTable([header, ...rows], [1, 2, 3, 4, 5, 6, 7]) +
    busyNote(cases) +
    torchNote(torch)
  );
}

/**
 * Says when the wall clock ran well behind the CPU time: other processes
 * took the core, and the CPU figures (in --json) are the ones to compare.
 */
function busyNote(cases: BenchCase[]): string {
  const lag = Math.max(
    ...cases.map((c) => c.ours.cpu.median / c.ours.wall.median),
  );
  if (!(lag > 1.2)) return '';
  return (
    `\nThe machine was busy: wall-clock rates ran up to ` +
    `${formatNumber(lag, 2)}× below CPU-time rates. Steps per CPU second ` +
    'are in --json; with --torch, "CPU ratio" compares them.\n'
  );
}

function runsPhrase(repeat: number): string {
  if (repeat === 1) return 'One timed run';
  return `Median of ${repeat} timed runs`;
}

function formatRate(rate: RateSummary): string {
  const median = formatCount(rate.median);
  return `${median} (${formatCount(rate.min)}–${formatCount(rate.max)})`;
}

function torchNote(torch: TorchStatus): string {
  if (torch.status === 'measured') {
    return `\nPyTorch ${torch.version} (${torch.python}), one thread.\n`;
  }
  if (torch.status === 'skipped') {
    return `\nPyTorch reference skipped: ${torch.reason}.\n`;
  }
  return '\nAdd --torch to time the same work in PyTorch.\n';
}
