/**
 * `sweep gradcheck`: the three gradients (`autodiff`, `analytic`,
 * `finite-difference`) of one run's loss at one θ, side by side, with
 * their pairwise cosine and relative difference.
 */
import type { Command } from 'commander';
import { addRunFlags } from '../run-flag-names.ts';
import type { RegisterCommand } from './index.ts';

/** Registers `sweep gradcheck`. */
export const register: RegisterCommand = (program) => {
  const command = program
    .command('gradcheck')
    .summary('compare the three gradients at one θ')
    .description(
      'Compute the autodiff, analytic and finite-difference gradients of ' +
        "one run's loss at one θ (from --seed, or from --params FILE) and " +
        'their pairwise cosine and relative difference.',
    )
    .option(
      '--params <file>',
      'θ as JSON {"w":[…],"a":[…],"c":[…],"d":x}; its length sets the ' +
        'width unless --width is given (default: initialise from --seed)',
    );
  addRunFlags(command).action(async (_opts, cmd: Command) => {
    const { runGradcheck } = await import('../actions/gradcheck.ts');
    runGradcheck(cmd);
  });
};
