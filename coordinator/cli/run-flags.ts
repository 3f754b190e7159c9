/**
 * The run-setting flags shared by `sweep train`, `sweep gradcheck` and the
 * other commands that describe one run: one flag per RunConfig setting
 * (`--gauss-points` for `gauss_points`), validated by `parseRunConfig`, so
 * the limits live in one place and every error names the flag, the value
 * got and what is allowed.
 */
import { type Command, Option } from 'commander';
import {
  ACTIVATIONS,
  BOUNDARY_MODES,
  ConfigError,
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

/** A run setting as a command-line flag. */
export interface RunFlag {
  /** The RunConfig key it sets. */
  key: keyof RunConfig;
  /** The flag, e.g. `--gauss-points`. */
  flag: string;
  /** Placeholder of its value in `--help`. */
  placeholder: string;
  /** What the setting is. */
  summary: string;
  /** The values allowed, as a phrase ("an integer from 1 to 4096"). */
  allowed: string;
}

const POSITIVE = 'a finite number > 0';

function oneOf(values: readonly string[]): string {
  return `one of ${values.join(', ')}`;
}

function integers(min: number, max: number): string {
  return `an integer from ${min} to ${max}`;
}

function flag(
  key: keyof RunConfig,
  placeholder: string,
  summary: string,
  allowed: string,
): RunFlag {
  return {
    key,
    flag: `--${key.replace(/_/g, '-')}`,
    placeholder,
    summary,
    allowed,
  };
}

/** Every run-setting flag, in the order `--help` lists them. */
export const RUN_FLAGS: readonly RunFlag[] = [
  flag('problem', 'name', 'model problem', oneOf(PROBLEMS)),
  flag('interface_k', 'k', 'κ on [½, 1] of `interface`', POSITIVE),
  flag('activation', 'name', 'hidden activation σ', oneOf(ACTIVATIONS)),
  flag('width', 'W', 'hidden width (neurons)', integers(1, 4096)),
  flag('bc', 'mode', 'boundary handling', oneOf(BOUNDARY_MODES)),
  flag('beta', 'beta', 'penalty weight of `--bc penalty`', POSITIVE),
  flag('init', 'scheme', 'initialisation', oneOf(INITS)),
  flag('quadrature', 'rule', 'training quadrature', oneOf(QUADRATURES)),
  flag('cells', 'M', 'uniform cells of the gauss rule', integers(1, 100000)),
  flag('gauss_points', 'q', 'Gauss points per piece', integers(1, 10)),
  flag('nodes', 'N', 'nodes of the midpoint rule', integers(1, 1000000)),
  flag('gradient', 'method', 'gradient method', oneOf(GRADIENTS)),
  flag('fd_h', 'h', 'finite-difference step', POSITIVE),
  flag('optimizer', 'name', 'optimiser', oneOf(OPTIMIZERS)),
  flag('lr', 'x', 'learning rate', POSITIVE),
  flag('steps', 'n', 'optimiser steps', integers(0, 10000000)),
  flag('seed', 'n', 'PRNG seed', integers(0, MAX_SEED)),
];

const BY_KEY = new Map(RUN_FLAGS.map((f) => [f.key, f]));
const DEFAULTS = runConfigSchema.parse({});

function attributeOf(runFlag: RunFlag): string {
  return new Option(`${runFlag.flag} <v>`).attributeName();
}

/**
 * The commander option of one run setting.
 *
 * @param defaultText what `--help` shows as the default (default: the
 *   setting's own default)
 */
export function runFlagOption(
  key: keyof RunConfig,
  defaultText = String(DEFAULTS[key]),
): Option {
  const f = BY_KEY.get(key)!;
  const help = `${f.summary}: ${f.allowed} (default ${defaultText})`;
  return new Option(`${f.flag} <${f.placeholder}>`, help).helpGroup(
    'Run settings:',
  );
}

/** Adds every run-setting flag to a command. */
export function addRunFlags(command: Command): Command {
  for (const f of RUN_FLAGS) command.addOption(runFlagOption(f.key));
  return command;
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
