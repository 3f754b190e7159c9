/**
 * How spec problems are written: `path: what is allowed (got VALUE)`.
 */
import { InputError } from '../input-error.ts';
import type { SpecPath } from './source-text.ts';

/** `['grid', 'width', 2]` → `grid.width[2]`; the empty path → `(root)`. */
export function formatPath(path: SpecPath): string {
  let text = '';
  for (const part of path) {
    text += typeof part === 'number' ? `[${part}]` : text ? `.${part}` : part;
  }
  return text || '(root)';
}

/**
 * A received value as JSON, shortened to about 60 characters. A number is
 * shown as the spec wrote it when `spelling` (its source text) is known;
 * a number, or numeric text, that float64 cannot hold says what it became.
 */
export function show(value: unknown, spelling?: string): string {
  if (value === undefined) return 'nothing';
  let text: string;
  let note = '';
  if (typeof value === 'number') {
    const written = spelling?.trim();
    // Other spellings (0x1F, .inf), and text that is not this number's.
    const known =
      written && DECIMAL.test(written) && Object.is(Number(written), value);
    text = known ? written : String(value);
    if (known) note = lostRange(written, value);
  } else if (typeof value === 'string' && DECIMAL.test(value.trim())) {
    text = JSON.stringify(value);
    note = lostRange(value.trim(), Number(value));
  } else {
    // JSON has no Infinity or NaN and would write them as null.
    text =
      JSON.stringify(value, (_key, item) =>
        typeof item === 'number' && !Number.isFinite(item)
          ? String(item)
          : item,
      ) ?? String(value);
  }
  return (text.length > 60 ? `${text.slice(0, 57)}…` : text) + note;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * What the decimal `text` became as the float64 `value` when that is out
 * of range: `1e-400` is read as 0 and `1e400` as Infinity, which alone
 * would make a message a riddle ("got 0" for a value written non-zero).
 */
function lostRange(text: string, value: number): string {
  if (!Number.isFinite(value)) {
    return `, too large for a float64 number: read as ${value}`;
  }
  const mantissa = text.split(/e/i)[0];
  if (value === 0 && /[1-9]/.test(mantissa)) {
    return ', too small for a float64 number: read as 0';
  }
  return '';
}

/**
 * One problem line: `path: message (got VALUE)`, the value as written
 * when `got.spelling` gives its source text.
 */
export function problemLine(
  path: SpecPath,
  message: string,
  got?: { value: unknown; spelling?: string },
): string {
  const suffix = got ? ` (got ${show(got.value, got.spelling)})` : '';
  return `${formatPath(path)}: ${message}${suffix}`;
}

/**
 * Most problem lines one message lists: a spec with thousands of bad
 * values would otherwise bury the first (often the cause) in a screenful.
 */
export const MAX_LISTED = 20;

/**
 * The error thrown for an invalid spec: the problems one per line, the
 * first `MAX_LISTED` of them and then how many more. `issues` of the
 * error keeps every one.
 */
export function specError(source: string, issues: string[]): InputError {
  const head = `${source}: the sweep spec has ${counted(issues.length, 'problem')}`;
  return listError(head, issues, 'problem');
}

/**
 * `head:` and the lines of `issues`, capped at `MAX_LISTED` with a last
 * line that counts the rest: `… and 49,980 more problems`.
 */
export function listError(
  head: string,
  issues: string[],
  noun: string,
): InputError {
  const listed = issues.slice(0, MAX_LISTED);
  const rest = issues.length - listed.length;
  if (rest > 0) listed.push(`… and ${counted(rest, `more ${noun}`)}`);
  return new InputError(`${head}:\n  ${listed.join('\n  ')}`, issues);
}

/** `1 problem`, `50,000 problems`. */
export function counted(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** `1234567` → `1,234,567`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}
