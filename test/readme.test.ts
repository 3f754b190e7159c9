import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EXAMPLE_QUERIES } from '../coordinator/store/example-queries.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('every example query the suite runs is printed verbatim in the README', () => {
  for (const query of EXAMPLE_QUERIES) {
    assert.ok(
      readme.includes(query.sql),
      `README.md lacks the example query "${query.title}" as tested`,
    );
  }
});

test('the README quick start names the test command CI runs', () => {
  const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
  assert.match(readme, /^npm test\b/m);
  assert.match(ci, /^npm test$/m);
});
