/**
 * The SQL console's backend: the store's read-only query runner with the
 * dashboard's limits, a bound on concurrent queries, saved examples and
 * CSV output.
 */

import { csvLine } from '../coordinator/cli/csv.ts';
import { InputError } from '../coordinator/input-error.ts';
import {
  EXAMPLE_QUERIES,
  type ExampleQuery,
} from '../coordinator/store/example-queries.ts';
import {
  type QueryResult,
  runReadOnlyQuery,
} from '../coordinator/store/read-only-query.ts';
import { ParamError } from './errors.ts';
import { formatCount } from './format.ts';

/** Limits of console queries. */
export interface ConsoleLimits {
  /** Time limit of one query, ms (default 5000). */
  timeoutMs: number;
  /** Rows shown on the page and returned by the JSON API (default 1000). */
  maxRows: number;
  /** Rows in a CSV download (default 100,000). */
  csvMaxRows: number;
  /** Queries running at once; more get a 429 (default 2). */
  concurrent: number;
}

/** Default console limits. */
export const DEFAULT_CONSOLE_LIMITS: ConsoleLimits = {
  timeoutMs: 5000,
  maxRows: 1000,
  csvMaxRows: 100_000,
  concurrent: 2,
};

/** Longest SQL text accepted by the console, characters. */
export const MAX_CONSOLE_SQL = 20_000;

/** Too many console queries at once (answered with 429). */
export class BusyError extends Error {
  readonly status = 429;
}

/** Runs console queries against one store file within limits. */
export class SqlConsole {
  private running = 0;

  constructor(
    private readonly dbPath: string,
    readonly limits: ConsoleLimits,
  ) {}

  /**
   * Runs one read-only statement.
   *
   * @param maxRows row limit (default the page limit)
   * @throws ParamError for a missing or too long query; InputError from
   *   the runner for refused SQL or the time limit; BusyError when too many
   *   queries run
   */
  async run(sql: unknown, maxRows = this.limits.maxRows): Promise<QueryResult> {
    const text = checkSqlText(sql);
    if (this.running >= this.limits.concurrent) {
      throw new BusyError(
        `${this.running === 1 ? '1 query is' : `${this.running} queries are`} ` +
          'running; try again in a moment',
      );
    }
    this.running++;
    try {
      return await runReadOnlyQuery(this.dbPath, text, {
        timeoutMs: this.limits.timeoutMs,
        maxRows,
      });
    } catch (error) {
      throw this.timeLimitAdvice(error);
    } finally {
      this.running--;
    }
  }

  /**
   * The runner's message for a query stopped at the time limit ends "raise
   * the time limit", which a console user cannot do: `sweep dashboard` has
   * no flag for it. Say what they can do instead; other errors are kept.
   */
  private timeLimitAdvice(error: unknown): unknown {
    if (
      !(error instanceof InputError) ||
      !error.message.startsWith(STOPPED_AT_TIME_LIMIT)
    ) {
      return error;
    }
    return new InputError(
      `query stopped: it ran past the console's time limit of ` +
        `${formatCount(this.limits.timeoutMs)} ms; narrow it (WHERE, ` +
        'LIMIT), or run it in a shell with `sweep query --timeout-ms N ' +
        '--db STORE`, which allows longer',
    );
  }
}

/** How the query runner's message for a stopped query begins. */
const STOPPED_AT_TIME_LIMIT = 'query stopped: it ran past the time limit';

/** Checks the `sql` parameter: present, one text, not too long. */
export function checkSqlText(sql: unknown): string {
  if (typeof sql !== 'string' || sql.trim() === '') {
    const absent = sql === undefined || sql === null || sql === '';
    throw new ParamError(
      'sql',
      sql ?? '',
      'one SELECT statement, as text',
      400,
      absent || typeof sql === 'string' ? 'missing' : 'not a text',
    );
  }
  if (sql.length > MAX_CONSOLE_SQL) {
    throw new ParamError(
      'sql',
      sql,
      `at most ${MAX_CONSOLE_SQL} characters`,
      400,
      'too long',
    );
  }
  return sql;
}

/**
 * RFC 4180 CSV of a result: header line, CRLF line ends, fields as
 * `sweep query --format csv` writes them (NULL an empty field, an empty
 * text `""`).
 */
export function toCsv(result: QueryResult): string {
  const lines = [result.columns, ...result.rows];
  return lines.map((values) => csvLine(values, '\r\n')).join('');
}

/** The sweep the README's examples are written for. */
const EXAMPLE_SWEEP = 'relu-failure';

/**
 * The README's example queries (the store's list), pointed at a sweep this
 * store has: `relu-failure` when present, else the newest sweep.
 *
 * @param sweeps names of the store's sweeps, newest first
 */
export function exampleQueries(sweeps: readonly string[]): ExampleQuery[] {
  const target =
    sweeps.includes(EXAMPLE_SWEEP) || sweeps.length === 0
      ? EXAMPLE_SWEEP
      : sweeps[0];
  const literal = `'${target.replaceAll("'", "''")}'`;
  return EXAMPLE_QUERIES.map((example) => ({
    ...example,
    sql: example.sql.replaceAll(`'${EXAMPLE_SWEEP}'`, literal),
  }));
}
