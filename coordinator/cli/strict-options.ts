/**
 * Two mistakes commander lets through, refused for every option of every
 * command: a flag whose value is missing, so that the next flag is taken
 * as its value (`--problem --steps 5`), and a flag given more than once,
 * where the last value would silently win (`--width 10 --width 20`).
 * Both are bad input (exit 2), named by the flag, before any work.
 *
 * No option of `sweep` is meant to be repeated (none is variadic; lists,
 * as for `retry --status`, are comma-separated in one value).
 */
import type { EventEmitter } from 'node:events';
import type { Command, Option } from 'commander';
import { InputError } from '../input-error.ts';

const allowed = new WeakMap<Option, () => string | undefined>();

/**
 * Says what values `option` allows, for the message that its value is
 * missing; `describe` is called only then (its text may be filled in once
 * the command is chosen). Options with `.choices()` need not register.
 */
export function describeAllowed(
  option: Option,
  describe: () => string | undefined,
): Option {
  allowed.set(option, describe);
  return option;
}

/** The values `option` allows, as a phrase, when known. */
function allowedOf(option: Option): string | undefined {
  const described = allowed.get(option)?.();
  if (described) return described;
  if (option.argChoices) return `one of ${option.argChoices.join(', ')}`;
  const parser = option.parseArg as { allowed?: string } | undefined;
  return parser?.allowed;
}

/** `allowed: …`, or the form of the value when its values are free. */
function want(option: Option): string {
  const what = allowedOf(option);
  return what ? `allowed: ${what}` : `give ${option.flags}`;
}

/** The method commander calls when a flag's value is missing. */
interface MissingArgument {
  optionMissingArgument(option: Option): never;
}

/** `command` and every command below it. */
function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

/** Every flag (`--width`, `-h`) any of these commands knows. */
function knownFlags(commands: Command[]): Set<string> {
  const flags = new Set(['-h', '--help']);
  for (const command of commands) {
    for (const option of command.options) {
      if (option.long) flags.add(option.long);
      if (option.short) flags.add(option.short);
    }
  }
  return flags;
}

/** True when `value` is one of `flags`, alone or as `--flag=value`. */
function isFlag(value: string, flags: Set<string>): boolean {
  return value.startsWith('-') && flags.has(value.split('=', 1)[0]);
}

function flagOf(option: Option): string {
  return option.long ?? option.short ?? option.flags;
}

/**
 * Makes every option of `program` and its subcommands refuse a missing
 * value and a repetition.
 *
 * @throws InputError (from parsing) naming the flag: `--problem: needs a
 *   value (the next argument --steps is a flag); allowed: one of …`, or
 *   `--width: given more than once ("10", then "20"); give it once`
 */
export function refuseMissingAndRepeatedFlags(program: Command): void {
  const commands = allCommands(program);
  const flags = knownFlags(commands);
  for (const command of commands) {
    // A flag last on the line, or followed by a global option that the
    // program has taken already: commander's own message names no values.
    const missing = command as unknown as MissingArgument;
    missing.optionMissingArgument = (option) => {
      throw new InputError(`${flagOf(option)}: needs a value; ${want(option)}`);
    };
    const given = new Map<string, string | undefined>();
    for (const option of command.options) {
      // Before commander's own listener, so before the value is parsed.
      (command as unknown as EventEmitter).prependListener(
        `option:${option.name()}`,
        (value?: string | null) => {
          const flag = flagOf(option);
          const takesValue = option.required || option.optional;
          if (takesValue && typeof value === 'string' && isFlag(value, flags)) {
            throw new InputError(
              `${flag}: needs a value (the next argument ${value} is a ` +
                `flag); ${want(option)}`,
            );
          }
          const key = option.attributeName();
          if (given.has(key)) {
            throw new InputError(
              `${flag}: given more than once` +
                `${repeated(given.get(key), value)}; give it once`,
            );
          }
          given.set(key, value ?? undefined);
        },
      );
    }
  }
}

/** ` ("10", then "20")`, or nothing for a flag without a value. */
function repeated(first: string | undefined, then?: string | null): string {
  if (first === undefined || typeof then !== 'string') return '';
  return ` (${JSON.stringify(first)}, then ${JSON.stringify(then)})`;
}
