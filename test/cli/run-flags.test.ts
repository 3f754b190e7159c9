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
import { parseSpecText } from '../../coordinator/spec/index.ts';
import {
  ConfigError,
  parseRunConfig,
  SETTING_NAMES,
} from '../../workers/run-config.ts';
import { train } from '../../workers/train.ts';

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
    } else if (/^a number from /.test(f.allowed)) {
      const [, min, max] = /^a number from (\S+) to (\S+)$/.exec(f.allowed)!;
      assert.ok(accepts(min) && accepts(max), f.flag);
      assert.ok(!accepts(String(Number(min) * 0.99)), `${f.flag} below`);
      assert.ok(!accepts(String(Number(max) * 1.01)), `${f.flag} above`);
    } else if (f.allowed === 'a finite number > 0') {
      assert.ok(accepts('1e-300') && accepts('1e300'), f.flag);
      assert.ok(!accepts('0') && !accepts('-1e-300'), f.flag);
    } else {
      assert.match(f.allowed, /^one of /, f.flag);
    }
  }
});

test('--fd-h, a spec and train() refuse a step outside 1e-10 to 0.1', () => {
  const allowed = 'must be a number from 1e-10 to 0.1';
  for (const h of ['1e-300', '1e-11', '0.2', '1e300', '0']) {
    assert.deepEqual(
      issuesOf(() => parseArgs(['--fd-h', h])),
      [`--fd-h: ${allowed} (got "${h}")`],
    );
  }
  assert.equal(parseArgs(['--fd-h', '1e-10']).fd_h, 1e-10);
  assert.equal(parseArgs(['--fd-h', '0.1']).fd_h, 0.1);

  const spec =
    'name: h\nsettings: { fd_h: 1e-300 }\ngrid: { fd_h: [1e-6, 1e300] }\n';
  const specIssues = issuesOf(() => parseSpecText(spec, 'yaml', 'h.yaml'));
  assert.ok(
    specIssues.includes(`settings.fd_h: ${allowed} (got 1e-300)`),
    specIssues.join('\n'),
  );
  assert.ok(
    specIssues.some(
      (i) => i.startsWith('grid.fd_h[1]: ') && i.includes(allowed),
    ),
    specIssues.join('\n'),
  );

  assert.throws(
    () => train({ ...parseRunConfig({ steps: 1 }), fd_h: 1e300 }),
    (error) =>
      error instanceof ConfigError &&
      /fd_h: must be a number from 1e-10 to 0\.1/.test(error.message),
  );
});
