/**
 * Canonical JSON: the one spelling of a value that identity hashes use.
 */

/**
 * JSON with object keys sorted (by UTF-16 code units, as `Array#sort`
 * orders strings) at every level and no whitespace. Numbers are written
 * as JavaScript writes them (`0.001`, `1e-7`), so equal numbers give equal
 * text however the input spelled them. Keys whose value is `undefined`
 * are left out, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
