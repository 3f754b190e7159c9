/**
 * Durations as a spec writes them: `10m`, `90s`, `1h30m`, `500ms`, or a
 * number of seconds.
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)/y;
const SECONDS = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** The duration forms a spec accepts, for messages. */
export const DURATION_FORMS =
  'a duration such as "10m", "90s", "1h30m", "500ms", or a number of seconds';

/**
 * Milliseconds of a duration, rounded to a whole millisecond, or
 * undefined when `value` is not a duration. A number, or a string that
 * is only a number, counts seconds.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return toMs(value * 1000);
  if (typeof value !== 'string') return undefined;
  const text = value.replace(/\s+/g, '');
  if (SECONDS.test(text)) return toMs(Number(text) * 1000);
  return text === '' ? undefined : sumOfParts(text);
}

function sumOfParts(text: string): number | undefined {
  let ms = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const part = PART.exec(text);
    if (!part) return undefined;
    ms += Number(part[1]) * UNIT_MS[part[2] as keyof typeof UNIT_MS];
  }
  return toMs(ms);
}

function toMs(ms: number): number | undefined {
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}
