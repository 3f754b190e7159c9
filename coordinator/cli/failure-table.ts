/**
 * The failure table of a sweep for people: rows are activations, columns
 * gradient methods, each cell "failure rate · median rel_l2".
 */
import { ACTIVATIONS, GRADIENTS } from '../../workers/run-config.ts';
import type { FailureCell } from '../store/types.ts';
import { renderTable } from './table.ts';

/** Shown in a cell without any finished run. */
const EMPTY = '–';

/** A failure rate as a percentage: `0%`, `12.5%`, `100%`. */
export function formatRate(rate: number | null): string {
  if (rate === null) return EMPTY;
  return `${Number((rate * 100).toPrecision(3))}%`;
}

/** A rel_l2 in two significant digits: `6.0e-4`; NaN and ±Infinity named. */
export function formatRelL2(value: number | null): string {
  if (value === null) return EMPTY;
  if (!Number.isFinite(value)) return String(value);
  return value.toExponential(1);
}

/** The text of one cell: `25% · 1.2e-3`, or `–` when nothing finished. */
export function formatCell(cell: FailureCell | undefined): string {
  if (!cell || cell.finals === 0) return EMPTY;
  return `${formatRate(cell.failureRate)} · ${formatRelL2(cell.medianRelL2)}`;
}

function ordered(values: Iterable<string>, known: readonly string[]): string[] {
  const rank = (v: string) => {
    const i = known.indexOf(v);
    return i === -1 ? known.length : i;
  };
  return [...new Set(values)].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  );
}

/**
 * Renders the failure table of `cells` (from `Store.failureTable`): one
 * row per activation, one column per gradient method, in the order of
 * their definitions; a caption line first. No final newline.
 */
export function renderFailureTable(cells: readonly FailureCell[]): string {
  if (cells.length === 0) return 'failure table: no runs';
  const activations = ordered(
    cells.map((c) => c.activation),
    ACTIVATIONS,
  );
  const gradients = ordered(
    cells.map((c) => c.gradient),
    GRADIENTS,
  );
  const byKey = new Map(cells.map((c) => [`${c.activation}|${c.gradient}`, c]));
  const rows = activations.map((activation) => [
    activation,
    ...gradients.map((g) => formatCell(byKey.get(`${activation}|${g}`))),
  ]);
  const columns = [
    'activation',
    ...gradients.map((g) => ({ header: g, align: 'right' as const })),
  ];
  return [
    'failure rate · median rel_l2 (rows: activation, columns: gradient)',
    renderTable(columns, rows),
  ].join('\n');
}
