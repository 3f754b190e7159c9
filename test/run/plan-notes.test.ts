/**
 * The notes `sweep run` prints about values the spec repeats are capped
 * like spec errors: the first 20, then how many more.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runSweep } from '../support/processes.ts';
import { tempDir, writeFile } from './helpers.ts';

const dir = tempDir('pinn-plan-notes-');

after(() => dir.remove());

test('thirty copies of one value: 20 notes and a count of the rest', async () => {
  const values = Array.from({ length: 30 }, () => '1e-3').join(', ');
  const spec = writeFile(
    dir.path,
    'dup.yaml',
    `name: dup\nsettings: { steps: 1, width: 2 }\ngrid:\n  lr: [${values}]\n`,
  );
  const run = await runSweep(['run', spec, '--db', dir.file('d.sqlite')]);
  assert.equal(run.code, 0, run.stderr);
  const notes = run.stderr
    .split('\n')
    .filter((l) => /are the same value/.test(l));
  assert.equal(notes.length, 20);
  assert.match(run.stderr, /… and 9 more repeats/);
});
