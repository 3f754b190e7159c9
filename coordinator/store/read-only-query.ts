/**
 * One SQL statement from a user (`sweep query`, the dashboard console),
 * run so that it cannot change anything: text checks first
 * (`sql-guard.ts`), then a separate connection opened read-only, with
 * ATTACH disabled and `query_only` set, a time limit that interrupts the
 * statement, a row limit and a limit on the bytes a result may hold.
 */
import sqlite3 from 'sqlite3';
import { jsonNumber } from '../cli/json-numbers.ts';
import { InputError } from '../input-error.ts';
import { checkReadOnlySql } from './sql-guard.ts';
import { Connection, type SqliteError } from './sqlite.ts';

/** Limits of one query. */
export interface QueryOptions {
  /** Stop the query after this many milliseconds (default 5000). */
  timeoutMs?: number;
  /** Return at most this many rows (default 10,000). */
  maxRows?: number;
  /**
   * Return rows only while their text and blob values add up to at most
   * this many bytes (default 16 MiB): a few huge values cannot exhaust
   * memory however few rows they take.
   */
  maxBytes?: number;
}

/**
 * A value in a result: numbers are finite; NaN and ±Infinity come as the
 * strings "NaN", "Infinity", "-Infinity" (JSON-safe); blobs as `X'…'` hex.
 */
export type QueryCell = number | string | null;

/** What a query returned. */
export interface QueryResult {
  /** Column names in order; duplicates get a suffix (`x`, `x:1`). */
  columns: string[];
  /** Rows as arrays in `columns` order. */
  rows: QueryCell[][];
  /** Whether rows past `maxRows` or `maxBytes` were left out. */
  truncated: boolean;
  /** When rows were left out: which limit left them out. */
  cutBy?: 'rows' | 'bytes';
  /** Wall time, milliseconds. */
  elapsedMs: number;
}

/** Default time limit, milliseconds. */
export const DEFAULT_QUERY_TIMEOUT_MS = 5000;
/** Default row limit. */
export const DEFAULT_QUERY_MAX_ROWS = 10_000;
/** Default limit on the bytes of a result's text and blob values. */
export const DEFAULT_QUERY_MAX_BYTES = 16 * 1024 * 1024;

const LIMITS = {
  timeoutMs: { min: 1, max: 600_000 },
  maxRows: { min: 1, max: 1_000_000 },
  maxBytes: { min: 1024, max: 1024 * 1024 * 1024 },
} as const;

const DEFAULTS = {
  timeoutMs: DEFAULT_QUERY_TIMEOUT_MS,
  maxRows: DEFAULT_QUERY_MAX_ROWS,
  maxBytes: DEFAULT_QUERY_MAX_BYTES,
} as const;

/** Longest text or blob a query may build, bytes. */
const MAX_VALUE_BYTES = 32 * 1024 * 1024;

/** Name of the temporary view that wraps the user's statement. */
const VIEW = 'pinn_sweep_query';

/**
 * Runs one reading statement on a read-only connection to `dbPath`.
 *
 * @throws InputError when the statement is refused, fails, or passes the
 *   time limit (the message says why)
 */
export async function runReadOnlyQuery(
  dbPath: string,
  sql: string,
  options: QueryOptions = {},
): Promise<QueryResult> {
  const timeoutMs = limit('timeoutMs', options.timeoutMs);
  const maxRows = limit('maxRows', options.maxRows);
  const maxBytes = limit('maxBytes', options.maxBytes);
  const statement = checkReadOnlySql(sql);
  const started = performance.now();
  const db = await openReadOnly(dbPath);
  const deadline = interruptAfter(db, timeoutMs);
  try {
    const result =
      statement.kind === 'explain'
        ? await runExplain(db, statement.text, maxRows)
        : await runThroughView(db, statement.text, maxRows, maxBytes);
    return { ...result, elapsedMs: performance.now() - started };
  } catch (error) {
    throw queryError(error, deadline.expired(), timeoutMs, dbPath);
  } finally {
    deadline.stop();
    await db.close();
  }
}

function limit(name: keyof typeof LIMITS, value: number | undefined): number {
  if (value === undefined) return DEFAULTS[name];
  const { min, max } = LIMITS[name];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InputError(
      `${name} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}

/**
 * Opens `dbPath` read-only for one user query: no ATTACH, bounded value
 * sizes, a short busy wait. Never creates the file.
 */
export async function openReadOnly(dbPath: string): Promise<Connection> {
  let db: Connection;
  try {
    db = await Connection.open(dbPath, { readOnly: true, busyTimeoutMs: 1000 });
  } catch (error) {
    const reason = (error as Error).message;
    throw new Error(`cannot open results database ${dbPath}: ${reason}`);
  }
  db.limit(sqlite3.LIMIT_ATTACHED, 0);
  db.limit(sqlite3.LIMIT_LENGTH, MAX_VALUE_BYTES);
  return db;
}

/**
 * Runs `sql` as it is on `db` and returns at most `maxRows` rows: the
 * executor under `runReadOnlyQuery`, without its text checks. On a
 * connection from `openReadOnly` SQLite itself refuses any write.
 */
export async function executeReadOnly(
  db: Connection,
  sql: string,
  maxRows: number,
): Promise<{ rows: Record<string, unknown>[]; truncated: boolean }> {
  const rows = await db.all<Record<string, unknown>>(sql);
  return {
    rows: rows.slice(0, maxRows),
    truncated: rows.length > maxRows,
  };
}

/**
 * SELECT, WITH and VALUES run as a temporary view: its column list gives
 * the names in order (also for an empty result, and distinct when the
 * query repeats one), and the outer LIMIT stops SQLite after maxRows + 1.
 */
async function runThroughView(
  db: Connection,
  text: string,
  maxRows: number,
  maxBytes: number,
): Promise<Omit<QueryResult, 'elapsedMs'>> {
  await db.run(`CREATE TEMP VIEW ${VIEW} AS ${text}\n`);
  const columns = (
    await db.all<{ name: string }>(`PRAGMA temp.table_info(${VIEW})`)
  ).map((c) => c.name);
  await db.run('PRAGMA query_only = 1');
  const { rows, truncated } = await executeReadOnly(
    db,
    budgetedSelect(columns, maxRows, maxBytes),
    maxRows,
  );
  const kept = rows.filter((row) => Number(row.within) === 1);
  const cells = kept.map((row) => columns.map((_, i) => cell(row[`c${i}`])));
  const overBytes = kept.length < rows.length;
  return {
    columns,
    rows: cells,
    truncated: truncated || overBytes,
    ...(overBytes
      ? { cutBy: 'bytes' as const }
      : truncated
        ? { cutBy: 'rows' as const }
        : {}),
  };
}

/**
 * Selects the view's columns as c0, c1, … with a running total of their
 * text and blob bytes. The first row past `maxBytes` comes back with its
 * values left out and `within` 0, so the caller knows the result was cut
 * without ever holding the values that would exceed the budget.
 */
function budgetedSelect(
  columns: string[],
  maxRows: number,
  maxBytes: number,
): string {
  const names = columns.map((name) => quoteName(name));
  const size =
    names.map((n) => `coalesce(length(CAST(${n} AS BLOB)), 0)`).join(' + ') ||
    '0';
  const within = `__total <= ${maxBytes}`;
  const picked = names.map(
    (_, i) => `CASE WHEN ${within} THEN c${i} END AS c${i}`,
  );
  return (
    `SELECT ${[...picked, `${within} AS within`].join(', ')} FROM (` +
    `SELECT ${names.map((n, i) => `${n} AS c${i}`).join(', ')}, ` +
    `sum(${size}) OVER (ROWS UNBOUNDED PRECEDING) AS __total, ` +
    `${size} AS __size FROM (SELECT * FROM temp.${VIEW} ` +
    `LIMIT ${maxRows + 1})) WHERE __total - __size <= ${maxBytes}`
  );
}

async function runExplain(
  db: Connection,
  text: string,
  maxRows: number,
): Promise<Omit<QueryResult, 'elapsedMs'>> {
  await db.run('PRAGMA query_only = 1');
  const { rows, truncated } = await executeReadOnly(db, text, maxRows);
  const columns = rows.length > 0 ? Object.keys(rows[0]) : [];
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  return {
    columns,
    rows: cells,
    truncated,
    ...(truncated ? { cutBy: 'rows' as const } : {}),
  };
}

function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function cell(value: unknown): QueryCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return jsonNumber(value) as number | string;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) {
    return `X'${value.toString('hex').toUpperCase()}'`;
  }
  return String(value);
}

/** Interrupts `db` once `ms` have passed, and again until stopped. */
function interruptAfter(db: Connection, ms: number) {
  let expired = false;
  let repeat: NodeJS.Timeout | undefined;
  // sqlite3_interrupt only stops statements running at that moment, so
  // it is repeated until the query has ended, whatever it runs next.
  const timer = setTimeout(() => {
    expired = true;
    db.interrupt();
    repeat = setInterval(() => db.interrupt(), 20);
  }, ms);
  return {
    expired: () => expired,
    stop() {
      clearTimeout(timer);
      if (repeat) clearInterval(repeat);
    },
  };
}

const USER_ERRORS = new Set([
  'SQLITE_ERROR',
  'SQLITE_READONLY',
  'SQLITE_AUTH',
  'SQLITE_TOOBIG',
  'SQLITE_RANGE',
  'SQLITE_MISMATCH',
  'SQLITE_CONSTRAINT',
  'SQLITE_INTERRUPT',
]);

function queryError(
  error: unknown,
  expired: boolean,
  ms: number,
  dbPath: string,
): unknown {
  if (expired) {
    return new InputError(
      `query stopped: it ran past the time limit of ${ms} ms; narrow it ` +
        '(WHERE, LIMIT) or raise the time limit',
    );
  }
  const code = (error as SqliteError | null)?.code;
  if (code === 'SQLITE_NOTADB') {
    return new InputError(`${dbPath} is not a SQLite database`);
  }
  if (code && USER_ERRORS.has(code)) {
    const message = (error as Error).message.replace(/^SQLITE_\w+: /, '');
    return new InputError(`query failed: ${message}`);
  }
  return error;
}
