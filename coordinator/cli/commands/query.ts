/**
 * `sweep query SQL`: one reading statement over the results database, on
 * a read-only connection with a time and a row limit, printed as a table,
 * CSV or JSON.
 */
import { type Command, Option } from 'commander';
import type { QueryOptions } from '../actions/query.ts';
import { type GlobalOptions, intFlag } from '../common.ts';
import { defaultWhenChosen } from '../lazy-details.ts';
import type { RegisterCommand } from './index.ts';

/** Output formats of `sweep query`. */
/** The largest --max-rows (the query runner's own limit). */
export const MOST_QUERY_ROWS = 1_000_000;

export const QUERY_FORMATS = ['table', 'csv', 'json'] as const;

const runner = () => import('../../store/read-only-query.ts');

/** Registers `sweep query SQL`. */
export const register: RegisterCommand = (program) => {
  const command = program
    .command('query')
    .summary('run one read-only SQL statement over the results')
    .argument('<sql>', 'one SELECT (or WITH … SELECT, VALUES, EXPLAIN)')
    .description(
      'Run one read-only SQL statement over the results (table `results` ' +
        'and the others in the README); nothing can be changed',
    );
  const maxRows = new Option('--max-rows <n>', 'most rows returned');
  const timeoutMs = new Option(
    '--timeout-ms <n>',
    'stop the query after this many ms',
  );
  command
    .addOption(
      new Option('--format <format>', 'output format (default table)').choices(
        QUERY_FORMATS,
      ),
    )
    .addOption(
      defaultWhenChosen(
        command,
        maxRows.argParser(intFlag(1, MOST_QUERY_ROWS)),
        async () => (await runner()).DEFAULT_QUERY_MAX_ROWS,
      ),
    )
    .addOption(
      defaultWhenChosen(
        command,
        timeoutMs.argParser(intFlag(1, 600_000)),
        async () => (await runner()).DEFAULT_QUERY_TIMEOUT_MS,
      ),
    )
    .action(async (sql: string, _opts, cmd: Command) => {
      const { query } = await import('../actions/query.ts');
      await query(sql, cmd.optsWithGlobals<QueryOptions & GlobalOptions>());
    });
};
