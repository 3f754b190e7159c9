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
   *   another site sent the request), 404 (unknown name) or 415 (a body
   *   of a type not taken)
   */
  constructor(
    readonly parameter: string,
    readonly value: unknown,
    readonly allowed: readonly string[] | string,
    readonly status: 400 | 403 | 404 | 415 = 400,
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
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const shown = text ?? String(value);
  return shown.length > ECHO_LIMIT
    ? `${shown.slice(0, ECHO_LIMIT)}… (${shown.length} characters)`
    : shown;
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
