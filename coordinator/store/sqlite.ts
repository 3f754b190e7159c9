/**
 * Promise helpers over the callback API of the `sqlite3` package: one
 * connection, its statements, transactions and chunked multi-row inserts.
 */
import sqlite3, {
  type Database,
  type Statement as RawStatement,
  type RunResult,
} from 'sqlite3';

/** A value SQLite can bind or return. */
export type SqlValue = number | string | Buffer | null;

/** Parameters of a statement: positional. */
export type SqlParams = readonly SqlValue[];

/** How to open a connection. */
export interface OpenOptions {
  /** Open read-only (`SQLITE_OPEN_READONLY`); never creates the file. */
  readOnly?: boolean;
  /** Create the file when it does not exist (ignored when read-only). */
  create?: boolean;
  /** Milliseconds to wait for another connection's lock (default 10,000). */
  busyTimeoutMs?: number;
}

/** Default wait for a lock held by another process, milliseconds. */
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

/** Largest number of `?` parameters in one statement (SQLite's limit). */
const MAX_PARAMS = 32_766;

/** Thrown by SQLite: carries its result code name, e.g. `SQLITE_BUSY`. */
export interface SqliteError extends Error {
  code?: string;
}

/** A prepared statement, reusable until `finalize()`. */
export class Statement {
  constructor(private readonly stmt: RawStatement) {}

  /** Binds `params`, runs to completion; resolves the rows changed. */
  run(params: SqlParams = []): Promise<number> {
    return new Promise((resolve, reject) => {
      this.stmt.run(params, function (this: RunResult, error) {
        if (error) reject(error);
        else resolve(this.changes);
      });
    });
  }

  /** Binds `params` and resolves every row. */
  all<T>(params: SqlParams = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.stmt.all<T>(params, (error, rows) => {
        if (error) reject(error);
        else resolve(rows);
      });
    });
  }

  /** Releases the statement. */
  finalize(): Promise<void> {
    return new Promise((resolve) => {
      this.stmt.finalize(() => resolve());
    });
  }
}

/** One SQLite connection with promise-returning methods. */
export class Connection {
  private readonly inserts = new Map<string, Statement>();

  private constructor(
    private readonly db: Database,
    /** The file this connection has open. */
    readonly path: string,
  ) {}

  /**
   * Opens `path`. Read-only connections never create the file; others
   * create it only when `create` is set.
   */
  static open(path: string, options: OpenOptions = {}): Promise<Connection> {
    const mode = options.readOnly
      ? sqlite3.OPEN_READONLY
      : sqlite3.OPEN_READWRITE | (options.create ? sqlite3.OPEN_CREATE : 0);
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(path, mode, (error) => {
        if (error) return reject(error);
        const busy = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
        db.configure('busyTimeout', busy);
        resolve(new Connection(db, path));
      });
    });
  }

  /** Runs one statement; resolves the rows changed. */
  run(sql: string, params: SqlParams = []): Promise<number> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, function (this: RunResult, error) {
        if (error) reject(error);
        else resolve(this.changes);
      });
    });
  }

  /** Runs one statement; resolves its first row, or undefined. */
  get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.db.get<T>(sql, params, (error, row) => {
        if (error) reject(error);
        else resolve(row);
      });
    });
  }

  /** Runs one statement; resolves every row. */
  all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.db.all<T>(sql, params, (error, rows) => {
        if (error) reject(error);
        else resolve(rows);
      });
    });
  }

  /** Runs a script of several statements without parameters. */
  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.db.exec(sql, (error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }

  /** Compiles one statement for repeated use. */
  prepare(sql: string): Promise<Statement> {
    return new Promise((resolve, reject) => {
      const stmt = this.db.prepare(sql, (error) => {
        if (error) reject(error);
        else resolve(new Statement(stmt));
      });
    });
  }

  /** Sets a run-time limit of this connection (`sqlite3.LIMIT_*`). */
  limit(id: number, value: number): void {
    this.db.configure('limit', id, value);
  }

  /** Stops the statement running now (it fails with SQLITE_INTERRUPT). */
  interrupt(): void {
    this.db.interrupt();
  }

  /**
   * Runs `body` inside `BEGIN IMMEDIATE … COMMIT`: the write lock is taken
   * up front, so a concurrent writer waits instead of failing mid-way.
   * Rolls back and rethrows on any error.
   */
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    await this.run('BEGIN IMMEDIATE');
    try {
      const result = await body();
      await this.run('COMMIT');
      return result;
    } catch (error) {
      await this.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * Inserts `rows` into `table` with multi-row INSERTs of up to
   * `MAX_PARAMS` parameters; the full-size statement is prepared once per
   * connection and reused. Resolves the rows inserted.
   *
   * @param tail text after the VALUES list, e.g. `ON CONFLICT DO NOTHING`
   */
  async insertMany(
    table: string,
    columns: readonly string[],
    rows: readonly SqlParams[],
    tail = '',
  ): Promise<number> {
    const perChunk = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
    const size = Math.min(perChunk, 500);
    let inserted = 0;
    for (let start = 0; start < rows.length; start += size) {
      const chunk = rows.slice(start, start + size);
      const stmt = await this.insertStatement(
        table,
        columns,
        chunk.length,
        tail,
      );
      inserted += await stmt.run(chunk.flat());
      if (chunk.length < size)
        await this.dropInsert(table, columns, chunk.length, tail);
    }
    return inserted;
  }

  private async insertStatement(
    table: string,
    columns: readonly string[],
    count: number,
    tail: string,
  ): Promise<Statement> {
    const key = insertKey(table, columns, count, tail);
    let stmt = this.inserts.get(key);
    if (!stmt) {
      const tuple = `(${columns.map(() => '?').join(',')})`;
      const values = Array.from({ length: count }, () => tuple).join(',');
      const names = columns.join(',');
      stmt = await this.prepare(
        `INSERT INTO ${table} (${names}) VALUES ${values} ${tail}`,
      );
      this.inserts.set(key, stmt);
    }
    return stmt;
  }

  private async dropInsert(
    table: string,
    columns: readonly string[],
    count: number,
    tail: string,
  ): Promise<void> {
    const key = insertKey(table, columns, count, tail);
    const stmt = this.inserts.get(key);
    this.inserts.delete(key);
    await stmt?.finalize();
  }

  /** Finalizes cached statements and closes the connection. */
  async close(): Promise<void> {
    for (const stmt of this.inserts.values()) await stmt.finalize();
    this.inserts.clear();
    await new Promise<void>((resolve, reject) => {
      this.db.close((error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }
}

function insertKey(
  table: string,
  columns: readonly string[],
  count: number,
  tail: string,
): string {
  return `${table}|${columns.join(',')}|${count}|${tail}`;
}

/** Whether `error` is SQLite's error with result code `code`. */
export function isSqliteError(error: unknown, code: string): boolean {
  return (error as SqliteError | null)?.code === code;
}
