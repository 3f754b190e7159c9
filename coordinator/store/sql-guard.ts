/**
 * Text checks of the read-only SQL console: exactly one statement, and
 * only one that reads. The SQL is split into tokens the way SQLite reads
 * it (string literals, quoted names, `--` and block comments), so a `;`
 * or a keyword inside a literal or a comment is not mistaken for code,
 * and code cannot hide behind something that looks like a comment.
 */
import { InputError } from '../input-error.ts';

/** A token of SQL text. */
interface Token {
  kind: 'word' | 'quoted' | 'string' | 'number' | 'param' | 'punct' | ';';
  /** Words lower-cased; quoted names without their quotes. */
  value: string;
  /** Offset in the text. */
  start: number;
}

/** A statement that passed the checks. */
export interface CheckedStatement {
  /** The statement without its trailing `;` and comments. */
  text: string;
  /** `explain` for EXPLAIN …; `select` for SELECT, WITH and VALUES. */
  kind: 'select' | 'explain';
}

/** Longest SQL text accepted, characters. */
export const MAX_SQL_LENGTH = 100_000;

const READING = new Set(['select', 'with', 'values']);

/** Words that only appear in statements that write or change state. */
const WRITING = new Set([
  'insert',
  'update',
  'delete',
  'replace',
  'create',
  'drop',
  'alter',
  'vacuum',
  'reindex',
  'analyze',
  'begin',
  'commit',
  'rollback',
  'savepoint',
  'release',
]);

/** Words refused with their own reason. */
const SPECIAL = new Set(['attach', 'detach', 'pragma']);

/** Functions that reach outside the database. */
const FORBIDDEN_FUNCTIONS = new Set([
  'load_extension',
  'fts3_tokenizer',
  'readfile',
  'writefile',
]);

/**
 * Checks that `sql` is exactly one statement that only reads: SELECT,
 * WITH … SELECT, VALUES or EXPLAIN of one of those.
 *
 * @throws InputError saying what was refused and why
 */
export function checkReadOnlySql(sql: string): CheckedStatement {
  if (sql.length > MAX_SQL_LENGTH) {
    refuse(
      `the query is ${sql.length} characters long; at most ` +
        `${MAX_SQL_LENGTH} are allowed`,
    );
  }
  if (sql.includes('\u0000')) refuse('the query contains a NUL character');
  const all = tokenize(sql);
  const end = all.findIndex((t) => t.kind === ';');
  const tokens = end === -1 ? all : all.slice(0, end);
  if (tokens.length === 0) {
    refuse('the query is empty; write one SELECT statement');
  }
  if (end !== -1 && end < all.length - 1) {
    refuse(
      'only one statement is allowed, but more SQL follows the ";" at ' +
        `${where(sql, all[end].start)}`,
    );
  }
  const kind = checkLead(sql, tokens);
  for (let i = 0; i < tokens.length; i++) checkToken(sql, tokens, i);
  const text = end === -1 ? sql : sql.slice(0, all[end].start);
  return { text: text.trim(), kind };
}

function checkLead(sql: string, tokens: Token[]): CheckedStatement['kind'] {
  const lead = tokens[0];
  const word = lead.kind === 'word' ? lead.value : '';
  if (READING.has(word)) return 'select';
  if (word === 'explain') {
    const next = tokens.find(
      (t, i) =>
        i > 0 && !(t.kind === 'word' && ['query', 'plan'].includes(t.value)),
    );
    if (next?.kind === 'word' && READING.has(next.value)) return 'explain';
    refuse('EXPLAIN is allowed only before SELECT, WITH or VALUES');
  }
  if (SPECIAL.has(word)) refuseWord(sql, lead);
  const shown = word ? word.toUpperCase() : JSON.stringify(sql.trim()[0]);
  refuse(
    'only statements that read are allowed (SELECT, WITH … SELECT, ' +
      `VALUES, EXPLAIN); this one starts with ${shown}` +
      (WRITING.has(word) ? ', which writes' : ''),
  );
}

function checkToken(sql: string, tokens: Token[], i: number): void {
  const token = tokens[i];
  const next = tokens[i + 1];
  const called = next?.kind === 'punct' && next.value === '(';
  if (token.kind === 'param') {
    refuse(
      `parameters such as ${token.value} are not supported (at ` +
        `${where(sql, token.start)}); write the values into the query`,
    );
  }
  if (token.kind !== 'word' && token.kind !== 'quoted') return;
  const name = token.value.toLowerCase();
  if (called && FORBIDDEN_FUNCTIONS.has(name)) {
    refuse(
      `${name}() is not allowed (at ${where(sql, token.start)}): the ` +
        'console cannot load extensions or touch files',
    );
  }
  if (token.kind !== 'word') return;
  if (name === 'replace' && called) return;
  if (WRITING.has(name) || SPECIAL.has(name)) refuseWord(sql, token);
}

function refuseWord(sql: string, token: Token): never {
  const at = where(sql, token.start);
  const word = token.value.toUpperCase();
  if (word === 'ATTACH' || word === 'DETACH') {
    refuse(
      `${word} is not allowed (at ${at}): the console reads only the ` +
        'results database',
    );
  }
  if (word === 'PRAGMA') {
    refuse(
      `PRAGMA statements are not allowed (at ${at}): they change how the ` +
        'database is read; to read a setting, select from its table ' +
        "function, e.g. SELECT * FROM pragma_table_info('runs')",
    );
  }
  refuse(
    `the query contains ${word} (at ${at}), which writes; only reading ` +
      `statements are allowed. If ${token.value} is a name here, quote it: ` +
      `"${token.value}"`,
  );
}

function refuse(reason: string): never {
  throw new InputError(`query refused: ${reason}`);
}

/** "line L, column C" of offset `at`, both from 1. */
function where(sql: string, at: number): string {
  const before = sql.slice(0, at).split('\n');
  const column = before[before.length - 1].length + 1;
  return `line ${before.length}, column ${column}`;
}

/**
 * Splits SQL into tokens as SQLite does; comments and spaces are
 * dropped. An unterminated block comment runs to the end, as in SQLite.
 *
 * @throws InputError on an unterminated string or quoted name
 */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) i++;
    else if (sql.startsWith('--', i)) i = lineEnd(sql, i);
    else if (sql.startsWith('/*', i)) i = commentEnd(sql, i);
    else i = readToken(sql, i, tokens);
  }
  return tokens;
}

function lineEnd(sql: string, i: number): number {
  const end = sql.indexOf('\n', i);
  return end === -1 ? sql.length : end + 1;
}

function commentEnd(sql: string, i: number): number {
  const end = sql.indexOf('*/', i + 2);
  return end === -1 ? sql.length : end + 2;
}

const CLOSERS: Record<string, string> = {
  "'": "'",
  '"': '"',
  '`': '`',
  '[': ']',
};

function readToken(sql: string, i: number, tokens: Token[]): number {
  const c = sql[i];
  if (c in CLOSERS) return readQuoted(sql, i, tokens);
  if (isWordStart(c)) {
    const end = scan(sql, i + 1, isWordPart);
    tokens.push({
      kind: 'word',
      value: sql.slice(i, end).toLowerCase(),
      start: i,
    });
    return end;
  }
  if (/\d/.test(c) || (c === '.' && /\d/.test(sql[i + 1] ?? ''))) {
    const end = scanNumber(sql, i);
    tokens.push({ kind: 'number', value: sql.slice(i, end), start: i });
    return end;
  }
  if (
    c === '?' ||
    ((c === ':' || c === '@' || c === '$') && isWordStart(sql[i + 1] ?? ''))
  ) {
    const end = scan(sql, i + 1, isWordPart);
    tokens.push({ kind: 'param', value: sql.slice(i, end), start: i });
    return end;
  }
  tokens.push({ kind: c === ';' ? ';' : 'punct', value: c, start: i });
  return i + 1;
}

function readQuoted(sql: string, i: number, tokens: Token[]): number {
  const open = sql[i];
  const close = CLOSERS[open];
  let j = i + 1;
  let value = '';
  while (true) {
    const end = sql.indexOf(close, j);
    if (end === -1) {
      const what = open === "'" ? 'string literal' : 'quoted name';
      refuse(`unterminated ${what} starting at ${where(sql, i)}`);
    }
    value += sql.slice(j, end);
    // Inside quotes the closing character is escaped by doubling it.
    if (close !== ']' && sql[end + 1] === close) {
      value += close;
      j = end + 2;
      continue;
    }
    j = end + 1;
    break;
  }
  tokens.push({ kind: open === "'" ? 'string' : 'quoted', value, start: i });
  return j;
}

function isWordStart(c: string): boolean {
  return /[A-Za-z_]/.test(c) || c > '\u007f';
}

function isWordPart(c: string): boolean {
  return /[A-Za-z0-9_$]/.test(c) || c > '\u007f';
}

function scan(sql: string, i: number, keep: (c: string) => boolean): number {
  while (i < sql.length && keep(sql[i])) i++;
  return i;
}

function scanNumber(sql: string, i: number): number {
  let j = i;
  while (j < sql.length) {
    const c = sql[j];
    const exponentSign =
      (c === '+' || c === '-') &&
      /[eE]/.test(sql[j - 1]) &&
      !/^0x/i.test(sql.slice(i, j));
    if (!/[0-9A-Za-z_.]/.test(c) && !exponentSign) break;
    j++;
  }
  return j;
}
