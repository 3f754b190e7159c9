/**
 * `sweep export SWEEP`: every row of the `results` view for one sweep as
 * CSV or JSON, streamed page by page so that a 100,000-run sweep never
 * sits in memory at once.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { InputError } from '../../input-error.ts';
import { RESULT_COLUMNS, type ResultRow } from '../../store/results.ts';
import type { Store } from '../../store/store.ts';
import type { EXPORT_FORMATS } from '../commands/export.ts';
import type { GlobalOptions } from '../common.ts';
import { csvLine } from '../csv.ts';
import { stringifyJson } from '../json-numbers.ts';
import {
  openExistingStore,
  requireSweep,
  toStdout,
  write,
} from '../results-db.ts';
import { plural } from '../words.ts';

type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Options of `sweep export`. */
export interface ExportOptions {
  format: ExportFormat;
  out?: string;
}

/**
 * Writes the rows of `rows` to `stream`: CSV with a header line, or a
 * JSON array with one object per line (NaN and ±Infinity as strings).
 *
 * @returns the number of rows written
 */
export async function writeRows(
  rows: AsyncIterable<ResultRow>,
  format: ExportFormat,
  stream: Writable,
): Promise<number> {
  let n = 0;
  if (format === 'csv') {
    await write(stream, csvLine(RESULT_COLUMNS));
    for await (const row of rows) {
      await write(stream, csvLine(RESULT_COLUMNS.map((c) => row[c])));
      n++;
    }
    return n;
  }
  for await (const row of rows) {
    await write(stream, `${n === 0 ? '[\n' : ',\n'}${stringifyJson(row)}`);
    n++;
  }
  await write(stream, n === 0 ? '[]\n' : '\n]\n');
  return n;
}

/**
 * Writes to `path` through a temporary file renamed at the end, so that
 * a failed export never leaves a partial file under the real name.
 */
async function exportToFile(
  store: Store,
  sweepId: number,
  format: ExportFormat,
  path: string,
): Promise<number> {
  const partial = `${path}.partial`;
  const folder = dirname(path);
  if (!(await stat(folder).catch(() => undefined))?.isDirectory()) {
    throw new InputError(`--out: folder ${folder} does not exist`);
  }
  if ((await stat(path).catch(() => undefined))?.isDirectory()) {
    throw new InputError(
      `--out: ${path} is a folder; expected the path of a file to write, ` +
        `such as ${join(path, `export.${format}`)}`,
    );
  }
  const stream = createWriteStream(partial);
  try {
    const n = await writeRows(store.exportRows(sweepId), format, stream);
    stream.end();
    await finished(stream);
    await rename(partial, path);
    return n;
  } catch (error) {
    stream.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

/** Writes sweep `name` to standard output or `--out`. */
export async function exportSweep(
  name: string,
  options: ExportOptions & GlobalOptions,
) {
  const store = await openExistingStore(options.db);
  try {
    const sweep = await requireSweep(store, name);
    if (options.out === undefined) {
      await toStdout(() =>
        writeRows(
          store.exportRows(sweep.sweepId),
          options.format,
          process.stdout,
        ),
      );
      return;
    }
    const n = await exportToFile(
      store,
      sweep.sweepId,
      options.format,
      options.out,
    );
    process.stderr.write(
      `sweep: wrote ${plural(n, 'run')} of ${name} to ${options.out}\n`,
    );
  } finally {
    await store.close();
  }
}
