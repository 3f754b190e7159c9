/**
 * `sweep worker`: joins a Redis queue from any machine and trains runs
 * until stopped (SIGTERM or SIGINT: finish or hand back, then exit 0).
 */
import type { Command } from 'commander';
import { DEFAULT_THREAD_HEAP_MB } from '../../../workers/pool.ts';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_LOCK_MS,
  startWorker,
} from '../../../workers/worker-process.ts';
import { InputError } from '../../input-error.ts';
import { type GlobalOptions, intFlag } from '../common.ts';
import type { RegisterCommand } from './index.ts';

interface WorkerFlags {
  lockMs: number;
  graceMs: number;
  threadHeapMb: number;
  quiet: boolean;
}

/** Registers `sweep worker`. */
export const register: RegisterCommand = (program) => {
  program
    .command('worker')
    .summary('train runs from a Redis queue until stopped')
    .description(
      'Join the sweep queue at --redis/REDIS_URL and train runs on ' +
        '--threads threads (default: cores), one run per thread. Start as ' +
        'many workers as you like, on any machine that reaches the Redis. ' +
        'SIGTERM or Ctrl-C stops taking runs, lets running ones finish ' +
        'within --grace-ms, hands the rest back to the queue and exits 0.',
    )
    .option(
      '--lock-ms <ms>',
      'job lock, renewed while training; a dead worker’s runs are ' +
        'redelivered after about this long',
      intFlag(100, 3_600_000),
      DEFAULT_LOCK_MS,
    )
    .option(
      '--grace-ms <ms>',
      'on stop, time running runs get to finish before being handed back',
      intFlag(0, 86_400_000),
      DEFAULT_GRACE_MS,
    )
    .option(
      '--thread-heap-mb <mb>',
      'heap limit of one training thread; a thread over it fails its run',
      intFlag(16, 65_536),
      DEFAULT_THREAD_HEAP_MB,
    )
    .option('--quiet', 'no line per run started or finished', false)
    .action((_opts, cmd: Command) => runWorker(cmd));
};

async function runWorker(cmd: Command): Promise<void> {
  const options = cmd.optsWithGlobals<GlobalOptions & WorkerFlags>();
  if (!options.redis) {
    throw new InputError(
      'sweep worker needs Redis: pass --redis redis://HOST:PORT or set ' +
        'REDIS_URL (without Redis, `sweep run` trains locally)',
    );
  }
  const worker = await startWorker({
    redisUrl: options.redis,
    threads: options.threads,
    lockMs: options.lockMs,
    graceMs: options.graceMs,
    threadHeapMb: options.threadHeapMb,
    logRuns: !options.quiet,
  });
  const how = await new Promise<'clean' | 'forced'>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.stdout.write(
        `worker ${worker.id}: ${signal} received ` +
          '(again to quit at once; runs return after their lock expires)\n',
      );
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      worker.stop().then(resolve, () => resolve('forced'));
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  // A forced stop may leave a Redis command pending: do not wait for it.
  if (how === 'forced') process.stdout.write('', () => process.exit(0));
}
