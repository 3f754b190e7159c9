/**
 * `resume`, `retry` and `cancel` act on a recorded sweep: pointed at a
 * results file that does not exist, they say so (exit 2) and create
 * nothing, as `status`, `query` and `export` do.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { runSweep } from '../support/processes.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir('pinn-missing-db-');

after(() => dir.remove());

test('resume, retry and cancel on a missing results file create none', async () => {
  for (const verb of ['resume', 'retry', 'cancel']) {
    const db = dir.file(`${verb}.sqlite`);
    const run = await runSweep([verb, 'nosuch', '--db', db]);
    assert.equal(run.code, 2, `${verb}: ${run.stderr}`);
    assert.match(run.stderr, /no results database at .*\.sqlite/, verb);
    assert.equal(existsSync(db), false, `${verb} created ${db}`);
  }
});

test('an empty file is not made a results database by a refused command', async () => {
  for (const verb of ['resume', 'retry', 'cancel', 'status', 'export']) {
    const db = dir.file(`${verb}-empty.sqlite`);
    writeFileSync(db, '');
    const args = verb === 'status' ? [verb] : [verb, 'nosuch'];
    const run = await runSweep([...args, '--db', db]);
    assert.equal(run.code, 2, `${verb}: ${run.stderr}`);
    assert.match(run.stderr, /the file is empty/, verb);
    assert.equal(statSync(db).size, 0, `${verb} wrote into ${db}`);
  }
});
