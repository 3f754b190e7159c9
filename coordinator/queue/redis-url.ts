/**
 * What a Redis URL may look like, checked without loading the client (the
 * CLI checks its --redis flag before it loads anything else).
 */

/** The accepted form of a Redis URL, for messages. */
export const REDIS_URL_FORM =
  'redis://[user:password@]HOST[:PORT][/DB] or rediss://… (TLS), ' +
  'PORT from 1 to 65535 and DB a database number 0, 1, …';

/**
 * Why `url` is not a Redis URL, or undefined when it is one: the scheme,
 * a parsable host and port, and a path that is empty or a database number.
 */
export function redisUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL (is the port from 1 to 65535?)';
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    return `the scheme is "${parsed.protocol}"`;
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    return `the database "${decodeURIComponent(db)}" is not a number`;
  }
  return undefined;
}

/**
 * `text` with the password of every Redis URL in it replaced by `***`, for
 * messages about URLs that may not even parse. As in a URL, the password
 * runs to the last `@` before the host.
 */
export function hidePassword(text: string): string {
  return text.replace(/(rediss?:\/\/[^:@/\s'"[\]]*:)[^\s'"]*@/g, '$1***@');
}
