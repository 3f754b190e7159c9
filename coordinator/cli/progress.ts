/**
 * The progress display of a sweep: on a terminal, one live bar with counts
 * per state, runs per second and an ETA; elsewhere (a pipe, a log file, CI)
 * a plain line every few seconds. Log lines go through it so that they never
 * tear the bar.
 */
import { stripVTControlCharacters } from 'node:util';
import cliProgress from 'cli-progress';
import type { RunStatus } from '../../workers/result.ts';
import { count } from './words.ts';

/** Runs per state, as `store.statusCounts` returns them. */
export type StatusCounts = Record<RunStatus, number>;

/** A live progress display. */
export interface Progress {
  /** Shows the latest counts (cheap; redraws are throttled). */
  update(counts: StatusCounts): void;
  /** Prints one log line above the bar (or as is, without a bar). */
  log(line: string): void;
  /** Removes the bar; later `log` calls print directly. Idempotent. */
  stop(): void;
}

/** Options of `startProgress`. */
export interface ProgressOptions {
  /** Sweep name, shown first. */
  sweep: string;
  /** Where to draw; default `process.stderr`. */
  stream?: NodeJS.WriteStream;
  /** Live bar (true) or plain lines (false); default `stream.isTTY`. */
  tty?: boolean;
  /** ANSI colours; default on a TTY unless `NO_COLOR` or `TERM=dumb`. */
  color?: boolean;
  /** Milliseconds between plain lines when not a TTY; default 5000. */
  plainEveryMs?: number;
  /** Clock, Unix milliseconds; default `Date.now`. */
  now?: () => number;
}

/** States in display order, each with its ANSI colour code. */
const FINAL_SHOWN: [RunStatus, number][] = [
  ['done', 32],
  ['inaccurate', 33],
  ['diverged', 31],
  ['crashed', 91],
  ['timeout', 35],
  ['cancelled', 90],
];
const RATE_WINDOW_MS = 30_000;
const BAR_WIDTH = 24;

/** Number of runs with a final result. */
export function finalCount(counts: StatusCounts): number {
  let sum = 0;
  for (const [state] of FINAL_SHOWN) sum += counts[state] ?? 0;
  return sum;
}

/** Number of runs in any state. */
export function totalCount(counts: StatusCounts): number {
  return finalCount(counts) + (counts.queued ?? 0) + (counts.running ?? 0);
}

/** A duration as `45s`, `3m 05s` or `2h 10m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A rate in runs per second with 2–3 significant digits. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 100) return count(Math.round(perSecond));
  if (perSecond >= 10) return perSecond.toFixed(1);
  return perSecond.toFixed(2);
}

/**
 * Counts per state as `done 80 · inaccurate 30 · running 2 · queued 148`:
 * final states with runs in them, then `running` and `queued` when any.
 */
export function formatCounts(
  counts: StatusCounts,
  paint: (text: string, code: number) => string = (text) => text,
  separator = ' · ',
): string {
  const parts: string[] = [];
  for (const [state, code] of FINAL_SHOWN) {
    const n = counts[state] ?? 0;
    if (n > 0) parts.push(paint(`${state} ${count(n)}`, code));
  }
  if (counts.running) {
    parts.push(paint(`running ${count(counts.running)}`, 36));
  }
  if (counts.queued) parts.push(`queued ${count(counts.queued)}`);
  return parts.join(separator);
}

/**
 * Throughput over the last 30 s of finals: the rate and the time left.
 * Only finals seen by this display count, so a resumed sweep's earlier
 * results do not inflate the rate.
 */
class RateMeter {
  private readonly samples: { at: number; finals: number }[] = [];

  constructor(private readonly now: () => number) {}

  add(finals: number): void {
    const at = this.now();
    this.samples.push({ at, finals });
    while (
      this.samples.length > 2 &&
      at - this.samples[1].at > RATE_WINDOW_MS
    ) {
      this.samples.shift();
    }
  }

  /** Runs per second, or undefined before two distinct finals counts. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.finals <= first.finals) return undefined;
    const seconds = Math.max(last.at - first.at, 1) / 1000;
    return (last.finals - first.finals) / seconds;
  }
}

function paintWith(color: boolean) {
  return (text: string, code: number) =>
    color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

function visibleLength(text: string): number {
  return stripVTControlCharacters(text).length;
}

function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR || process.env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** The first line after the bar: `120/270 44% · ETA 48s · 3.10 runs/s`. */
function headline(counts: StatusCounts, meter: RateMeter): string {
  const total = totalCount(counts);
  const finals = finalCount(counts);
  const percent = total > 0 ? Math.floor((100 * finals) / total) : 100;
  const parts = [`${count(finals)}/${count(total)} ${percent}%`];
  const rate = meter.rate();
  if (rate !== undefined) {
    parts.push(`ETA ${formatDuration((1000 * (total - finals)) / rate)}`);
    parts.push(`${formatRate(rate)} runs/s`);
  } else if (finals < total) {
    parts.push('ETA …');
  }
  return parts.join(' · ');
}

function bar(fraction: number, width: number): string {
  const full = Math.round(Math.min(Math.max(fraction, 0), 1) * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

/**
 * Starts a progress display for one sweep.
 *
 * On a TTY the bar redraws at most 10 times per second and adapts its width
 * to the terminal; otherwise a plain line is printed every `plainEveryMs`
 * (default 5 s) when the counts changed, so logs stay readable.
 */
export function startProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = options.tty ?? stream.isTTY === true;
  const paint = paintWith(options.color ?? (tty && useColor(stream)));
  const meter = new RateMeter(now);
  return tty
    ? liveBar(options.sweep, stream, meter, paint)
    : plainLines(options, stream, meter);
}

/**
 * Two lines: the bar with progress, ETA and rate, and under it the counts
 * per state (they do not fit beside the bar in 80 columns).
 */
function liveBar(
  sweep: string,
  stream: NodeJS.WriteStream,
  meter: RateMeter,
  paint: (text: string, code: number) => string,
): Progress {
  let counts: StatusCounts | undefined;
  const top = () => {
    if (!counts) return `${sweep} …`;
    const text = headline(counts, meter);
    const room = (stream.columns || 80) - visibleLength(text) - sweep.length;
    const width = Math.min(BAR_WIDTH, room - 2);
    const total = totalCount(counts);
    const fraction = total > 0 ? finalCount(counts) / total : 1;
    if (width < 10) return `${sweep} ${text}`;
    return `${sweep} ${bar(fraction, width)} ${text}`;
  };
  const bottom = () => (counts ? `  ${formatCounts(counts, paint)}` : '');
  const multi = new cliProgress.MultiBar({
    stream,
    hideCursor: true,
    linewrap: false,
    // The summary printed next says where the sweep ended; a last frame
    // would only repeat it.
    clearOnComplete: true,
    fps: 10,
  });
  multi.create(1, 0, {}, { format: top });
  multi.create(1, 0, {}, { format: bottom });
  let active = true;
  return {
    update(next) {
      counts = next;
      meter.add(finalCount(next));
    },
    log(line) {
      if (active) multi.log(`${line}\n`);
      else stream.write(`${line}\n`);
    },
    stop() {
      if (!active) return;
      active = false;
      multi.update();
      multi.stop();
    },
  };
}

function plainLines(
  options: ProgressOptions,
  stream: NodeJS.WriteStream,
  meter: RateMeter,
): Progress {
  let counts: StatusCounts | undefined;
  let printed = '';
  const print = () => {
    if (!counts) return;
    const states = formatCounts(counts);
    const head = `progress ${options.sweep}: ${headline(counts, meter)}`;
    const line = states ? `${head} · ${states}` : head;
    if (line === printed) return;
    printed = line;
    stream.write(`${line}\n`);
  };
  const timer = setInterval(print, options.plainEveryMs ?? 5000);
  timer.unref();
  return {
    update(next) {
      counts = next;
      meter.add(finalCount(next));
    },
    log(line) {
      stream.write(`${line}\n`);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
