/**
 * `sweep gradcheck`: the three gradients (`autodiff`, `analytic`,
 * `finite-difference`) of one run's loss at one θ, side by side, with
 * their pairwise cosine and relative difference.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { getActivation } from '../../../workers/numerics/activations.ts';
import { agreement } from '../../../workers/numerics/metrics.ts';
import { createModel } from '../../../workers/numerics/model.ts';
import {
  initParams,
  type ParamsObject,
  paramsFromObject,
  paramsToObject,
  widthOf,
} from '../../../workers/numerics/params.ts';
import {
  ConfigError,
  GRADIENTS,
  type GradientMethod,
  type RunConfig,
  runConfigSchema,
} from '../../../workers/run-config.ts';
import { InputError } from '../../input-error.ts';
import type { GlobalOptions } from '../common.ts';
import { stringifyJson } from '../json-numbers.ts';
import { givenRunFlags, runConfigFromFlags } from '../run-flags.ts';
import {
  describeRunConfig,
  formatCosine,
  formatNumber,
  formatTable,
} from '../run-report.ts';

/** How far apart two gradients are. */
export interface GradientComparison {
  /** The gradient compared. */
  a: GradientMethod;
  /** The reference it is compared with. */
  b: GradientMethod;
  /** Cosine of the angle between them. */
  cos: number;
  /** ‖g_a − g_b‖ / ‖g_b‖. */
  rel: number;
}

/** Everything `sweep gradcheck` reports. */
export interface GradcheckReport {
  config: RunConfig;
  /** `seed` or the path of the `--params` file. */
  theta_source: string;
  theta: ParamsObject;
  /** The training loss L(θ) with the run's quadrature. */
  loss: number;
  /** Neurons whose kink lies in (0, 1); null for smooth activations. */
  kinks_inside: number | null;
  gradients: Record<GradientMethod, ParamsObject>;
  comparisons: GradientComparison[];
}

const PAIRS: [GradientMethod, GradientMethod][] = [
  ['autodiff', 'finite-difference'],
  ['analytic', 'finite-difference'],
  ['autodiff', 'analytic'],
];

/** Checks the gradients the flags of `cmd` describe and prints them. */
export function runGradcheck(cmd: Command): void {
  const options = cmd.optsWithGlobals<GlobalOptions & { params?: string }>();
  const report = options.params
    ? gradcheckFromFile(cmd, options.params)
    : gradcheck(runConfigFromFlags(cmd.opts()));

  if (options.json) {
    process.stdout.write(`${stringifyJson(report)}\n`);
    return;
  }
  process.stdout.write(formatGradcheckReport(report));
}

function gradcheckFromFile(cmd: Command, path: string): GradcheckReport {
  const flagged = runConfigFromFlags(cmd.opts());
  const widthGiven = givenRunFlags(cmd.opts()).width !== undefined;
  const theta = readParamsFile(path, widthGiven ? flagged.width : undefined);
  const config = { ...flagged, width: widthOf(theta) };
  return gradcheck(config, theta, path);
}

/**
 * The gradient check of one run config.
 *
 * @param theta θ to check at (default: `initParams(config)`), of length
 *   3·width + 1
 * @param source where θ came from, for the report (default `seed`)
 */
export function gradcheck(
  config: RunConfig,
  theta = initParams(config),
  source = 'seed',
): GradcheckReport {
  const model = createModel(config);
  const gradients = {} as Record<GradientMethod, Float64Array>;
  for (const method of GRADIENTS) {
    gradients[method] = new Float64Array(model.size);
    model.gradient(theta, gradients[method], method);
  }

  return {
    config,
    theta_source: source,
    theta: paramsToObject(theta),
    loss: model.loss(theta),
    kinks_inside: countKinks(config, theta),
    gradients: mapMethods((m) => paramsToObject(gradients[m])),
    comparisons: PAIRS.map(([a, b]) => ({
      a,
      b,
      ...agreement(gradients[a], gradients[b]),
    })),
  };
}

function mapMethods<T>(f: (m: GradientMethod) => T): Record<GradientMethod, T> {
  return Object.fromEntries(GRADIENTS.map((m) => [m, f(m)])) as Record<
    GradientMethod,
    T
  >;
}

function countKinks(config: RunConfig, theta: Float64Array): number | null {
  if (!getActivation(config.activation).kinked) return null;
  const { w, a } = paramsToObject(theta);
  let inside = 0;
  for (let i = 0; i < w.length; i++) {
    const xi = -a[i] / w[i];
    if (w[i] !== 0 && xi > 0 && xi < 1) inside++;
  }
  return inside;
}

/**
 * Reads θ from a `--params` file `{"w":[…],"a":[…],"c":[…],"d":x}`.
 *
 * @param width the width its arrays must have, when `--width` was given;
 *   otherwise the length of `w`, which must be a width `--width` allows
 * @throws InputError naming the file and each field that is wrong
 */
export function readParamsFile(path: string, width?: number): Float64Array {
  const where = `--params ${path}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : String(code ?? error);
    throw new InputError(`${where}: cannot read the file (${reason})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = (error as Error).message;
    throw new InputError(`${where}: not valid JSON (${reason})`);
  }
  // The width first: a file far too wide is refused for that, not for
  // the other fields' lengths.
  const w = (parsed as { w?: unknown } | null)?.w;
  if (width === undefined && Array.isArray(w)) checkFileWidth(where, w.length);
  let theta: Float64Array;
  try {
    theta = paramsFromObject(parsed, width);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const lines = error.issues.map((issue) => `${where}: ${issue}`);
    throw new InputError(lines.join('\n'), lines);
  }
  checkFileWidth(where, widthOf(theta));
  return theta;
}

/**
 * Refuses a θ whose width (the length of `w`) the run settings do not
 * allow, checked by the same schema as `--width`, before any work.
 */
function checkFileWidth(where: string, neurons: number): void {
  const checked = runConfigSchema.shape.width.safeParse(neurons);
  if (checked.success) return;
  const reason = checked.error.issues[0]?.message ?? 'not an allowed width';
  const line =
    `${where}: params.w: the width (one number per neuron) ${reason}, ` +
    `as for --width (got ${neurons} numbers)`;
  throw new InputError(line, [line]);
}

/** The human report: header, comparison table, per-parameter table. */
export function formatGradcheckReport(report: GradcheckReport): string {
  const source =
    report.theta_source === 'seed'
      ? `θ from seed ${report.config.seed} (init ${report.config.init})`
      : `θ from ${report.theta_source}`;
  const kinks =
    report.kinks_inside === null
      ? ''
      : ` · kinks inside (0, 1): ${report.kinks_inside}`;
  const header =
    `${describeRunConfig(report.config, false)}\n${source} · ` +
    `loss ${formatNumber(report.loss, 10)}${kinks}\n\n`;

  const comparisons = [
    ['', 'cosine', 'rel. difference'],
    ...report.comparisons.map((c) => [
      `${c.a} vs ${c.b}`,
      formatCosine(c.cos),
      formatNumber(c.rel, 2),
    ]),
  ];
  return (
    header +
    formatTable(comparisons, [1, 2]) +
    '\n' +
    formatTable(parameterRows(report), [1, 2, 3, 4])
  );
}

function parameterRows(report: GradcheckReport): string[][] {
  const rows = [['θ', 'value', ...GRADIENTS]];
  for (const key of ['w', 'a', 'c'] as const) {
    report.theta[key].forEach((value, i) => {
      rows.push([
        `${key}[${i}]`,
        formatNumber(value, 6),
        ...GRADIENTS.map((m) => formatNumber(report.gradients[m][key][i], 6)),
      ]);
    });
  }
  rows.push([
    'd',
    formatNumber(report.theta.d, 6),
    ...GRADIENTS.map((m) => formatNumber(report.gradients[m].d, 6)),
  ]);
  return rows;
}
