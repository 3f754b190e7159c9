/**
 * What the run-setting flags (`run-flag-names.ts`) accept, their help, and
 * the run config they describe: validated by `parseRunConfig`, so the
 * limits live in one place and every error names the flag, the value got
 * and what is allowed.
 */
import { Option } from 'commander';
import {
  ACTIVATIONS,
  BOUNDARY_MODES,
  ConfigError,
  FD_H_RANGE,
  GRADIENTS,
  INITS,
  MAX_SEED,
  OPTIMIZERS,
  PROBLEMS,
  parseRunConfig,
  QUADRATURES,
  type RunConfig,
  runConfigSchema,
} from '../../workers/run-config.ts';
import { InputError } from '../input-error.ts';
import { RUN_FLAG_NAMES, type RunFlagName } from './run-flag-names.ts';

/** A run-setting flag and the values it accepts. */
export interface RunFlag extends RunFlagName {
  /** The values allowed, as a phrase ("an integer from 1 to 4096"). */
  allowed: string;
}

const POSITIVE = 'a finite number > 0';

function oneOf(values: readonly string[]): string {
  return `one of ${values.join(', ')}`;
}

function numbers(range: { min: number; max: number }): string {
  return `a number from ${range.min} to ${range.max}`;
}

function integers(min: number, max: number): string {
  return `an integer from ${min} to ${max}`;
}

/** Most training steps a run may take (the run settings' own limit). */
export const MAX_STEPS = 10_000_000;

const ALLOWED: Record<keyof RunConfig, string> = {
  problem: oneOf(PROBLEMS),
  interface_k: POSITIVE,
  activation: oneOf(ACTIVATIONS),
  width: integers(1, 4096),
  bc: oneOf(BOUNDARY_MODES),
  beta: POSITIVE,
  init: oneOf(INITS),
  quadrature: oneOf(QUADRATURES),
  cells: integers(1, 100000),
  gauss_points: integers(1, 10),
  nodes: integers(1, 1000000),
  gradient: oneOf(GRADIENTS),
  fd_h: numbers(FD_H_RANGE),
  optimizer: oneOf(OPTIMIZERS),
  lr: POSITIVE,
  steps: integers(0, MAX_STEPS),
  seed: integers(0, MAX_SEED),
};

/** Every run-setting flag, in the order `--help` lists them. */
export const RUN_FLAGS: readonly RunFlag[] = RUN_FLAG_NAMES.map((f) => ({
  ...f,
  allowed: ALLOWED[f.key],
}));

const BY_KEY = new Map(RUN_FLAGS.map((f) => [f.key, f]));
const DEFAULTS = runConfigSchema.parse({});

function attributeOf(runFlag: RunFlag): string {
  return new Option(`${runFlag.flag} <v>`).attributeName();
}

/**
 * The help of one run-setting flag: what it sets, the values allowed and
 * the default.
 *
 * @param defaultText what to show as the default (default: the setting's
 *   own default)
 */
export function runFlagHelp(
  key: keyof RunConfig,
  defaultText = String(DEFAULTS[key]),
): string {
  const f = BY_KEY.get(key)!;
  return `${f.summary}: ${f.allowed} (default ${defaultText})`;
}

/**
 * The settings given on the command line, as raw strings keyed by setting
 * name; flags not given are absent.
 */
export function givenRunFlags(
  opts: Record<string, unknown>,
): Partial<Record<keyof RunConfig, string>> {
  const given: Partial<Record<keyof RunConfig, string>> = {};
  for (const f of RUN_FLAGS) {
    const value = opts[attributeOf(f)];
    if (typeof value === 'string') given[f.key] = value;
  }
  return given;
}

/**
 * The run config that a command's flags describe.
 *
 * @param opts the command's parsed options (`command.opts()`)
 * @param base settings that apply unless a flag overrides them
 * @throws InputError with one line per bad flag, e.g.
 *   `--width: must be an integer from 1 to 4096 (got "abc")`
 */
export function runConfigFromFlags(
  opts: Record<string, unknown>,
  base: Partial<RunConfig> = {},
): RunConfig {
  return parseRunFlags(givenRunFlags(opts), base);
}

/**
 * The run config of flag values keyed by setting name (as
 * {@link givenRunFlags} returns them), over `base`.
 *
 * @throws InputError with one line per bad flag, named as on the command
 *   line
 */
export function parseRunFlags(
  values: Partial<Record<keyof RunConfig, string | number>>,
  base: Partial<RunConfig> = {},
): RunConfig {
  try {
    return parseRunConfig({ ...base, ...values });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const issues = error.issues.map(namedAfterFlag);
    throw new InputError(issues.join('\n'), issues);
  }
}

/** Rewrites "width: expected a number …" as "--width: must be …". */
function namedAfterFlag(issue: string): string {
  const match = /^(\w+): (.*)$/s.exec(issue);
  const f = match ? BY_KEY.get(match[1] as keyof RunConfig) : undefined;
  if (!match || !f) return issue;
  const message = match[2].replace(
    /^expected a number/,
    `must be ${f.allowed}`,
  );
  return `${f.flag}: ${message}`;
}
