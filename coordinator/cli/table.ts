/**
 * Plain-text tables for people: a header, a rule, and columns padded to
 * the widest cell, numbers aligned on the right. Long cells are cut with
 * `…` so that one long value does not push the table off the screen.
 */
import { stripVTControlCharacters } from 'node:util';

/** One column of a table. */
export interface TableColumn {
  /** Text of the header cell. */
  header: string;
  /** `right` for numbers (default `left`). */
  align?: 'left' | 'right';
}

/** Options of `renderTable`. */
export interface TableOptions {
  /** Longest cell shown, characters; longer ones end in `…` (default 60). */
  maxCellWidth?: number;
  /** Put before every line (default none). */
  indent?: string;
}

/** Characters a terminal shows for `text` (colour codes take none). */
export function displayWidth(text: string): number {
  return [...stripVTControlCharacters(text)].length;
}

function cut(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return `${chars.slice(0, Math.max(width - 1, 0)).join('')}…`;
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const gap = ' '.repeat(Math.max(width - displayWidth(text), 0));
  return align === 'right' ? gap + text : text + gap;
}

/**
 * Renders `rows` under `columns`, two spaces between columns, lines
 * without trailing spaces, no final newline.
 *
 * @param columns headers, or full column descriptions
 */
export function renderTable(
  columns: readonly (TableColumn | string)[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const maxCell = options.maxCellWidth ?? 60;
  const indent = options.indent ?? '';
  const cols = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const cells = rows.map((row) =>
    cols.map((_, i) => cut(row[i] ?? '', maxCell)),
  );
  const widths = cols.map((col, i) =>
    Math.max(displayWidth(col.header), ...cells.map((r) => displayWidth(r[i]))),
  );
  const line = (row: readonly string[]) =>
    indent +
    row
      .map((cell, i) => pad(cell, widths[i], cols[i].align ?? 'left'))
      .join('  ')
      .trimEnd();
  const rule = indent + widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(cols.map((c) => c.header)), rule, ...cells.map(line)].join('\n');
}
