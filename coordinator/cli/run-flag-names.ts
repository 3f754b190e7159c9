/**
 * The run-setting flags as options of a command: one per RunConfig setting
 * (`--gauss-points` for `gauss_points`). Declaring them needs only their
 * names; their help (the values allowed, the default) comes from the
 * settings schema, in `run-flags.ts`, once the command is chosen.
 */
import { type Command, Option } from 'commander';
import type { RunConfig } from '../../workers/run-config.ts';
import { fillWhenChosen } from './lazy-details.ts';
import { describeAllowed } from './strict-options.ts';

/** A run setting as a command-line flag. */
export interface RunFlagName {
  /** The RunConfig key it sets. */
  key: keyof RunConfig;
  /** The flag, e.g. `--gauss-points`. */
  flag: string;
  /** Placeholder of its value in `--help`. */
  placeholder: string;
  /** What the setting is. */
  summary: string;
}

function name(
  key: keyof RunConfig,
  placeholder: string,
  summary: string,
): RunFlagName {
  return { key, flag: `--${key.replace(/_/g, '-')}`, placeholder, summary };
}

/** Every run-setting flag, in the order `--help` lists them. */
export const RUN_FLAG_NAMES: readonly RunFlagName[] = [
  name('problem', 'name', 'model problem'),
  name('interface_k', 'k', 'κ on [½, 1] of `interface`'),
  name('activation', 'name', 'hidden activation σ'),
  name('width', 'W', 'hidden width (neurons)'),
  name('bc', 'mode', 'boundary handling'),
  name('beta', 'beta', 'penalty weight of `--bc penalty`'),
  name('init', 'scheme', 'initialisation'),
  name('quadrature', 'rule', 'training quadrature'),
  name('cells', 'M', 'uniform cells of the gauss rule'),
  name('gauss_points', 'q', 'Gauss points per piece'),
  name('nodes', 'N', 'nodes of the midpoint rule'),
  name('gradient', 'method', 'gradient method'),
  name('fd_h', 'h', 'finite-difference step'),
  name('optimizer', 'name', 'optimiser'),
  name('lr', 'x', 'learning rate'),
  name('steps', 'n', 'optimiser steps'),
  name('seed', 'n', 'PRNG seed'),
];

const BY_KEY = new Map(RUN_FLAG_NAMES.map((f) => [f.key, f]));

/** The flag of one run setting. */
export function runFlagName(key: keyof RunConfig): RunFlagName {
  return BY_KEY.get(key)!;
}

/**
 * Adds the flag of setting `key` to `command`, under "Run settings:".
 *
 * @param defaultText what `--help` shows as the default (default: the
 *   setting's own default)
 */
export function addRunFlag(
  command: Command,
  key: keyof RunConfig,
  defaultText?: string,
): Command {
  const f = runFlagName(key);
  const option = new Option(`${f.flag} <${f.placeholder}>`);
  command.addOption(option.helpGroup('Run settings:'));
  let allowed: string | undefined;
  describeAllowed(option, () => allowed);
  fillWhenChosen(command, async () => {
    const { runFlagHelp, RUN_FLAGS } = await import('./run-flags.ts');
    option.description = runFlagHelp(key, defaultText);
    allowed = RUN_FLAGS.find((r) => r.key === key)?.allowed;
  });
  return command;
}

/** Adds every run-setting flag to a command. */
export function addRunFlags(command: Command): Command {
  for (const f of RUN_FLAG_NAMES) addRunFlag(command, f.key);
  return command;
}
