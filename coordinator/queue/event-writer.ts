/**
 * The worker's side of the events stream: events go out in batches, one
 * stream entry (one XADD) per batch, in the order they were emitted.
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

/** Options of `createEventWriter`. */
export interface EventWriterOptions {
  /**
   * How long a `start` event may wait for company, milliseconds (default
   * 0: the next turn of the event loop). A short run's `final` then goes
   * out in the same entry, halving the writes. Any other event flushes
   * the batch on the next turn.
   */
  startLingerMs?: number;
}

interface Batch {
  events: RecorderEvent[];
  done: Promise<void>;
  flushNow: () => void;
}

/** An event writer over `redis` (a client that waits out outages). */
export function createEventWriter(
  redis: Redis,
  options: EventWriterOptions = {},
): EventWriter {
  const lingerMs = options.startLingerMs ?? 0;
  let open: Batch | undefined;

  const openBatch = (): Batch => {
    let timer: NodeJS.Timeout | undefined;
    let fire: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      fire = resolve;
    });
    const batch: Batch = {
      events: [],
      done: ready.then(async () => {
        if (open === batch) open = undefined;
        await redis.xadd(
          EVENTS_STREAM,
          '*',
          EVENTS_FIELD,
          encodeEvents(batch.events),
        );
      }),
      flushNow: () => {
        clearTimeout(timer);
        setImmediate(fire);
      },
    };
    if (lingerMs > 0) timer = setTimeout(fire, lingerMs);
    else setImmediate(fire);
    return batch;
  };

  return {
    emit(event) {
      open ??= openBatch();
      const batch = open;
      batch.events.push(event);
      if (event.kind !== 'start' && lingerMs > 0) batch.flushNow();
      return batch.done;
    },
  };
}
