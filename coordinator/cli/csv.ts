/**
 * CSV output (RFC 4180 quoting), the same for `sweep query`, `sweep export`
 * and the dashboard's download: a field with a comma, a quote, a line
 * break or surrounding spaces is quoted and its quotes doubled. NULL is
 * an empty field and an empty string is `""`, so the two stay apart;
 * NaN and ±Infinity are written `NaN`, `Infinity`, `-Infinity`, which
 * pandas, R and spreadsheets read as numbers.
 */

/** One value as a CSV field. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = String(value);
  if (text === '') return '""';
  if (/[",\r\n]/.test(text) || text.trim() !== text) {
    return `"${text.replaceAll('"', '""')}"`;
  }
  return text;
}

/**
 * One CSV line, with its line end: `\n` (default) or `\r\n`, as RFC 4180
 * has it.
 */
export function csvLine(
  values: readonly unknown[],
  eol: '\n' | '\r\n' = '\n',
): string {
  return `${values.map(csvField).join(',')}${eol}`;
}
