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

/** The error thrown for an invalid spec: every problem, one per line. */
export function specError(source: string, issues: string[]): InputError {
  const n = issues.length;
  const problems = `${n} problem${n === 1 ? '' : 's'}`;
  const head = `${source}: the sweep spec has ${problems}`;
  return new InputError(`${head}:\n  ${issues.join('\n  ')}`, issues);
}

/** `1234567` → `1,234,567`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}
