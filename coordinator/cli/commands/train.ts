/**
 * `sweep train`: trains one network with the given settings and prints its
 * metrics and verdict, or the whole result as JSON.
 */
import type { Command } from 'commander';
import { DEFAULT_REL_L2_THRESHOLD } from '../../../workers/result.ts';
import { addRunFlags } from '../run-flag-names.ts';
import type { RegisterCommand } from './index.ts';

/** Registers `sweep train`. */
export const register: RegisterCommand = (program) => {
  const command = program
    .command('train')
    .summary('train one network and print its metrics')
    .description(
      'Train one Deep Ritz network with the given settings (defaults: ' +
        'sine, tanh, W 20, ansatz, Adam 1e-3, 3000 steps) and print its ' +
        'verdict, metrics and the gradient check at the initial θ. ' +
        'Exit code 0 whenever the run completes, whatever its verdict.',
    )
    .option(
      '--threshold <x>',
      `largest rel_l2 counted as done (default ${DEFAULT_REL_L2_THRESHOLD})`,
    );
  addRunFlags(command).action(async (_opts, cmd: Command) => {
    const { runTrain } = await import('../actions/train.ts');
    runTrain(cmd);
  });
};
