/**
 * Events as text for the Redis stream. JSON cannot carry NaN or ±Infinity,
 * which are legitimate metric and curve values, so the number fields of a
 * result travel as the strings "NaN", "Infinity" and "-Infinity" and are
 * turned back into numbers on the way out. A result whose curve and
 * samples are already text (`RecordedResult`) keeps that text as it is.
 */
import type { RecorderEvent } from '../../workers/events.ts';
import type { FinalResult, TrainResult } from '../../workers/result.ts';

type Numbers = number[];

function hasNonFinite(values: Numbers): boolean {
  for (const value of values) if (!Number.isFinite(value)) return true;
  return false;
}

function spell(values: Numbers): (number | string)[] {
  if (!hasNonFinite(values)) return values;
  return values.map((v) => (Number.isFinite(v) ? v : String(v)));
}

function read(values: (number | string)[]): Numbers {
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] === 'string') values[i] = Number(values[i]);
  }
  return values as Numbers;
}

function spellMetrics(metrics: TrainResult['metrics']) {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(metrics)) {
    const finite = typeof value !== 'number' || Number.isFinite(value);
    out[name] = finite ? value : String(value);
  }
  return out;
}

function readMetrics(metrics: Record<string, unknown>) {
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value === 'string') metrics[name] = Number(value);
  }
}

function spellResult(result: FinalResult) {
  if ('loss_json' in result) {
    return { ...result, metrics: spellMetrics(result.metrics) };
  }
  return {
    ...result,
    metrics: spellMetrics(result.metrics),
    curve: { step: spell(result.curve.step), loss: spell(result.curve.loss) },
    samples: {
      x: spell(result.samples.x),
      u: spell(result.samples.u),
      u_star: spell(result.samples.u_star),
    },
  };
}

function readResult(result: FinalResult): void {
  readMetrics(result.metrics as unknown as Record<string, unknown>);
  if ('loss_json' in result) return;
  const { curve, samples } = result;
  read(curve.step);
  read(curve.loss);
  read(samples.x);
  read(samples.u);
  read(samples.u_star);
}

/** Encodes events as one JSON text, keeping NaN and ±Infinity. */
export function encodeEvents(events: readonly RecorderEvent[]): string {
  return JSON.stringify(
    events.map((event) =>
      event.kind === 'final' && event.result
        ? { ...event, result: spellResult(event.result) }
        : event,
    ),
  );
}

/** Decodes the text of `encodeEvents`. */
export function decodeEvents(text: string): RecorderEvent[] {
  const events = JSON.parse(text) as RecorderEvent[];
  for (const event of events) {
    if (event.kind === 'final' && event.result) readResult(event.result);
  }
  return events;
}
