/**
 * `sweep bench`: training steps per second on one thread, for the work a
 * PyTorch Deep Ritz script does with a fixed collocation grid (midpoint
 * rule, ansatz, Adam, autodiff, float64), optionally side by side with
 * that PyTorch script itself (bench/torch-deep-ritz.py).
 */
import { type Command, Option } from 'commander';
import { intFlag } from '../common.ts';
import { fillWhenChosen } from '../lazy-details.ts';
import { addRunFlag } from '../run-flag-names.ts';
import { describeAllowed } from '../strict-options.ts';
import type { RegisterCommand } from './index.ts';

/** Timed repetitions per case (default of `--repeat`). */
export const DEFAULT_BENCH_REPEAT = 5;

/** Python that runs the PyTorch reference (default of `--python`). */
export const DEFAULT_TORCH_PYTHON = '/usr/bin/python3';

/** Registers `sweep bench`. */
export const register: RegisterCommand = (program) => {
  const command = program
    .command('bench')
    .summary('measure training steps per second on one thread')
    .description(
      'Measure training steps per second on one thread: midpoint rule with ' +
        'N nodes, ansatz, Adam, autodiff, sine problem, float64. Without ' +
        '--activation/--width/--nodes it runs tanh and relu at W 20/N 256 ' +
        'and W 100/N 1024. Each case: a warm-up run, then --repeat timed ' +
        'runs; the median is reported with the min–max spread.',
    );
  addRunFlag(command, 'activation', 'tanh and relu');
  addRunFlag(command, 'width', '20, and 100 with N 1024');
  addRunFlag(command, 'nodes', '256, and 1024 with W 100');
  addRunFlag(command, 'steps', '2000 at W 20/N 256, 100 at W 100/N 1024');
  // A timed run needs 2 steps (the first one's time is left out).
  fillWhenChosen(command, async () => {
    const { MAX_STEPS } = await import('../run-flags.ts');
    const steps = command.options.find((o) => o.long === '--steps');
    if (steps) {
      const allowed = `an integer from 2 to ${MAX_STEPS}`;
      steps.description = steps.description.replace(
        /an integer from \d+ to \d+/,
        allowed,
      );
      describeAllowed(steps, () => allowed);
    }
  });
  command
    .addOption(
      new Option('--repeat <r>', 'timed runs per case, 1–100')
        .argParser(intFlag(1, 100))
        .default(DEFAULT_BENCH_REPEAT),
    )
    .option('--torch', 'also time the PyTorch script and show the ratio')
    .addOption(
      new Option('--python <path>', 'Python that has torch, for --torch')
        .env('SWEEP_TORCH_PYTHON')
        .default(DEFAULT_TORCH_PYTHON),
    )
    .action(async (_opts, cmd: Command) => {
      const { runBench } = await import('../actions/bench.ts');
      runBench(cmd);
    });
};
