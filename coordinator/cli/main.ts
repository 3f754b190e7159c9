/**
 * The `sweep` command: parses arguments, dispatches to a subcommand, and
 * maps failures to exit codes (0 ok, 1 the work failed, 2 bad input).
 */
import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../../workers/run-config.ts';
import { InputError } from '../input-error.ts';
import { commands } from './commands/index.ts';
import {
  defaultDbPath,
  defaultRedisUrl,
  defaultThreads,
  EXIT,
  intFlag,
  redisUrlFlag,
} from './common.ts';

function buildProgram(): Command {
  const program = new Command('sweep')
    .description(
      'Grid sweeps of Deep Ritz training runs over a worker pool, ' +
        'recorded in SQLite.',
    )
    .showHelpAfterError()
    .exitOverride();

  program
    .addOption(
      new Option('--db <path>', 'SQLite results file')
        .env('SWEEP_DB')
        .default(defaultDbPath()),
    )
    .addOption(
      new Option('--redis <url>', 'Redis URL; absent means local mode')
        .env('REDIS_URL')
        .argParser(redisUrlFlag)
        .default(defaultRedisUrl()),
    )
    .addOption(
      new Option('--threads <n>', 'worker threads')
        .argParser(intFlag(1, 1024))
        .default(defaultThreads()),
    )
    .option('--json', 'machine-readable output', false);

  for (const register of commands) register(program);
  return program;
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  }
  if (error instanceof InputError || error instanceof ConfigError) {
    return EXIT.badInput;
  }
  return EXIT.workFailed;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = exitCodeOf(error);
    if (!(error instanceof CommanderError)) {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`sweep: ${message}\n`);
    }
    process.exitCode = code;
  }
}

await main(process.argv);
