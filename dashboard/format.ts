/**
 * How numbers, times and durations read on the pages. NaN and ±Infinity
 * are shown as such; a missing value is a dash.
 */

/** A metric: 4 significant digits, exponent form for small or large. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) {
    return value.toExponential(3).replace(/\.?0+e/, 'e');
  }
  return String(Number(value.toPrecision(4)));
}

/** A count with thousands separators: `12,345`. */
export function formatCount(value: number): string {
  if (!Number.isInteger(value)) return value.toLocaleString('en-US');
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A count with its noun: `1 worker`, `1,200 workers`; `irregular` is the
 * plural when it is not NOUNs.
 */
export function formatCountOf(
  value: number,
  noun: string,
  irregular?: string,
): string {
  const word = value === 1 ? noun : (irregular ?? `${noun}s`);
  return `${formatCount(value)} ${word}`;
}

/** A rate from 0 to 1 as a whole percentage; a dash when unknown. */
export function formatPercent(rate: number | null): string {
  if (rate === null) return '—';
  const pct = rate * 100;
  if (pct > 0 && pct < 1) return '<1%';
  if (pct < 100 && pct > 99) return '>99%';
  return `${Math.round(pct)}%`;
}

/** A Unix-ms time as `YYYY-MM-DD HH:MM:SS UTC`; a dash when null. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A duration in ms as `2 h 5 min`, `4 min 10 s`, `12 s` or `350 ms`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ${s % 60} s`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * A setting's value as text: exact (JavaScript's shortest round-trip form,
 * `0.001`, `1e-7`), since it also names the value in links and filters.
 */
export function formatSetting(value: string | number): string {
  return String(value);
}
