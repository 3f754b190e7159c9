import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InputError } from '../../coordinator/input-error.ts';
import { loadSpecFile } from '../../coordinator/spec/index.ts';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinn-sweep-spec-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refused(path: string): Promise<InputError> {
  try {
    await loadSpecFile(path);
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return error;
  }
  assert.fail(`${path} was accepted`);
}

const SPEC = 'name: n\ngrid: { width: [10, 20] }\n';

test('the extension chooses the format, in any letter case', async () => {
  for (const name of ['a.yaml', 'b.yml', 'c.YML']) {
    await writeFile(join(dir, name), SPEC);
    assert.equal((await loadSpecFile(join(dir, name))).runs.length, 2);
  }
  const json = join(dir, 'd.json');
  // With a byte-order mark, as some editors save JSON.
  await writeFile(json, '\uFEFF{"name": "n", "grid": {"width": [10, 20]}}');
  assert.equal((await loadSpecFile(json)).runs.length, 2);
});

test('another extension is refused, naming the allowed ones', async () => {
  for (const name of ['spec.txt', 'spec']) {
    const path = join(dir, name);
    await writeFile(path, SPEC);
    const error = await refused(path);
    assert.match(error.message, /ending in \.yaml, \.yml, \.json/);
    assert.ok(error.message.startsWith(path));
  }
});

test('YAML in a .json file is a JSON syntax error', async () => {
  const path = join(dir, 'yaml-inside.json');
  await writeFile(path, SPEC);
  const error = await refused(path);
  // `n` could start `null`; `a` cannot follow it.
  assert.match(error.issues[0], /yaml-inside\.json:1:2: Unexpected token 'a'$/);
});

test('a missing file or a directory is bad input', async () => {
  assert.match((await refused(join(dir, 'none.yaml'))).message, /no such file/);
  await mkdir(join(dir, 'folder.yaml'));
  assert.match(
    (await refused(join(dir, 'folder.yaml'))).message,
    /is a directory/,
  );
});

test('messages start with the file path', async () => {
  const path = join(dir, 'bad.yaml');
  await writeFile(path, 'name: n\nretries: -1\n');
  const error = await refused(path);
  assert.ok(error.message.startsWith(`${path}: the sweep spec has 1 problem:`));
  assert.deepEqual(error.issues, [
    'retries: must be an integer from 0 to 10: extra attempts after a crash (got -1)',
  ]);
});
