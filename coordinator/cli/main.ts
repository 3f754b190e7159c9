/**
 * The `sweep` command: parses arguments, dispatches to a subcommand, and
 * maps failures to exit codes (0 ok, 1 the work failed, 2 bad input).
 * Each subcommand loads the modules it needs only once it is chosen, so
 * `sweep --help` and small commands start quickly.
 */
import { Command, CommanderError, Option } from 'commander';
import { InputError } from '../input-error.ts';
import { hidePassword } from '../queue/redis-url.ts';
import { commands } from './commands/index.ts';
import {
  defaultDbPath,
  defaultRedisUrl,
  defaultThreads,
  EXIT,
  intFlag,
  REDIS_COMMANDS,
  redisUrlFlag,
} from './common.ts';
import { fillChosen } from './lazy-details.ts';
import { refuseMissingAndRepeatedFlags } from './strict-options.ts';

function buildProgram(): Command {
  const program = new Command('sweep')
    .description(
      'Grid sweeps of Deep Ritz training runs over a worker pool, ' +
        'recorded in SQLite.',
    )
    .showHelpAfterError()
    .exitOverride()
    // Commander quotes a refused value whole, and help shows defaults
    // (REDIS_URL's among them): a Redis URL's password must not reach the
    // terminal or a log that way.
    .configureOutput({
      writeOut: (text) => process.stdout.write(hidePassword(text)),
      writeErr: (text) => process.stderr.write(hidePassword(text)),
      outputError: (text, write) => write(hidePassword(text)),
    });

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
  addHelpCommand(program);
  refuseMissingAndRepeatedFlags(program);
  program.hook('preSubcommand', (_program, chosen) => fillChosen(chosen));
  program.hook('preAction', (_program, chosen) => checkRedisFlag(chosen));
  return program;
}

/**
 * `sweep help [command]`, as commander's own but completing the command
 * first (commander's prints its help before any hook could run).
 */
function addHelpCommand(program: Command): void {
  program
    .command('help')
    .argument('[command]')
    .description('display help for command')
    .helpOption(false)
    .action(async (name: string | undefined) => {
      const chosen = program.commands.find((c) => c.name() === name);
      if (name === undefined) program.help();
      if (!chosen) program.help({ error: true });
      await fillChosen(chosen);
      chosen.help();
    });
}

/**
 * Refuses a database number the Redis server does not have before the
 * command changes anything (ioredis would fall back to database 0).
 */
async function checkRedisFlag(chosen: Command): Promise<void> {
  const url: string | undefined = chosen.optsWithGlobals().redis;
  if (!url || !REDIS_COMMANDS.has(chosen.name())) return;
  const { checkRedisDatabase } = await import('../queue/connection.ts');
  try {
    await checkRedisDatabase(url);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(`--redis (or $REDIS_URL): ${error.message}`);
  }
}

async function exitCodeOf(error: unknown): Promise<number> {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  }
  if (error instanceof InputError) return EXIT.badInput;
  // The settings schema is loaded already whenever it can have thrown.
  const { ConfigError } = await import('../../workers/run-config.ts');
  return error instanceof ConfigError ? EXIT.badInput : EXIT.workFailed;
}

/**
 * An environment variable set to nothing counts as not set: `REDIS_URL=`
 * asks for local mode, `SWEEP_DB=` for the default file.
 */
function dropEmptyEnv(): void {
  for (const name of ['SWEEP_DB', 'REDIS_URL']) {
    if (process.env[name]?.trim() === '') delete process.env[name];
  }
}

/**
 * A reader that stops reading (`sweep query … | head`) ends the output,
 * not the command: later writes are dropped and the exit code is the
 * command's own (0 when it succeeded), so that a
 * pipeline under `set -o pipefail` does not fail because its reader had
 * enough. A long `run` or `worker` goes on with its work.
 */
function dropOutputToClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}

async function main(argv: string[]): Promise<void> {
  dropEmptyEnv();
  dropOutputToClosedPipes();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = await exitCodeOf(error);
    if (!(error instanceof CommanderError)) {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`sweep: ${message}\n`);
    }
    process.exitCode = code;
  }
}

await main(process.argv);
