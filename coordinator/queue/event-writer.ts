/**
 * The worker's side of the events stream: events emitted in the same turn
 * of the event loop go out as one stream entry (one XADD), in order.
 */
import type { Redis } from 'ioredis';
import type { RecorderEvent } from '../../workers/events.ts';
import { encodeEvents } from './event-codec.ts';
import { EVENTS_STREAM } from './keys.ts';

/** Field of a stream entry that holds its encoded events. */
export const EVENTS_FIELD = 'e';

/** Appends events to the stream. */
export interface EventWriter {
  /**
   * Queues `event`; resolves once the entry holding it is in Redis (so a
   * final result is durable before its job completes). While Redis is
   * unreachable it waits for the reconnection.
   */
  emit(event: RecorderEvent): Promise<void>;
}

interface Batch {
  events: RecorderEvent[];
  done: Promise<void>;
}

/** An event writer over `redis` (a client that waits out outages). */
export function createEventWriter(redis: Redis): EventWriter {
  let open: Batch | undefined;

  const flush = async (batch: Batch) => {
    if (open === batch) open = undefined;
    const text = encodeEvents(batch.events);
    await redis.xadd(EVENTS_STREAM, '*', EVENTS_FIELD, text);
  };

  return {
    emit(event) {
      if (!open) {
        const batch: Batch = { events: [], done: Promise.resolve() };
        // Flushing on the next turn gathers every event emitted now.
        batch.done = new Promise((resolve) => setImmediate(resolve)).then(() =>
          flush(batch),
        );
        open = batch;
      }
      open.events.push(event);
      return open.done;
    },
  };
}
