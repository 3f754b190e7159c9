/**
 * Errors the dashboard answers with a 4xx, and the JSON body that carries
 * them: what was wrong, the value received and what is allowed.
 */
import { InputError } from '../coordinator/input-error.ts';

/** Longest echo of a rejected value, characters. */
const ECHO_LIMIT = 200;

/** What a 4xx answer says, as JSON. */
export interface ErrorBody {
  error: {
    /** HTTP status. */
    status: number;
    /** One line: the parameter, the value got and what is allowed. */
    message: string;
    /** The query parameter, path parameter or body field at fault. */
    parameter?: string;
    /** The rejected value, shortened to 200 characters. */
    value?: string;
    /** Allowed values or a description of them. */
    allowed?: string[] | string;
  };
}

/**
 * A request parameter (or header) that is malformed (400) or names
 * nothing (404).
 */
export class ParamError extends InputError {
  /**
   * @param parameter name of the parameter, e.g. `x` or `filter.width`
   * @param value what the request gave
   * @param allowed the allowed values, or a phrase describing them
   * @param status 400 (malformed, the default), 403 (a header says
   *   another site sent the request), 404 (unknown name), 405 (a method
   *   the path does not take) or 415 (a body of a type not taken)
   */
  constructor(
    readonly parameter: string,
    readonly value: unknown,
    readonly allowed: readonly string[] | string,
    readonly status: 400 | 403 | 404 | 405 | 415 = 400,
    detail?: string,
  ) {
    super(paramMessage(parameter, value, allowed, detail));
    this.name = 'ParamError';
  }

  /** The JSON body of this error. */
  toBody(): ErrorBody {
    return {
      error: {
        status: this.status,
        message: this.message,
        parameter: this.parameter,
        value: echo(this.value),
        allowed:
          typeof this.allowed === 'string' ? this.allowed : [...this.allowed],
      },
    };
  }
}

/** A request without a valid token (401). */
export class AuthError extends Error {
  /**
   * 401 for a missing or wrong token; 403 for a request addressed to a
   * host this dashboard does not answer to (no token would help).
   */
  constructor(
    message: string,
    readonly status: 401 | 403 = 401,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

/** A value as it is echoed back: text, at most 200 characters. */
export function echo(value: unknown): string {
  if (typeof value === 'string') return shorten(value, value.length);
  const { head, length } = jsonHead(value, ECHO_LIMIT + 1);
  return length === 0 ? String(value) : shorten(head, length);
}

function shorten(text: string, length: number): string {
  if (length <= ECHO_LIMIT) return text;
  const count =
    length > JSON_WALK_LIMIT
      ? `over ${JSON_WALK_LIMIT} characters`
      : `${length} characters`;
  return `${text.slice(0, ECHO_LIMIT)}… (${count})`;
}

/** Most characters of JSON text `jsonHead` counts before it stops. */
const JSON_WALK_LIMIT = 1_000_000;

/** A piece of JSON text still to write, or a value still to write out. */
type Pending = { text: string } | { value: unknown };

/**
 * The first `keep` characters of `value` as JSON.stringify writes it, and
 * the length of the whole text (counted up to just past 1,000,000).
 * Written with a stack of its own, not by recursion: a request body nested
 * 30,000 deep, which JSON.parse reads, would overflow JSON.stringify's
 * call stack. Length 0 means `value` has no JSON form.
 */
function jsonHead(
  value: unknown,
  keep: number,
): { head: string; length: number } {
  const pending: Pending[] = [{ value }];
  let head = '';
  let length = 0;
  const write = (text: string) => {
    if (head.length < keep) head += text.slice(0, keep - head.length);
    length += text.length;
  };
  while (pending.length > 0 && length <= JSON_WALK_LIMIT) {
    const next = pending.pop() as Pending;
    if ('text' in next) {
      write(next.text);
      continue;
    }
    let v = next.value;
    if (typeof (v as { toJSON?: unknown } | null)?.toJSON === 'function') {
      v = (v as { toJSON(): unknown }).toJSON();
    }
    if (Array.isArray(v)) {
      const parts: Pending[] = [{ text: '[' }];
      v.forEach((item, i) => {
        if (i > 0) parts.push({ text: ',' });
        parts.push({ value: hasJson(item) ? item : null });
      });
      parts.push({ text: ']' });
      pending.push(...parts.reverse());
    } else if (v !== null && typeof v === 'object') {
      const parts: Pending[] = [{ text: '{' }];
      for (const [key, item] of Object.entries(v)) {
        if (!hasJson(item)) continue;
        if (parts.length > 1) parts.push({ text: ',' });
        parts.push({ text: `${JSON.stringify(key)}:` }, { value: item });
      }
      parts.push({ text: '}' });
      pending.push(...parts.reverse());
    } else if (hasJson(v)) {
      write(typeof v === 'bigint' ? String(v) : JSON.stringify(v));
    }
  }
  return { head, length };
}

/** Whether JSON.stringify writes `value` (rather than leaving it out). */
function hasJson(value: unknown): boolean {
  return (
    value !== undefined &&
    typeof value !== 'function' &&
    typeof value !== 'symbol'
  );
}

function paramMessage(
  parameter: string,
  value: unknown,
  allowed: readonly string[] | string,
  detail?: string,
): string {
  const allowedText =
    typeof allowed === 'string' ? allowed : listText(allowed, 30);
  const why = detail ? `: ${detail}` : '';
  return (
    `${parameter}: ${JSON.stringify(echo(value))} is not allowed${why}; ` +
    `allowed: ${allowedText}`
  );
}

/** `a, b, c` — at most `max` items, then "… and N more". */
export function listText(items: readonly string[], max: number): string {
  if (items.length === 0) return '(none)';
  const shown = items.slice(0, max).join(', ');
  const more = items.length - max;
  return more > 0 ? `${shown}, … and ${more} more` : shown;
}
