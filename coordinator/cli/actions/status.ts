/**
 * `sweep status [SWEEP]`: every sweep with its progress, or one sweep's
 * counts per state, failure table and the settings that fail or are slow.
 */
import type { Store } from '../../store/store.ts';
import type {
  AxisValueSummary,
  SweepRow,
  SweepSummary,
} from '../../store/types.ts';
import type { GlobalOptions } from '../common.ts';
import { formatRate, renderFailureTable } from '../failure-table.ts';
import { stringifyJson } from '../json-numbers.ts';
import { formatCounts, formatDuration } from '../progress.ts';
import { openExistingStore, requireSweep } from '../results-db.ts';
import { renderTable } from '../table.ts';
import { count, plural } from '../words.ts';

/** A time as local `YYYY-MM-DD HH:MM:SS`, or `–`. */
function formatTime(ms: number | null): string {
  if (ms === null) return '–';
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
  );
}

function formatProgress(s: SweepSummary): string {
  return `${count(s.finals)}/${count(s.total)} ${Math.floor(s.progress * 100)}%`;
}

/** When the sweep ended: its finish time, or `cancelled` and when. */
function formatEnd(s: SweepRow): string {
  if (s.cancelledAt !== null) return `cancelled ${formatTime(s.cancelledAt)}`;
  return formatTime(s.finishedAt);
}

/**
 * `finished 2024-05-01 10:00:00 (took 3m 05s)`, or for a cancelled sweep
 * `cancelled 2024-05-01 10:00:00 (after 1m 10s)`.
 */
function describeEnd(s: SweepRow): string {
  const end = s.cancelledAt ?? s.finishedAt;
  const span =
    s.startedAt !== null && end !== null
      ? ` (${s.cancelledAt !== null ? 'after' : 'took'} ` +
        `${formatDuration(end - s.startedAt)})`
      : '';
  const verb = s.cancelledAt !== null ? 'cancelled' : 'finished';
  return `${verb} ${formatTime(end)}${span}`;
}

function renderSweepList(sweeps: SweepSummary[]): string {
  if (sweeps.length === 0) return 'no sweeps recorded yet';
  const rows = sweeps.map((s) => [
    s.name,
    String(s.total),
    formatProgress(s),
    formatCounts(s.counts) || '–',
    formatTime(s.startedAt),
    formatEnd(s),
  ]);
  return renderTable(
    [
      'sweep',
      { header: 'runs', align: 'right' },
      { header: 'progress', align: 'right' },
      'states',
      'started',
      'ended',
    ],
    rows,
    { maxCellWidth: 80 },
  );
}

function formatWall(ms: number | null): string {
  if (ms === null) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : formatDuration(ms);
}

/** Marks, per axis, the value failing most and the slowest value. */
function notes(values: AxisValueSummary[]): Map<AxisValueSummary, string> {
  const marks = new Map<AxisValueSummary, string[]>();
  const mark = (v: AxisValueSummary | undefined, note: string) => {
    if (v) marks.set(v, [...(marks.get(v) ?? []), note]);
  };
  const axes = new Set(values.map((v) => v.axis));
  for (const axis of axes) {
    const group = values.filter((v) => v.axis === axis);
    if (group.length < 2) continue;
    const failing = maxBy(group, (v) => v.failureRate);
    const safest = minOf(group.map((v) => v.failureRate));
    if (failing && failing.failureRate! > safest) mark(failing, 'fails most');
    const slowest = maxBy(group, (v) => v.meanWallMs);
    const fastest = minOf(group.map((v) => v.meanWallMs));
    // Only a clear difference is worth pointing at, not timing noise.
    if (slowest && slowest.meanWallMs! >= SLOWER * fastest) {
      mark(slowest, 'slowest');
    }
  }
  return new Map([...marks].map(([v, n]) => [v, n.join(', ')]));
}

/** How much slower than the fastest value a value must be to be marked. */
const SLOWER = 1.25;

function minOf(values: (number | null)[]): number {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? Math.min(...known) : Number.POSITIVE_INFINITY;
}

function maxBy<T>(items: T[], key: (item: T) => number | null): T | undefined {
  let best: T | undefined;
  let bestKey = Number.NEGATIVE_INFINITY;
  for (const item of items) {
    const k = key(item);
    if (k !== null && k > bestKey) {
      best = item;
      bestKey = k;
    }
  }
  return best;
}

function renderAxes(values: AxisValueSummary[]): string {
  const marks = notes(values);
  const rows = values.map((v) => [
    v.axis,
    String(v.value),
    String(v.runs),
    formatRate(v.failureRate),
    formatWall(v.meanWallMs),
    marks.get(v) ?? '',
  ]);
  return renderTable(
    [
      'axis',
      'value',
      { header: 'runs', align: 'right' },
      { header: 'failure rate', align: 'right' },
      { header: 'mean wall', align: 'right' },
      'note',
    ],
    rows,
  );
}

async function sweepReport(store: Store, name: string) {
  const sweep = await requireSweep(store, name);
  const summary = (await store.listSweeps()).find(
    (s) => s.sweepId === sweep.sweepId,
  )!;
  const failureTable = await store.failureTable(sweep.sweepId);
  const axes = await store.axisSummary(sweep.sweepId);
  return { sweep: summary, failureTable, axes };
}

function renderSweep(report: Awaited<ReturnType<typeof sweepReport>>) {
  const s = report.sweep;
  const lines = [
    `sweep ${s.name}: ${plural(s.total, 'run')} · ` +
      `axes ${s.axes.join(', ') || '–'} · done when rel_l2 ≤ ${s.threshold}`,
    `created ${formatTime(s.createdAt)} · started ${formatTime(s.startedAt)}` +
      ` · ${describeEnd(s)}`,
    `progress ${formatProgress(s)} · ${formatCounts(s.counts) || 'no runs'}`,
    '',
    renderFailureTable(report.failureTable),
  ];
  if (report.axes.length > 0) {
    lines.push('', 'per setting', renderAxes(report.axes));
  }
  return lines.join('\n');
}

/** Prints every sweep, or sweep `name` in detail. */
export async function status(name: string | undefined, options: GlobalOptions) {
  const store = await openExistingStore(options.db);
  try {
    if (name === undefined) {
      const sweeps = await store.listSweeps();
      const out = options.json
        ? stringifyJson({ sweeps })
        : renderSweepList(sweeps);
      process.stdout.write(`${out}\n`);
      return;
    }
    const report = await sweepReport(store, name);
    const out = options.json ? stringifyJson(report) : renderSweep(report);
    process.stdout.write(`${out}\n`);
  } finally {
    await store.close();
  }
}
