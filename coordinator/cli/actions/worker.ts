/**
 * `sweep worker`: joins a Redis queue from any machine and trains runs
 * until stopped (SIGTERM or SIGINT: finish or hand back, then exit 0).
 */
import { createWorker } from '../../../workers/worker-process.ts';
import { InputError } from '../../input-error.ts';
import type { GlobalOptions } from '../common.ts';

/** Flags of `sweep worker`. */
interface WorkerFlags {
  lockMs: number;
  graceMs: number;
  threadHeapMb: number;
  quiet: boolean;
}

/** Options of `sweep worker`. */
export type WorkerOptions = GlobalOptions & WorkerFlags;

/** Runs a worker until SIGTERM or SIGINT. */
export async function runWorker(options: WorkerOptions): Promise<void> {
  if (!options.redis) {
    throw new InputError(
      'sweep worker needs Redis: pass --redis redis://HOST:PORT or set ' +
        'REDIS_URL (without Redis, `sweep run` trains locally)',
    );
  }
  const worker = createWorker({
    redisUrl: options.redis,
    threads: options.threads,
    lockMs: options.lockMs,
    graceMs: options.graceMs,
    threadHeapMb: options.threadHeapMb,
    logRuns: !options.quiet,
  });
  // Listening before starting: a worker still waiting for Redis stops on
  // a signal too, and exits 0, instead of being killed by it.
  const stopped = new Promise<'clean' | 'forced'>((resolve) => {
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
  await worker.start();
  const how = await stopped;
  // A forced stop may leave a Redis command pending: do not wait for it.
  if (how === 'forced') process.stdout.write('', () => process.exit(0));
}
