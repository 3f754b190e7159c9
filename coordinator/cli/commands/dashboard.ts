/**
 * `sweep dashboard`: serves the web dashboard over the results store (and
 * the queue, with --redis) until stopped with Ctrl-C or SIGTERM.
 */
import type { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT } from '../../../dashboard/address.ts';
import type { DashboardFlags } from '../actions/dashboard.ts';
import { type GlobalOptions, intFlag } from '../common.ts';
import type { RegisterCommand } from './index.ts';

/** Registers `sweep dashboard`. */
export const register: RegisterCommand = (program) => {
  program
    .command('dashboard')
    .summary('serve the web dashboard: progress, failure map, runs, SQL')
    .description(
      'Serve the dashboard over the results store at --db: live progress ' +
        'of every sweep, the failure map, each run with its curves, and a ' +
        'read-only SQL console. With --redis it also shows the queue. ' +
        'Binds 127.0.0.1 unless --host says otherwise; any other address ' +
        'needs --token (or $SWEEP_DASHBOARD_TOKEN), which every request ' +
        'must then carry.',
    )
    .option(
      '--port <n>',
      'TCP port (0: any free one)',
      intFlag(0, 65535),
      DEFAULT_PORT,
    )
    .option('--host <address>', 'address to bind', DEFAULT_HOST)
    .option(
      '--token <token>',
      'secret every request must carry (≥ 16 characters); default ' +
        '$SWEEP_DASHBOARD_TOKEN',
    )
    .action(async (_opts, cmd: Command) => {
      const { serve } = await import('../actions/dashboard.ts');
      const fromEnv = cmd.getOptionValueSourceWithGlobals('redis') === 'env';
      await serve(
        cmd.optsWithGlobals<GlobalOptions & DashboardFlags>(),
        fromEnv,
      );
    });
};
