/**
 * Validation of query parameters at the edge: every parameter is known,
 * given once, and within its allowed values or bounds; anything else is a
 * ParamError naming the parameter, the value and what is allowed.
 */
import { NAME_PATTERN } from '../coordinator/spec/validate-spec.ts';
import { ParamError } from './errors.ts';

/** A parsed query string: values are strings, or arrays when repeated. */
export type RawQuery = Record<string, unknown>;

/**
 * Rejects parameters that the route does not know.
 *
 * @param names exact parameter names allowed
 * @param prefixes allowed name prefixes, e.g. `filter.`
 */
export function checkParamNames(
  query: RawQuery,
  names: readonly string[],
  prefixes: readonly string[] = [],
): void {
  for (const name of Object.keys(query)) {
    if (names.includes(name)) continue;
    if (prefixes.some((p) => name.startsWith(p) && name.length > p.length)) {
      continue;
    }
    const allowed = [...names, ...prefixes.map((p) => `${p}<setting>`)];
    throw new ParamError(name, query[name], allowed, 400, 'unknown parameter');
  }
}

/** The one value of `name`, or undefined when absent. */
export function single(query: RawQuery, name: string): string | undefined {
  if (!Object.hasOwn(query, name)) return undefined;
  const value = query[name];
  if (typeof value === 'string') return value;
  throw new ParamError(name, value, 'one value', 400, 'given more than once');
}

/**
 * Every value of a repeatable parameter; `a=1&a=2` and `a=1,2` both give
 * `['1', '2']`. Empty pieces are dropped; a parameter given with no value
 * at all is refused.
 */
export function list(query: RawQuery, name: string): string[] {
  if (!Object.hasOwn(query, name)) return [];
  const value = query[name];
  const parts = Array.isArray(value) ? value : [value];
  if (parts.length > 100 || parts.some((p) => typeof p !== 'string')) {
    throw new ParamError(name, value, 'at most 100 text values');
  }
  const values = (parts as string[])
    .flatMap((part) => part.split(','))
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (values.length === 0) {
    // An empty value is a typo more often than a wish for "all": say so
    // rather than silently showing everything.
    throw new ParamError(
      name,
      value,
      'at least one value; leave the parameter out to mean all',
    );
  }
  return values;
}

/**
 * An integer parameter within [min, max], or `fallback` when absent.
 */
export function intParam(
  query: RawQuery,
  name: string,
  bounds: { min: number; max: number; fallback: number },
): number {
  const raw = single(query, name);
  if (raw === undefined) return bounds.fallback;
  const value = Number(raw);
  if (
    !/^[+-]?\d{1,16}$/.test(raw) ||
    value < bounds.min ||
    value > bounds.max
  ) {
    throw new ParamError(
      name,
      raw,
      `an integer from ${bounds.min} to ${bounds.max}`,
    );
  }
  return value;
}

/** One of `allowed`, or `fallback` when absent. */
export function enumParam<T extends string>(
  query: RawQuery,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = single(query, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ParamError(name, raw, allowed);
  }
  return raw as T;
}

/** Sweep names as specs allow them: letters, digits, `-` and `_`. */
export const SWEEP_NAME = NAME_PATTERN;

/** Run ids: 16 lower-case hex digits. */
export const RUN_ID = /^[0-9a-f]{16}$/;

/** Checks the form of a sweep name taken from the path. */
export function sweepNameParam(value: string, name = 'sweep'): string {
  if (!SWEEP_NAME.test(value)) {
    throw new ParamError(
      name,
      value,
      'a sweep name: 1 to 64 letters, digits, - or _',
    );
  }
  return value;
}

/** Checks the form of a run id. */
export function runIdParam(value: unknown, name = 'run'): string {
  if (typeof value !== 'string' || !RUN_ID.test(value)) {
    throw new ParamError(name, value, 'a run id: 16 hex digits (0-9, a-f)');
  }
  return value;
}
