/**
 * `sweep train`: trains one network with the given settings and prints its
 * metrics and verdict, or the whole result as JSON.
 */
import type { Command } from 'commander';
import {
  DEFAULT_REL_L2_THRESHOLD,
  type TrainResult,
  verdict,
} from '../../../workers/result.ts';
import type { RunConfig } from '../../../workers/run-config.ts';
import { train } from '../../../workers/train.ts';
import { InputError } from '../../input-error.ts';
import type { GlobalOptions } from '../common.ts';
import { stringifyJson } from '../json-numbers.ts';
import { runConfigFromFlags } from '../run-flags.ts';
import {
  describeRunConfig,
  formatCosine,
  formatCount,
  formatNumber,
  formatTable,
  stepProgress,
} from '../run-report.ts';

/** Progress reports per run, at most: enough for a smooth bar. */
const PROGRESS_REPORTS = 200;

/** Trains the run the flags of `cmd` describe and prints the report. */
export function runTrain(cmd: Command): void {
  const options = cmd.optsWithGlobals<GlobalOptions & { threshold?: string }>();
  const config = runConfigFromFlags(cmd.opts());
  const threshold = parseThreshold(options.threshold);

  const result = trainWithProgress(config);
  const status = verdict(result, threshold);

  if (options.json) {
    const report = { config, threshold, verdict: status, ...result };
    process.stdout.write(`${stringifyJson(report)}\n`);
    return;
  }
  process.stdout.write(formatTrainReport(config, result, status, threshold));
}

/**
 * Parses `--threshold`.
 *
 * @throws InputError naming the flag unless a finite number > 0
 */
export function parseThreshold(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_REL_L2_THRESHOLD;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new InputError(
      `--threshold: must be a finite number > 0 (got ${JSON.stringify(raw)})`,
    );
  }
  return value;
}

function trainWithProgress(config: RunConfig): TrainResult {
  const progress = stepProgress('training', config.steps);
  try {
    return train(config, (p) => progress.update(p.step, p.loss), {
      progressEvery: Math.max(1, Math.ceil(config.steps / PROGRESS_REPORTS)),
    });
  } finally {
    progress.stop();
  }
}

/** The human summary of one run. */
export function formatTrainReport(
  config: RunConfig,
  result: TrainResult,
  status: string,
  threshold: number,
): string {
  const m = result.metrics;
  const seconds = m.wall_ms / 1000;
  const comparison = status === 'done' ? '≤' : '>';
  // NaN compares with nothing: say it is not a number instead.
  const verdictLine =
    status === 'diverged'
      ? `diverged at step ${m.diverged_step}`
      : Number.isNaN(m.rel_l2)
        ? `${status} (rel_l2 is NaN: not ≤ ${formatNumber(threshold)})`
        : `${status} (rel_l2 ${formatNumber(m.rel_l2)} ${comparison} ` +
          `${formatNumber(threshold)})`;
  const rows = [
    ['verdict', verdictLine],
    ['rel_l2', formatNumber(m.rel_l2)],
    ['rel_h1', formatNumber(m.rel_h1)],
    ['energy', formatNumber(m.energy, 8)],
    ['energy_gap', formatNumber(m.energy_gap)],
    ['final_loss', formatNumber(m.final_loss, 8)],
    ['kinks_inside', String(m.kinks_inside)],
    [
      'steps',
      `${m.steps_done} in ${formatNumber(seconds, 3)} s ` +
        `(${formatCount(m.steps_per_s)} steps/s)`,
    ],
  ];
  const check = [
    ['gradient check at the initial θ', 'cosine', 'rel. difference'],
    [
      'autodiff vs finite-difference',
      formatCosine(m.gc_autodiff_cos),
      formatNumber(m.gc_autodiff_rel, 2),
    ],
    [
      'analytic vs finite-difference',
      formatCosine(m.gc_analytic_cos),
      formatNumber(m.gc_analytic_rel, 2),
    ],
  ];
  return (
    `${describeRunConfig(config)}\n\n${formatTable(rows)}\n` +
    formatTable(check, [1, 2])
  );
}
