/**
 * `sweep query SQL`: one reading statement over the results database, on
 * a read-only connection with a time and a row limit, printed as a table,
 * CSV or JSON.
 */
import { type Command, Option } from 'commander';
import {
  DEFAULT_QUERY_MAX_ROWS,
  DEFAULT_QUERY_TIMEOUT_MS,
  type QueryResult,
  runReadOnlyQuery,
} from '../../store/read-only-query.ts';
import { type GlobalOptions, intFlag } from '../common.ts';
import { csvLine } from '../csv.ts';
import { stringifyJson } from '../json-numbers.ts';
import { requireDbFile } from '../results-db.ts';
import { renderTable } from '../table.ts';
import type { RegisterCommand } from './index.ts';

/** Output formats of `sweep query`. */
export const QUERY_FORMATS = ['table', 'csv', 'json'] as const;

interface QueryOptions {
  format?: (typeof QUERY_FORMATS)[number];
  maxRows: number;
  timeoutMs: number;
}

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

function isNumber(value: unknown): boolean {
  return typeof value === 'number' || NON_FINITE.has(value as string);
}

function renderHuman(result: QueryResult): string {
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
    (result.truncated ? ' (more left out: raise --max-rows)' : '') +
    ` · ${result.elapsedMs.toFixed(0)} ms`;
  const table =
    result.columns.length > 0 ? `${renderTable(columns, rows)}\n` : '';
  return `${table}${footer}\n`;
}

function renderCsv(result: QueryResult): string {
  return [result.columns, ...result.rows].map(csvLine).join('');
}

function renderJson(result: QueryResult): string {
  const objects = result.rows.map((row) =>
    Object.fromEntries(result.columns.map((c, i) => [c, row[i]])),
  );
  if (objects.length === 0) return '[]\n';
  return `[\n${objects.map((o) => stringifyJson(o)).join(',\n')}\n]\n`;
}

async function query(sql: string, options: QueryOptions & GlobalOptions) {
  requireDbFile(options.db);
  const format = options.format ?? (options.json ? 'json' : 'table');
  const result = await runReadOnlyQuery(options.db, sql, {
    timeoutMs: options.timeoutMs,
    maxRows: options.maxRows,
  });
  if (format === 'table') {
    process.stdout.write(renderHuman(result));
    return;
  }
  process.stdout.write(
    format === 'csv' ? renderCsv(result) : renderJson(result),
  );
  if (result.truncated) {
    process.stderr.write(
      `sweep: only the first ${options.maxRows} rows were written; ` +
        'raise --max-rows for more\n',
    );
  }
}

/** Registers `sweep query SQL`. */
export const register: RegisterCommand = (program) => {
  program
    .command('query')
    .argument('<sql>', 'one SELECT (or WITH … SELECT, VALUES, EXPLAIN)')
    .description(
      'Run one read-only SQL statement over the results (table `results` ' +
        'and the others in the README); nothing can be changed',
    )
    .addOption(
      new Option('--format <format>', 'output format (default table)').choices(
        QUERY_FORMATS,
      ),
    )
    .addOption(
      new Option('--max-rows <n>', 'most rows returned')
        .argParser(intFlag(1, 1_000_000))
        .default(DEFAULT_QUERY_MAX_ROWS),
    )
    .addOption(
      new Option('--timeout-ms <n>', 'stop the query after this many ms')
        .argParser(intFlag(1, 600_000))
        .default(DEFAULT_QUERY_TIMEOUT_MS),
    )
    .action(async (sql: string, _opts, command: Command) => {
      await query(sql, command.optsWithGlobals<QueryOptions & GlobalOptions>());
    });
};
