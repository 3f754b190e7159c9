/**
 * Parts of a subcommand's definition that come from modules too costly to
 * load on every start of `sweep` (the queue library, the thread pool, the
 * database driver, the settings schema): option defaults and help texts.
 * They are filled in once that subcommand is chosen, before it parses its
 * arguments or prints its help, so `sweep --help` and the other commands
 * never load those modules.
 */
import type { Command, Option } from 'commander';

const fills = new WeakMap<Command, (() => Promise<void>)[]>();

/** Runs `fill` when `command` is chosen, before it reads its arguments. */
export function fillWhenChosen(
  command: Command,
  fill: () => Promise<void>,
): void {
  fills.set(command, [...(fills.get(command) ?? []), fill]);
}

/**
 * Gives `option` of `command` the default `load()` resolves to, once
 * `command` is chosen. Until then the option has no default.
 */
export function defaultWhenChosen<T>(
  command: Command,
  option: Option,
  load: () => Promise<T>,
): Option {
  fillWhenChosen(command, async () => {
    const value = await load();
    option.default(value);
    command.setOptionValueWithSource(option.attributeName(), value, 'default');
  });
  return option;
}

/**
 * Completes `command`: runs, once, what was registered for it. Call it
 * whenever a subcommand is chosen, and before printing its help.
 */
export async function fillChosen(command: Command): Promise<void> {
  const pending = fills.get(command) ?? [];
  fills.delete(command);
  for (const fill of pending) await fill();
}
