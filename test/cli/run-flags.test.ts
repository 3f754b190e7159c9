import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { addRunFlags } from '../../coordinator/cli/run-flag-names.ts';
import {
  parseRunFlags,
  RUN_FLAGS,
  runConfigFromFlags,
} from '../../coordinator/cli/run-flags.ts';
import { InputError } from '../../coordinator/input-error.ts';
import { parseRunConfig, SETTING_NAMES } from '../../workers/run-config.ts';

function parseArgs(args: string[]) {
  const command = addRunFlags(new Command('train').exitOverride());
  command.parse(args, { from: 'user' });
  return runConfigFromFlags(command.opts());
}

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return error.issues;
  }
  assert.fail('expected an InputError');
}

test('every run setting has exactly one flag', () => {
  const keys = RUN_FLAGS.map((f) => f.key).sort();
  assert.deepEqual(keys, [...SETTING_NAMES].sort());
});

test('flags set the settings; absent flags keep the defaults', () => {
  const config = parseArgs([
    '--activation',
    'relu',
    '--width',
    '7',
    '--lr',
    '1e-2',
    '--gauss-points',
    '3',
    '--fd-h',
    '0.0001',
    '--interface-k',
    '4',
  ]);
  assert.deepEqual(config, {
    ...parseRunConfig({}),
    activation: 'relu',
    width: 7,
    lr: 0.01,
    gauss_points: 3,
    fd_h: 1e-4,
    interface_k: 4,
  });
});

test('a non-number names the flag and its allowed range', () => {
  const issues = issuesOf(() => parseArgs(['--width', 'abc']));
  assert.deepEqual(issues, [
    '--width: must be an integer from 1 to 4096 (got "abc")',
  ]);
});

test('an unknown value names the flag and lists the allowed ones', () => {
  const [issue] = issuesOf(() => parseArgs(['--activation', 'foo']));
  assert.match(issue, /^--activation: must be one of relu, leaky-relu, .*sin/);
  assert.match(issue, /\(got "foo"\)$/);
});

test('every bad flag is reported, each under its own name', () => {
  const issues = issuesOf(() =>
    parseArgs(['--lr', '-1', '--gauss-points', '11', '--bc', 'x']),
  );
  assert.equal(issues.length, 3);
  assert.ok(issues.some((i) => i.startsWith('--lr: must be a finite')));
  assert.ok(issues.some((i) => i.startsWith('--gauss-points: must be')));
  assert.ok(issues.some((i) => i.startsWith('--bc: must be one of')));
});

/**
 * The allowed-values phrase of each numeric flag is written out for
 * `--help`; this keeps it equal to what the schema actually accepts.
 */
test('each numeric flag accepts exactly the range its help states', () => {
  for (const f of RUN_FLAGS) {
    const range = /^an integer from (\d+) to (\d+)$/.exec(f.allowed);
    const accepts = (v: string) => {
      try {
        parseRunFlags({ [f.key]: v });
        return true;
      } catch {
        return false;
      }
    };
    if (range) {
      const [min, max] = [BigInt(range[1]), BigInt(range[2])];
      assert.ok(accepts(String(min)) && accepts(String(max)), f.flag);
      assert.ok(!accepts(String(min - 1n)), `${f.flag} below ${min}`);
      assert.ok(!accepts(String(max + 1n)), `${f.flag} above ${max}`);
      assert.ok(!accepts(`${min}.5`), `${f.flag} fraction`);
    } else if (f.allowed === 'a finite number > 0') {
      assert.ok(accepts('1e-300') && accepts('1e300'), f.flag);
      assert.ok(!accepts('0') && !accepts('-1e-300'), f.flag);
    } else {
      assert.match(f.allowed, /^one of /, f.flag);
    }
  }
});
