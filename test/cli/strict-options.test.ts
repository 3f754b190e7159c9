/**
 * Every option of every command refuses a missing value (the next flag
 * taken as its value) and being given more than once, naming the flag.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command, type Option } from 'commander';
import { commands } from '../../coordinator/cli/commands/index.ts';
import { fillChosen } from '../../coordinator/cli/lazy-details.ts';
import { refuseMissingAndRepeatedFlags } from '../../coordinator/cli/strict-options.ts';
import { InputError } from '../../coordinator/input-error.ts';
import { tempDir } from '../store/fixture.ts';
import { runSweep } from '../support/processes.ts';

/** The `sweep` commands with their options, as main.ts declares them. */
function program(): Command {
  const sweep = new Command('sweep').exitOverride();
  sweep.option('--db <path>').option('--json');
  for (const register of commands) register(sweep);
  for (const command of sweep.commands) {
    command.exitOverride().action(() => assert.fail('the action ran'));
  }
  refuseMissingAndRepeatedFlags(sweep);
  sweep.hook('preSubcommand', (_sweep, chosen) => fillChosen(chosen));
  return sweep;
}

/** The message `args` are refused with (an InputError), or a failure. */
async function refusal(args: string[]): Promise<string> {
  try {
    await program().parseAsync(args, { from: 'user' });
  } catch (error) {
    assert.ok(error instanceof InputError, `${args.join(' ')}: ${error}`);
    return error.message;
  }
  assert.fail(`${args.join(' ')} was accepted`);
}

function takesValue(option: Option): boolean {
  return option.required || option.optional;
}

test('every value-taking option refuses the next flag as its value', async () => {
  let checked = 0;
  for (const command of program().commands) {
    for (const option of command.options.filter(takesValue)) {
      const flag = option.long!;
      // Another flag of the command; the program would take a global one.
      const next = command.options.find((o) => o !== option)?.long ?? '--help';
      const message = await refusal([command.name(), flag, next]);
      assert.ok(
        message.startsWith(
          `${flag}: needs a value (the next argument ${next} is a flag); `,
        ),
        `${command.name()}: ${message}`,
      );
      // Last on the line, or before a global option.
      for (const end of [[], ['--json']]) {
        const last = await refusal([command.name(), flag, ...end]);
        assert.ok(
          last.startsWith(`${flag}: needs a value; `),
          `${command.name()}: ${last}`,
        );
      }
      // What is allowed, or at least the form of the value.
      assert.match(message, /; (allowed: \S|give --\S+ <)/, message);
      checked++;
    }
  }
  assert.ok(checked > 30, `${checked} options`);
});

test('a missing value says what the flag allows', async () => {
  assert.equal(
    await refusal(['train', '--problem', '--steps', '5']),
    '--problem: needs a value (the next argument --steps is a flag); ' +
      'allowed: one of sine, variable-kappa, multiscale, interface',
  );
  assert.equal(
    await refusal(['gradcheck', '--params', '--width', '3']),
    '--params: needs a value (the next argument --width is a flag); ' +
      'give --params <file>',
  );
  assert.match(
    await refusal(['gradcheck', '--width', '--seed=3']),
    /^--width: needs a value \(the next argument --seed=3 is a flag\); allowed: an integer from 1 to 4096$/,
  );
  assert.match(
    await refusal(['export', 'x', '--format', '-h']),
    /^--format: .*-h is a flag\); allowed: one of csv, json$/,
  );
  assert.match(
    await refusal(['bench', '--steps', '--repeat', '2']),
    /allowed: an integer from 2 to /,
  );
});

/** Two values `option` accepts, different when it can. */
function twoValues(option: Option): [string, string] {
  if (option.argChoices) {
    return [option.argChoices[0], option.argChoices.at(-1)!];
  }
  const allowed = (option.parseArg as { allowed?: string } | undefined)
    ?.allowed;
  const range = allowed && /from (\d+) to (\d+)/.exec(allowed);
  if (range) return [range[1], range[2]];
  const list =
    allowed && /^a comma-separated list of (\w+), (\w+)/.exec(allowed);
  return list ? [list[1], list[2]] : ['one', 'two'];
}

test('every option given twice is refused with both values', async () => {
  let checked = 0;
  for (const command of program().commands) {
    for (const option of command.options) {
      const flag = option.long!;
      const [one, two] = twoValues(option);
      const args = takesValue(option)
        ? [command.name(), flag, one, `${flag}=${two}`]
        : [command.name(), flag, flag];
      const tail = takesValue(option) ? ` ("${one}", then "${two}")` : '';
      assert.equal(
        await refusal(args),
        `${flag}: given more than once${tail}; give it once`,
        command.name(),
      );
      checked++;
    }
  }
  assert.ok(checked > 40, `${checked} options`);
});

test('a value that only looks like a flag is a value', async () => {
  // A negative number is not a flag: it reaches the setting's own check.
  const run = await runSweep(['train', '--lr', '-1', '--steps', '1']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /--lr: must be a finite number > 0 \(got "-1"\)/);
});

test('sweep refuses a flag with no value: exit 2, nothing changed', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'a.sqlite');
  const [missing, global] = await Promise.all([
    runSweep(['train', '--problem', '--steps', '5']),
    runSweep([
      '--db',
      db,
      'run',
      join(dir, 'none.yaml'),
      '--threads',
      '--json',
    ]),
  ]);
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(
    missing.stderr,
    /^sweep: --problem: needs a value \(the next argument --steps is a flag\); allowed: one of sine, /,
  );
  assert.equal(missing.stdout, '');
  assert.equal(global.code, 2, global.stderr);
  assert.match(
    global.stderr,
    /^sweep: --threads: needs a value.*; allowed: an integer from 1 to 1024\n$/,
  );
  assert.equal(existsSync(db), false);
});

test('sweep refuses a flag given twice: exit 2, nothing changed', async (t) => {
  const dir = tempDir(t);
  const [a, b] = [join(dir, 'a.sqlite'), join(dir, 'b.sqlite')];
  const [twice, global] = await Promise.all([
    runSweep(['gradcheck', '--width', '10', '--width', '20']),
    runSweep(['--db', a, 'run', join(dir, 'none.yaml'), '--db', b]),
  ]);
  assert.equal(twice.code, 2, twice.stderr);
  assert.equal(
    twice.stderr,
    'sweep: --width: given more than once ("10", then "20"); give it once\n',
  );
  assert.equal(twice.stdout, '');
  assert.equal(global.code, 2, global.stderr);
  assert.equal(
    global.stderr,
    `sweep: --db: given more than once ("${a}", then "${b}"); give it once\n`,
  );
  assert.equal(existsSync(a), false);
  assert.equal(existsSync(b), false);
});
