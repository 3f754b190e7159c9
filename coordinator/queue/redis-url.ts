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
  if (/\s/.test(url)) {
    return 'it holds a space: in a password write it as %20';
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    if (url.includes('#')) {
      return 'not a URL: a # in a password must be written %23';
    }
    return 'not a URL (is the port from 1 to 65535?)';
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    return `the scheme is "${parsed.protocol}"`;
  }
  try {
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    return 'the user or password is not valid percent-encoding (write % as %25)';
  }
  if (parsed.search || parsed.hash) {
    return (
      'a query (?…) or fragment (#…) is not read: a password goes ' +
      'before the host, as the expected form shows'
    );
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    return `the database "${safeDecode(db)}" is not a number`;
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * `text` with the password of every URL in it replaced by `***`, for
 * messages about URLs that may not even parse (any scheme: a mistyped one
 * still carries the password). As in a URL, the password runs to the last
 * `@` before the host; on a line with more, a little more is hidden. A
 * `password=` in a query is hidden too.
 */
export function hidePassword(text: string): string {
  return text
    .replace(/([a-z][\w+.-]*:\/\/[^:@/\s'"[\]]*:)[^'"\n]*@/gi, '$1***@')
    .replace(/([?&](?:password|pass|pwd)=)[^&\s'"]*/gi, '$1***');
}
