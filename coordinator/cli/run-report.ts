/**
 * Human-readable output of the single-run commands (`sweep train`,
 * `gradcheck`, `bench`): the one-line description of a run config, number
 * formats and plain aligned tables.
 */
import cliProgress from 'cli-progress';
import type { RunConfig } from '../../workers/run-config.ts';
import { plural } from './words.ts';

/**
 * A run config in one line, naming only the settings that matter to it
 * (`nodes` only for midpoint, `beta` only for penalty, …).
 *
 * @param training include gradient, optimiser, learning rate and steps
 *   (default true; `gradcheck` leaves them out)
 */
export function describeRunConfig(config: RunConfig, training = true): string {
  const problem =
    config.problem === 'interface'
      ? `interface k=${config.interface_k}`
      : config.problem;
  const bc = config.bc === 'penalty' ? `penalty β=${config.beta}` : config.bc;
  const rule =
    config.quadrature === 'midpoint'
      ? `midpoint N=${config.nodes}`
      : `gauss ${config.cells}×${config.gauss_points}`;
  const gradient =
    config.gradient === 'finite-difference'
      ? `finite-difference h=${config.fd_h}`
      : config.gradient;
  const model = [
    problem,
    `${config.activation} W=${config.width}`,
    bc,
    `init ${config.init}`,
    rule,
  ];
  if (!training) return [...model, `seed ${config.seed}`].join(' · ');
  return [
    ...model,
    gradient,
    `${config.optimizer} lr=${config.lr}`,
    plural(config.steps, 'step'),
    `seed ${config.seed}`,
  ].join(' · ');
}

/**
 * A number in at most `digits` significant digits: fixed notation for
 * magnitudes in [1e-3, 1e6), exponent notation otherwise; NaN and
 * ±Infinity spelled out.
 */
export function formatNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const size = Math.abs(value);
  if (size < 1e-3 || size >= 1e6) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

/** A cosine with enough digits to tell 0.99999 from 1. */
export function formatCosine(value: number): string {
  return Number.isFinite(value) ? value.toFixed(8) : String(value);
}

/** An integer with thousands separators ("12,345"). */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.round(value).toLocaleString('en-US');
}

/**
 * Rows aligned in columns, two spaces apart; a column listed in
 * `rightAligned` is padded on the left (numbers).
 */
export function formatTable(
  rows: string[][],
  rightAligned: readonly number[] = [],
): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  const lines = rows.map((row) =>
    row
      .map((cell, i) =>
        rightAligned.includes(i)
          ? cell.padStart(widths[i])
          : cell.padEnd(widths[i]),
      )
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}

/** A progress bar on stderr, or nothing when stderr is not a terminal. */
export interface StepProgress {
  /** Reports the step reached and the current loss. */
  update(step: number, loss: number): void;
  /** Removes the bar. */
  stop(): void;
}

/**
 * A progress bar of `total` steps on stderr with ETA, shown only when
 * stderr is a TTY so that pipes and logs stay clean. It redraws from
 * inside synchronous loops.
 */
export function stepProgress(label: string, total: number): StepProgress {
  if (!process.stderr.isTTY || total <= 0) {
    return { update: () => {}, stop: () => {} };
  }
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: `${label} {bar} {value}/{total} steps · loss {loss} · ETA {eta_formatted}`,
    clearOnComplete: true,
    hideCursor: true,
    synchronousUpdate: true,
  });
  bar.start(total, 0, { loss: '–' });
  return {
    update: (step, loss) => bar.update(step, { loss: formatNumber(loss) }),
    stop: () => bar.stop(),
  };
}
