import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../coordinator/input-error.ts';
import { parseSpecText } from '../../coordinator/spec/index.ts';
import {
  ACTIVATIONS,
  GRADIENTS,
  SETTING_NAMES,
} from '../../workers/run-config.ts';

/** The problems a YAML spec is rejected with; fails if it is accepted. */
function problems(yaml: string, format: 'yaml' | 'json' = 'yaml'): string[] {
  try {
    parseSpecText(yaml, format, 'test-spec');
  } catch (error) {
    assert.ok(error instanceof InputError, `not an InputError: ${error}`);
    assert.ok(error.message.startsWith('test-spec'), error.message);
    return error.issues;
  }
  assert.fail('the spec was accepted');
}

/** The one problem line that starts with `path: `. */
function problemAt(lines: string[], path: string): string {
  const found = lines.filter((line) => line.startsWith(`${path}: `));
  assert.equal(
    found.length,
    1,
    `one problem at ${path} in:\n${lines.join('\n')}`,
  );
  return found[0];
}

const VALID = 'name: ok\ngrid: { width: [10, 20] }\n';

test('a valid spec is accepted', () => {
  assert.equal(parseSpecText(VALID, 'yaml', 'x').runs.length, 2);
});

test('a bad name names the allowed characters and the value', () => {
  const line = problemAt(problems('name: "relu failure!"'), 'name');
  assert.match(line, /letters, digits, - and _, 1 to 64 characters/);
  assert.match(line, /got "relu failure!"/);
  assert.match(problemAt(problems('name: 2024'), 'name'), /got 2024/);
  const long = 'a'.repeat(65);
  assert.match(problemAt(problems(`name: ${long}`), 'name'), /1 to 64/);
  assert.match(problemAt(problems('grid: {}'), 'name'), /missing/);
});

test('an unknown top-level key lists the allowed keys', () => {
  const lines = problems(`${VALID}exlude: []\nlr: 1e-3\n`);
  const typo = problemAt(lines, 'exlude');
  assert.match(
    typo,
    /allowed: name, description, settings, grid, seeds, include, exclude, failure, retries, timeout/,
  );
  assert.match(typo, /did you mean exclude\?/);
  assert.match(problemAt(lines, 'lr'), /run setting: put it under settings/);
});

test('a bad activation names every allowed activation', () => {
  const lines = problems('name: a\ngrid: { activation: [relu, rellu] }');
  const line = problemAt(lines, 'grid.activation[1]');
  assert.ok(line.includes(`must be one of ${ACTIVATIONS.join(', ')}`), line);
  assert.match(line, /got "rellu"/);
});

test('a non-numeric learning rate says what numbers are allowed', () => {
  const lines = problems('name: a\nsettings: { lr: fast }');
  assert.match(
    problemAt(lines, 'settings.lr'),
    /must be a finite number > 0 \(got "fast"\)/,
  );
  const negative = problems('name: a\ngrid: { lr: [1e-3, -1e-2] }');
  // As written, not as JavaScript would write the number (-0.01).
  assert.match(problemAt(negative, 'grid.lr[1]'), /> 0 \(got -1e-2\)$/);
  // YAML's .inf and .nan are numbers JSON cannot write: shown as such.
  const infinite = problems('name: a\ngrid: { lr: [.inf, .nan] }');
  assert.match(problemAt(infinite, 'grid.lr[0]'), /\(got Infinity\)/);
  assert.match(problemAt(infinite, 'grid.lr[1]'), /\(got NaN\)/);
});

test('a number out of float64 range is shown as written and as read', () => {
  const small = ', too small for a float64 number: read as 0)';
  const large = ', too large for a float64 number: read as Infinity)';
  const range = 'settings.fd_h: must be a number from 1e-10 to 0.1 (got';
  for (const format of ['yaml', 'json'] as const) {
    const spec = (fdH: string) =>
      format === 'yaml'
        ? `name: a\nsettings: { fd_h: ${fdH} }\n`
        : `{"name": "a", "settings": {"fd_h": ${fdH}}}`;
    assert.deepEqual(problems(spec('1e-400'), format), [
      `${range} 1e-400${small}`,
    ]);
    assert.deepEqual(problems(spec('1e400'), format), [
      `${range} 1e400${large}`,
    ]);
    // In range, only the spelling is the spec's own.
    assert.deepEqual(problems(spec('1.0E+1'), format), [`${range} 1.0E+1)`]);
    // Numeric text is read as a number too.
    assert.deepEqual(problems(spec('"1e-400"'), format), [
      `${range} "1e-400"${small}`,
    ]);
  }
  const lines = problems(
    'name: a\ngrid: { width: [10, -1e400] }\nretries: 1e999\n' +
      'failure: { rel_l2: 0.0e-999 }\n',
  );
  assert.match(
    problemAt(lines, 'grid.width[1]'),
    /\(got -1e400, too large for a float64 number: read as -Infinity\)$/,
  );
  assert.ok(problemAt(lines, 'retries').endsWith(`(got 1e999${large}`));
  // Zero written as zero is just zero.
  assert.match(problemAt(lines, 'failure.rel_l2'), /\(got 0\.0e-999\)$/);
});

test('a width that is not an integer is refused, a numeric string is not', () => {
  const lines = problems('name: a\ngrid: { width: [10, "20px", 2.5] }');
  assert.match(
    problemAt(lines, 'grid.width[1]'),
    /must be an integer from 1 to 4096 \(got "20px"\)/,
  );
  assert.match(problemAt(lines, 'grid.width[2]'), /integer.*\(got 2\.5\)/);
  const plan = parseSpecText('name: a\ngrid: { width: ["20"] }', 'yaml', 'x');
  assert.equal(plan.runs[0].config.width, 20);
});

test('an axis must be a non-empty list', () => {
  const empty = problems('name: a\ngrid: { lr: [] }');
  assert.match(problemAt(empty, 'grid.lr'), /at least one value \(got \[\]\)/);
  const scalar = problems('name: a\ngrid: { lr: 1e-3 }');
  assert.match(problemAt(scalar, 'grid.lr'), /non-empty list.*settings\.lr/);
});

test('a setting cannot be both fixed and an axis', () => {
  const lines = problems(
    'name: a\nsettings: { lr: 1e-3 }\ngrid: { lr: [1e-2] }',
  );
  assert.match(
    problemAt(lines, 'settings.lr'),
    /also a grid axis \(grid\.lr\)/,
  );
});

test('seeds cannot also be given in grid or settings', () => {
  const inGrid = problems('name: a\nseeds: 3\ngrid: { seed: [0, 1] }');
  assert.match(problemAt(inGrid, 'grid.seed'), /also given by the seeds key/);
  const inSettings = problems('name: a\nseeds: [1, 2]\nsettings: { seed: 4 }');
  assert.match(problemAt(inSettings, 'settings.seed'), /seeds key/);
});

test('seeds are a count from 1 to 10000 or a list of distinct integers', () => {
  for (const bad of ['0', '10001', '2.5', 'many', '-1']) {
    const line = problemAt(problems(`name: a\nseeds: ${bad}`), 'seeds');
    assert.match(line, /count from 1 to 10000.*or a list of distinct seeds/);
  }
  const list = problems('name: a\nseeds: [3, 1, 3, -2, x]');
  assert.match(problemAt(list, 'seeds[2]'), /already seeds\[0\].*distinct/);
  assert.match(problemAt(list, 'seeds[3]'), /integer from 0 to/);
  assert.match(problemAt(list, 'seeds[4]'), /integer from 0 to/);
  assert.match(
    problemAt(problems('name: a\nseeds: []'), 'seeds'),
    /1 to 10000/,
  );
});

test('a seed written with a fraction is refused even if it rounds to an integer', () => {
  // 2^53 − 1.3 is not a double: read as one it becomes the integer 2^53 − 1.
  for (const format of ['yaml', 'json'] as const) {
    const text =
      format === 'yaml'
        ? 'name: a\nseeds: [9007199254740989.7]'
        : '{"name": "a", "seeds": [9007199254740989.7]}';
    const line = problemAt(problems(text, format), 'seeds[0]');
    assert.match(line, /exact integer; 9007199254740989\.7 is not one/);
  }
  const exact = parseSpecText(
    'name: a\nseeds: [9007199254740991, 1e3]',
    'yaml',
    'x',
  );
  assert.deepEqual(
    exact.runs.map((run) => run.config.seed),
    [Number.MAX_SAFE_INTEGER, 1000],
  );
});

test('a bad timeout names the duration forms and the limits', () => {
  for (const bad of ['10x', '0s', '25h', '-5', 'soon', '""']) {
    const line = problemAt(problems(`${VALID}timeout: ${bad}`), 'timeout');
    assert.match(
      line,
      /"10m", "90s", "1h30m", "500ms", or a number of seconds/,
    );
    assert.match(line, /more than 0 and at most 24h/);
  }
});

test('timeouts are read in every accepted form', () => {
  const cases: [string, number][] = [
    ['10m', 600_000],
    ['90s', 90_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['2.5m', 150_000],
    ['45', 45_000],
    ['"45"', 45_000],
    ['0.25', 250],
    ['24h', 86_400_000],
  ];
  for (const [text, ms] of cases) {
    const plan = parseSpecText(`${VALID}timeout: ${text}`, 'yaml', 'x');
    assert.equal(plan.timeoutMs, ms, text);
  }
  assert.equal(parseSpecText(VALID, 'yaml', 'x').timeoutMs, 600_000);
});

test('retries must be an integer from 0 to 10', () => {
  for (const bad of ['-1', '11', '1.5', 'twice']) {
    const line = problemAt(problems(`${VALID}retries: ${bad}`), 'retries');
    assert.match(line, /integer from 0 to 10/);
  }
  assert.equal(parseSpecText(`${VALID}retries: 0`, 'yaml', 'x').retries, 0);
  assert.equal(parseSpecText(VALID, 'yaml', 'x').retries, 2);
});

test('the failure criterion is rel_l2 > 0', () => {
  const lines = problems(`${VALID}failure: { rel_l2: 0, rel_h1: 1 }`);
  assert.match(problemAt(lines, 'failure.rel_l2'), /> 0.*\(got 0\)/);
  assert.match(problemAt(lines, 'failure.rel_h1'), /allowed: rel_l2/);
  const plan = parseSpecText(
    `${VALID}failure: { rel_l2: "1e-2" }`,
    'yaml',
    'x',
  );
  assert.equal(plan.threshold, 0.01);
  assert.equal(parseSpecText(VALID, 'yaml', 'x').threshold, 5e-3);
});

test('an exclude rule may only name run settings', () => {
  const lines = problems(
    `${VALID}exclude: [{ widht: 10 }, {}, { gradient: finite-differences }, 3]`,
  );
  const unknown = problemAt(lines, 'exclude[0].widht');
  assert.ok(unknown.includes(`allowed: ${SETTING_NAMES.join(', ')}`));
  assert.match(unknown, /did you mean width\?/);
  assert.match(problemAt(lines, 'exclude[1]'), /at least one setting/);
  assert.ok(
    problemAt(lines, 'exclude[2].gradient').includes(GRADIENTS.join(', ')),
  );
  assert.match(problemAt(lines, 'exclude[3]'), /mapping of run settings/);
});

test('include entries hold one value per setting', () => {
  const lines = problems(`${VALID}include: [{ lr: [1e-3, 1e-2] }, { foo: 1 }]`);
  assert.match(problemAt(lines, 'include[0].lr'), /one value here/);
  assert.match(problemAt(lines, 'include[1].foo'), /unknown setting "foo"/);
});

test('every problem is reported at once, in spec order', () => {
  const lines = problems(
    [
      'name: "bad name"',
      'settings: { lr: fast, steps: -1 }',
      'grid: { width: [0], activation: [] }',
      'seeds: 0',
      'retries: -1',
      'timeout: 0',
    ].join('\n'),
  );
  assert.deepEqual(
    lines.map((line) => line.split(':')[0]),
    [
      'name',
      'settings.lr',
      'settings.steps',
      'grid.width[0]',
      'grid.activation',
      'seeds',
      'retries',
      'timeout',
    ],
  );
});

test('a message lists the first 20 problems and counts the rest', () => {
  const spec = (n: number) => {
    const widths = Array.from({ length: n }, (_, i) => `w${i}`);
    return `name: a\ngrid: { width: [${widths.join(', ')}] }\n`;
  };
  const message = (n: number) => {
    try {
      parseSpecText(spec(n), 'yaml', 'test-spec');
    } catch (error) {
      assert.ok(error instanceof InputError);
      assert.equal(error.issues.length, n);
      return error.message.split('\n');
    }
    assert.fail('the spec was accepted');
  };
  const many = message(1234);
  assert.equal(many[0], 'test-spec: the sweep spec has 1,234 problems:');
  assert.equal(many.length, 1 + 20 + 1);
  assert.match(many[20], /^ {2}grid\.width\[19\]: .*\(got "w19"\)$/);
  assert.equal(many[21], '  … and 1,214 more problems');
  const twenty = message(20);
  assert.equal(twenty.length, 21);
  assert.match(twenty[20], /grid\.width\[19\]/);
  assert.equal(message(21)[21], '  … and 1 more problem');
  // Syntax errors are listed the same way.
  const keys = Array.from({ length: 25 }, (_, i) => `k${i}: 1\nk${i}: 2`);
  try {
    parseSpecText(keys.join('\n'), 'yaml', 'test-spec');
    assert.fail('the spec was accepted');
  } catch (error) {
    assert.ok(error instanceof InputError);
    const lines = error.message.split('\n');
    assert.equal(lines[0], 'test-spec: not valid YAML (25 errors):');
    assert.equal(lines.at(-1), '  … and 5 more errors');
    assert.equal(error.issues.length, 25);
  }
});

test('malformed YAML names the line and column', () => {
  const yaml = 'name: a\ngrid:\n  lr: [1e-3, 1e-2\n  width: [10]\n';
  const lines = problems(yaml);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^test-spec:4:3: /);
  const tabs = problems('name: a\nsettings:\n\tlr: 1\n');
  assert.match(tabs[0], /^test-spec:3:1: .*[Tt]ab/);
  const twice = problems('name: a\nname: b\n');
  assert.match(twice[0], /^test-spec:2:1: Map keys must be unique/);
});

test('a file of several YAML documents says where the second starts', () => {
  const two = 'name: a\ngrid: { width: [10] }\n---\nname: b\n';
  assert.deepEqual(problems(two), [
    'test-spec:3:1: a sweep spec is one YAML document, but a second one ' +
      'starts at line 3 with "---": write each sweep in its own file',
  ]);
  const ended = problems('name: a\n...\nname: b\n');
  assert.match(
    ended[0],
    /^test-spec:3:1: .* starts at line 3, after the "\.\.\."/,
  );
  // A leading "---" only marks where the one document starts.
  assert.equal(parseSpecText(`---\n${VALID}`, 'yaml', 'x').runs.length, 2);
});

test('malformed JSON names the line and column', () => {
  // After the trailing comma, `]` is the unexpected token: line 3, column 24.
  const json = '{\n  "name": "a",\n  "grid": {"lr": [1, 2,]}\n}';
  const lines = problems(json, 'json');
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^test-spec:3:24: Unexpected token ']'/);
  const unfinished = problems('{"name": "a",\n "seeds": 3', 'json');
  assert.match(unfinished[0], /^test-spec:2:12: /);
  const repeated = problems('{"name": "a",\n "name": "b"}', 'json');
  assert.match(repeated[0], /^test-spec:2:2: the same key appears twice/);
});

test('a key given with no value (null) is refused, not taken as left out', () => {
  const hint = 'a key with no value is null: leave the key out for its default';
  const keys = [
    ['description', 'must be text'],
    ['settings', 'must be a mapping of run settings'],
    ['grid', 'must be a mapping of setting → list of values'],
    ['seeds', 'must be a count from 1 to 10000'],
    ['include', 'must be a list of partial run settings'],
    ['exclude', 'must be a list of partial run settings'],
    ['failure', 'must be a mapping, e.g. { rel_l2: 5e-3 }'],
    ['retries', 'must be an integer from 0 to 10'],
    ['timeout', 'must be a duration'],
  ];
  for (const [key, allowed] of keys) {
    // `key:` alone, `key: null` and `key: ~` are all null in YAML.
    for (const empty of ['', ' null', ' ~']) {
      const line = problemAt(problems(`name: a\n${key}:${empty}\n`), key);
      assert.ok(line.startsWith(`${key}: ${allowed}`), line);
      assert.ok(line.endsWith(`; ${hint} (got null)`), line);
    }
    const json = `{"name": "a", ${JSON.stringify(key)}: null}`;
    assert.match(problemAt(problems(json, 'json'), key), /\(got null\)$/);
  }
  // A key under a comment only is null too: the usual way to meet this.
  const commented = problems(`${VALID}settings:\n  # lr: 1e-3\n`);
  assert.match(problemAt(commented, 'settings'), /\(got null\)$/);
  // The name is required: no hint to leave it out.
  assert.equal(
    problemAt(problems('name:\n'), 'name'),
    'name: must be text of letters, digits, - and _, 1 to 64 characters ' +
      '(got null)',
  );
  // Null inside is refused as well, with no hint.
  const inner = problems(
    'name: a\nsettings: { lr: null }\ngrid: { width: null }\n' +
      'include: [null]\nexclude: [null]\nfailure: { rel_l2: null }\n',
  );
  for (const path of [
    'settings.lr',
    'grid.width',
    'include[0]',
    'exclude[0]',
    'failure.rel_l2',
  ]) {
    const line = problemAt(inner, path);
    assert.ok(line.endsWith('(got null)') && !line.includes(hint), line);
  }
});

test('a spec that is not a mapping is refused', () => {
  for (const text of ['', '- a\n- b', 'just text']) {
    assert.match(
      problemAt(problems(text), '(root)'),
      /a sweep spec is a mapping/,
    );
  }
});
