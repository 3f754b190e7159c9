/**
 * The SQL console's backend: the store's read-only query runner with the
 * dashboard's limits, a bound on concurrent queries, saved examples and
 * CSV output.
 */
import {
  type QueryResult,
  runReadOnlyQuery,
} from '../coordinator/store/read-only-query.ts';
import { ParamError } from './errors.ts';

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
        `${this.running} queries are running; try again in a moment`,
      );
    }
    this.running++;
    try {
      return await runReadOnlyQuery(this.dbPath, text, {
        timeoutMs: this.limits.timeoutMs,
        maxRows,
      });
    } finally {
      this.running--;
    }
  }
}

/** Checks the `sql` parameter: present, one text, not too long. */
export function checkSqlText(sql: unknown): string {
  if (typeof sql !== 'string' || sql.trim() === '') {
    throw new ParamError(
      'sql',
      sql ?? '',
      'one SELECT statement',
      400,
      'missing',
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

/** RFC 4180 CSV of a result: header line, CRLF line ends. */
export function toCsv(result: QueryResult): string {
  const lines = [result.columns.map(csvField).join(',')];
  for (const row of result.rows) {
    lines.push(row.map((v) => csvField(v === null ? '' : String(v))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function csvField(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text)
    ? `"${text.replaceAll('"', '""')}"`
    : text;
}

/** A saved example query. */
export interface ExampleQuery {
  title: string;
  sql: string;
}

/**
 * The console's saved examples, written for the sweep `sweep` (the newest
 * one, so that they return rows as they are).
 */
export function exampleQueries(sweep: string): ExampleQuery[] {
  const where = `sweep = '${sweep.replaceAll("'", "''")}'`;
  return [
    {
      title: 'Failure rate by activation and gradient method',
      sql: `SELECT activation, gradient, count(*) AS runs,
       sum(failed) AS failed,
       round(100.0 * sum(failed) / count(*), 1) AS failed_pct,
       min(rel_l2) AS best_rel_l2
FROM results
WHERE ${where}
GROUP BY activation, gradient
ORDER BY failed_pct DESC;`,
    },
    {
      title: 'ReLU: autodiff against analytic, per width',
      sql: `SELECT width, gradient, count(*) AS runs,
       avg(rel_l2) AS mean_rel_l2, max(rel_l2) AS worst_rel_l2
FROM results
WHERE ${where} AND activation = 'relu'
GROUP BY width, gradient
ORDER BY width, gradient;`,
    },
    {
      title: 'The 20 least accurate finished runs',
      sql: `SELECT run_id, activation, gradient, width, lr, status, rel_l2
FROM results
WHERE ${where} AND rel_l2 IS NOT NULL
ORDER BY rel_l2 DESC
LIMIT 20;`,
    },
    {
      title: 'Runs that diverged, crashed or timed out, with why',
      sql: `SELECT run_id, status, activation, gradient, lr, attempts,
       diverged_step, nan_metrics, error
FROM results
WHERE ${where} AND status IN ('diverged', 'crashed', 'timeout')
ORDER BY status, run_id
LIMIT 100;`,
    },
    {
      title: 'Mean training time per gradient method and width',
      sql: `SELECT gradient, width, count(wall_ms) AS runs,
       round(avg(wall_ms)) AS mean_wall_ms,
       round(avg(steps_per_s)) AS steps_per_s
FROM results
WHERE ${where}
GROUP BY gradient, width
ORDER BY gradient, width;`,
    },
    {
      title: 'Tries per worker and how they ended',
      sql: `SELECT worker, outcome, count(*) AS tries
FROM attempts
GROUP BY worker, outcome
ORDER BY worker, outcome;`,
    },
  ];
}
