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

/** A received value as JSON, shortened to about 60 characters. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON has no Infinity or NaN and would write them as null.
  const text =
    typeof value === 'number'
      ? String(value)
      : (JSON.stringify(value, (_key, item) =>
          typeof item === 'number' && !Number.isFinite(item)
            ? String(item)
            : item,
        ) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** One problem line: `path: message (got VALUE)`. */
export function problemLine(
  path: SpecPath,
  message: string,
  got?: { value: unknown },
): string {
  const suffix = got ? ` (got ${show(got.value)})` : '';
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
