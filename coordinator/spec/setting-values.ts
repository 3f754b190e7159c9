/**
 * One run setting's value, read from a spec: checked against the run
 * settings schema (workers/run-config.ts, the single definition of names,
 * allowed values and defaults) and normalised (numbers as numbers).
 */
import {
  formatIssues,
  runConfigSchema,
  SETTING_NAMES,
} from '../../workers/run-config.ts';
import { formatPath, problemLine, show } from './report.ts';
import type { SpecPath } from './source-text.ts';
import { didYouMean } from './suggest.ts';
import type { SettingName, SettingValue } from './types.ts';

/** Where problems go, and how the spec spelled a scalar. */
export interface ReadContext {
  /** Problem lines found so far. */
  issues: string[];
  /** The scalar at a path as written in the source, if known. */
  spelling(path: SpecPath): string | undefined;
}

/** Whether `key` names a run setting. */
export function isSettingName(key: string): key is SettingName {
  return (SETTING_NAMES as string[]).includes(key);
}

/** `unknown setting "lrate"; allowed: …; did you mean lr?` */
export function unknownSetting(key: string): string {
  const allowed = SETTING_NAMES.join(', ');
  const hint = didYouMean(key, SETTING_NAMES);
  return `unknown setting ${JSON.stringify(key)}; allowed: ${allowed}${hint}`;
}

/**
 * Validates and normalises one value of setting `key`; on failure adds a
 * problem naming `path`, the value and what the setting allows.
 */
export function readSetting(
  key: SettingName,
  value: unknown,
  path: SpecPath,
  ctx: ReadContext,
): SettingValue | undefined {
  if (Array.isArray(value)) {
    const message = `${key} takes one value here; lists are for grid axes`;
    ctx.issues.push(problemLine(path, message, { value }));
    return undefined;
  }
  const schema = runConfigSchema.shape[key];
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const lines = formatIssues(parsed.error, value, formatPath(path));
    const written = asWritten(value, ctx.spelling(path));
    ctx.issues.push(...withRange(new Set(lines), schema).map(written));
    return undefined;
  }
  const inexact = key === 'seed' ? inexactSpelling(value, path, ctx) : '';
  if (inexact) {
    const message = `a seed is an exact integer; ${inexact} is not one`;
    ctx.issues.push(`${formatPath(path)}: ${message}`);
    return undefined;
  }
  return parsed.data as SettingValue;
}

/**
 * The settings schema shows a number as JavaScript writes it (`got 0`);
 * the spec's text says what was written (`got 1e-400, too small for a
 * float64 number: read as 0`), as other spec problems do.
 */
function asWritten(value: unknown, spelling: string | undefined) {
  // As formatIssues writes them.
  const text =
    typeof value === 'number' ? String(value) : JSON.stringify(value);
  const plain = ` (got ${text})`;
  const shown = ` (got ${show(value, spelling)})`;
  return (line: string) =>
    line.endsWith(plain) ? line.slice(0, -plain.length) + shown : line;
}

/**
 * "expected a number" alone does not say which numbers: the range is
 * taken from the schema itself, by the message it gives for a number far
 * out of any range, or for a fraction where integers are required.
 */
function withRange(lines: Set<string>, schema: ProbeSchema): string[] {
  const range = rangeMessage(schema);
  if (!range) return [...lines];
  return [...lines].map((line) =>
    line.replace(/: expected a number(?= \(got |$)/, `: ${range}`),
  );
}

interface ProbeSchema {
  safeParse(value: unknown): {
    success: boolean;
    error?: { issues: { message: string }[] };
  };
}

function rangeMessage(schema: ProbeSchema): string | undefined {
  for (const probe of [-1e300, 0.5]) {
    const result = schema.safeParse(probe);
    if (!result.success) return result.error?.issues[0]?.message;
  }
  return undefined;
}

/**
 * A seed like `9007199254740990.7` would silently become an integer once
 * read as a double; seeds must be exact, so the written text is checked.
 * Returns that text if it is not an exact integer, else ''.
 */
function inexactSpelling(value: unknown, path: SpecPath, ctx: ReadContext) {
  const text = typeof value === 'string' ? value : ctx.spelling(path);
  // Other spellings (YAML's 0x1F, 0o17) are integers read exactly.
  const parts = text === undefined ? null : DECIMAL.exec(text);
  if (!parts) return '';
  const integer = integerDigits(parts[1] ?? '', parts[2] ?? '', parts[3]);
  const parsed = Number(value);
  const exact =
    integer !== undefined &&
    Number.isSafeInteger(parsed) &&
    BigInt(integer) === BigInt(parsed);
  return exact ? '' : text!.trim();
}

const DECIMAL = /^\s*\+?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?\s*$/i;

/** The integer a decimal spells, as digits, or undefined if it has none. */
function integerDigits(whole: string, fraction: string, exponent = '0') {
  const digits = whole + fraction;
  const shift = Number(exponent) - fraction.length;
  if (/^0*$/.test(digits)) return '0';
  if (shift >= 0) return shift > 30 ? undefined : digits + '0'.repeat(shift);
  const cut = Math.max(digits.length + shift, 0);
  if (/[^0]/.test(digits.slice(cut))) return undefined;
  return digits.slice(0, cut) || '0';
}
