/**
 * The distributed engine's coordinator side: enqueue, record, cancel,
 * count. Workers live in `workers/worker-process.ts`.
 */
export { cancelQueued, clearCancelled } from './cancel.ts';
export { type QueueCounts, queueCounts } from './counts.ts';
export {
  DEFAULT_BACKOFF_MS,
  EnqueueError,
  type EnqueueOptions,
  enqueueRuns,
  type QueueSweep,
  type RunToQueue,
  unfinishedOnly,
} from './enqueue.ts';
export {
  type EventSink,
  type Recorder,
  type RecorderOptions,
  startRecorder,
} from './recorder.ts';
