/**
 * How NaN and ±Infinity travel in JSON output (CLI `--json`, the dashboard's
 * API, exports): JSON has no literal for them, and `JSON.stringify` would
 * silently turn them into `null`, which reads as "missing". They are
 * written as the strings `"NaN"`, `"Infinity"` and `"-Infinity"` instead,
 * which Python's `float()`, pandas and `Number()` all read back.
 */

/** The JSON spelling of each non-finite number. */
export const NON_FINITE_JSON = {
  nan: 'NaN',
  infinity: 'Infinity',
  negativeInfinity: '-Infinity',
} as const;

/** A non-finite number as its JSON string; any other value unchanged. */
export function jsonNumber(value: unknown): unknown {
  if (typeof value !== 'number' || Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return NON_FINITE_JSON.nan;
  return value > 0
    ? NON_FINITE_JSON.infinity
    : NON_FINITE_JSON.negativeInfinity;
}

/**
 * A `JSON.stringify` replacer applying {@link jsonNumber} everywhere,
 * including inside arrays and typed arrays (which become plain arrays).
 */
export function nonFiniteReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>);
  }
  return jsonNumber(value);
}

/**
 * `JSON.stringify` that keeps NaN and ±Infinity as strings.
 *
 * @param space indentation, as for `JSON.stringify` (default none)
 */
export function stringifyJson(value: unknown, space?: number): string {
  return JSON.stringify(value, nonFiniteReplacer, space);
}

/**
 * A `JSON.parse` reviver turning `"NaN"`, `"Infinity"` and `"-Infinity"`
 * back into numbers. Use it only where those strings can only mean numbers
 * (metric values), since it converts every string spelled exactly so.
 */
export function nonFiniteReviver(_key: string, value: unknown): unknown {
  if (value === NON_FINITE_JSON.nan) return Number.NaN;
  if (value === NON_FINITE_JSON.infinity) return Number.POSITIVE_INFINITY;
  if (value === NON_FINITE_JSON.negativeInfinity) {
    return Number.NEGATIVE_INFINITY;
  }
  return value;
}
