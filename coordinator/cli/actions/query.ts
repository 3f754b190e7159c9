/**
 * `sweep query SQL`: one reading statement over the results database, on
 * a read-only connection with a time and a row limit, printed as a table,
 * CSV or JSON.
 */
import {
  DEFAULT_QUERY_MAX_BYTES,
  type QueryResult,
  runReadOnlyQuery,
} from '../../store/read-only-query.ts';
import { MOST_QUERY_ROWS, type QUERY_FORMATS } from '../commands/query.ts';
import type { GlobalOptions } from '../common.ts';
import { csvLine } from '../csv.ts';
import { stringifyJson } from '../json-numbers.ts';
import { requireDbFile } from '../results-db.ts';
import { renderTable } from '../table.ts';

/** Options of `sweep query`. */
export interface QueryOptions {
  format?: (typeof QUERY_FORMATS)[number];
  maxRows: number;
  timeoutMs: number;
}

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

function isNumber(value: unknown): boolean {
  return typeof value === 'number' || NON_FINITE.has(value as string);
}

/** What to do when rows were left out: more rows, or a narrower query. */
function forMore(result: QueryResult, maxRows: number): string {
  if (result.cutBy === 'bytes') {
    return (
      `the rows shown hold the most text and blob bytes one answer may ` +
      `(${DEFAULT_QUERY_MAX_BYTES / 1024 / 1024} MiB): select fewer or ` +
      'shorter columns (substr, length) or use `sweep export` for every run'
    );
  }
  if (maxRows < MOST_QUERY_ROWS) return 'raise --max-rows for more';
  return (
    `${MOST_QUERY_ROWS} is the most --max-rows allows: narrow the query ` +
    '(WHERE, LIMIT, GROUP BY) or use `sweep export` for every run'
  );
}

function renderHuman(result: QueryResult, maxRows: number): string {
  const numeric = result.columns.map((_, i) =>
    result.rows.every((r) => r[i] === null || isNumber(r[i])),
  );
  const columns = result.columns.map((header, i) => ({
    header,
    align: numeric[i] ? ('right' as const) : ('left' as const),
  }));
  const rows = result.rows.map((r) =>
    r.map((v) => (v === null ? 'NULL' : String(v))),
  );
  const n = result.rows.length;
  const footer =
    `${n} row${n === 1 ? '' : 's'}` +
    (result.truncated ? ` (more left out: ${forMore(result, maxRows)})` : '') +
    ` · ${result.elapsedMs.toFixed(0)} ms`;
  const table =
    result.columns.length > 0 ? `${renderTable(columns, rows)}\n` : '';
  return `${table}${footer}\n`;
}

function renderCsv(result: QueryResult): string {
  return [result.columns, ...result.rows].map((v) => csvLine(v)).join('');
}

function renderJson(result: QueryResult): string {
  const objects = result.rows.map((row) =>
    Object.fromEntries(result.columns.map((c, i) => [c, row[i]])),
  );
  if (objects.length === 0) return '[]\n';
  return `[\n${objects.map((o) => stringifyJson(o)).join(',\n')}\n]\n`;
}

/** `row was`, `3 rows were`. */
function firstRows(n: number): string {
  return n === 1 ? 'row was' : `${n} rows were`;
}

/** Runs `sql` and prints the result in the chosen format. */
export async function query(
  sql: string,
  options: QueryOptions & GlobalOptions,
) {
  requireDbFile(options.db);
  const format = options.format ?? (options.json ? 'json' : 'table');
  const result = await runReadOnlyQuery(options.db, sql, {
    timeoutMs: options.timeoutMs,
    maxRows: options.maxRows,
  });
  if (format === 'table') {
    process.stdout.write(renderHuman(result, options.maxRows));
    return;
  }
  process.stdout.write(
    format === 'csv' ? renderCsv(result) : renderJson(result),
  );
  if (result.truncated) {
    process.stderr.write(
      `sweep: only the first ${firstRows(result.rows.length)} written; ` +
        `${forMore(result, options.maxRows)}\n`,
    );
  }
}
