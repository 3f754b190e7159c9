/**
 * `sweep worker`: joins a Redis queue from any machine and trains runs
 * until stopped (SIGTERM or SIGINT: finish or hand back, then exit 0).
 */
import { type Command, Option } from 'commander';
import type { WorkerOptions } from '../actions/worker.ts';
import { intFlag } from '../common.ts';
import { defaultWhenChosen } from '../lazy-details.ts';
import type { RegisterCommand } from './index.ts';

const workerProcess = () => import('../../../workers/worker-process.ts');

/** Registers `sweep worker`. */
export const register: RegisterCommand = (program) => {
  const command = program
    .command('worker')
    .summary('train runs from a Redis queue until stopped')
    .description(
      'Join the sweep queue at --redis/REDIS_URL and train runs on ' +
        '--threads threads (default: cores), one run per thread. Start as ' +
        'many workers as you like, on any machine that reaches the Redis. ' +
        'SIGTERM or Ctrl-C stops taking runs, lets running ones finish ' +
        'within --grace-ms, hands the rest back to the queue and exits 0.',
    );
  const lockMs = new Option(
    '--lock-ms <ms>',
    'job lock, renewed while training; a dead worker’s runs are ' +
      'redelivered after about this long',
  ).argParser(intFlag(100, 3_600_000));
  const graceMs = new Option(
    '--grace-ms <ms>',
    'on stop, time running runs get to finish before being handed back',
  ).argParser(intFlag(0, 86_400_000));
  const threadHeapMb = new Option(
    '--thread-heap-mb <mb>',
    'heap limit of one training thread; a thread over it fails its run',
  ).argParser(intFlag(16, 65_536));
  command
    .addOption(
      defaultWhenChosen(command, lockMs, async () => {
        return (await workerProcess()).DEFAULT_LOCK_MS;
      }),
    )
    .addOption(
      defaultWhenChosen(command, graceMs, async () => {
        return (await workerProcess()).DEFAULT_GRACE_MS;
      }),
    )
    .addOption(
      defaultWhenChosen(command, threadHeapMb, async () => {
        const pool = await import('../../../workers/pool.ts');
        return pool.DEFAULT_THREAD_HEAP_MB;
      }),
    )
    .option('--quiet', 'no line per run started or finished', false)
    .action(async (_opts, cmd: Command) => {
      const { runWorker } = await import('../actions/worker.ts');
      await runWorker(cmd.optsWithGlobals<WorkerOptions>());
    });
};
