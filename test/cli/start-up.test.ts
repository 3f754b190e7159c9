/**
 * A `sweep` command loads only the libraries it uses: `--help` and the
 * commands that train one run or read the store start without the queue
 * library, the web server or the thread pool. Help stays whole even though
 * parts of it come from modules loaded only for the command asked about.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { RUN_FLAGS } from '../../coordinator/cli/run-flags.ts';
import { DEFAULT_QUERY_MAX_ROWS } from '../../coordinator/store/read-only-query.ts';
import { DEFAULT_THREAD_HEAP_MB } from '../../workers/pool.ts';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_LOCK_MS,
} from '../../workers/worker-process.ts';
import { studyStore, tempDir } from '../store/fixture.ts';
import { ROOT, runSweep } from '../support/processes.ts';

const PRELOAD = pathToFileURL(
  join(import.meta.dirname, 'support/package-log.mjs'),
);

/**
 * The npm packages the product depends on, less tsx: it runs the
 * TypeScript sources, so every command loads it.
 */
const DEPENDENCIES = Object.keys(
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies,
).filter((name) => name !== 'tsx');

/** Libraries that only the queue, the dashboard or the pool need. */
const SERVER_SIDE = ['bullmq', 'ioredis', 'express', 'piscina'];

/** Runs `sweep ...args` and returns its exit, output and the dependencies it loaded. */
async function packagesOf(dir: string, args: string[]) {
  const log = join(dir, `packages-${Math.random().toString(36).slice(2)}`);
  const run = await runSweep(args, {
    env: {
      NODE_OPTIONS: `--import=${JSON.stringify(PRELOAD.href)}`,
      SWEEP_PACKAGE_LOG: log,
    },
  });
  let names: string[] = [];
  try {
    names = readFileSync(log, 'utf8').split('\n');
  } catch {
    // No package resolved at all.
  }
  const loaded = DEPENDENCIES.filter((name) => names.includes(name)).sort();
  return { ...run, loaded };
}

test('sweep --help loads commander and no other dependency', async (t) => {
  const run = await packagesOf(tempDir(t), ['--help']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Usage: sweep /);
  assert.deepEqual(run.loaded, ['commander']);
});

test('sweep train loads neither the queue, the server, the pool nor the store', async (t) => {
  const run = await packagesOf(tempDir(t), ['train', '--steps', '1', '--json']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).metrics.steps_done, 1);
  for (const name of [...SERVER_SIDE, 'sqlite3', 'yaml']) {
    assert.ok(!run.loaded.includes(name), `${name} loaded: ${run.loaded}`);
  }
});

test('commands that read the store load no queue, server or pool', async (t) => {
  const dir = tempDir(t);
  const { path } = await studyStore(t);
  const cases = [
    ['--db', path, 'status', 'study'],
    ['--db', path, 'query', 'SELECT count(*) FROM results'],
    ['--db', path, 'export', 'study', '--format', 'json'],
  ];
  for (const args of cases) {
    const run = await packagesOf(dir, args);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    assert.ok(run.loaded.includes('sqlite3'), args.join(' '));
    for (const name of SERVER_SIDE) {
      assert.ok(!run.loaded.includes(name), `${args[2]} loaded ${name}`);
    }
    // A query needs the database driver only, not the store's schema.
    if (args[2] === 'query') {
      assert.deepEqual(run.loaded, ['commander', 'sqlite3']);
    }
  }
});

test('help of each command is the same asked either way, and whole', async () => {
  const top = await runSweep(['--help']);
  const names = [...top.stdout.matchAll(/^ {2}([a-z]+) /gm)]
    .map((m) => m[1])
    .filter((name) => name !== 'help');
  assert.ok(names.length >= 12, top.stdout);
  const help: Record<string, string> = {};
  for (const name of names) {
    const flag = await runSweep([name, '--help']);
    const word = await runSweep(['help', name]);
    assert.equal(flag.code, 0, flag.stderr);
    assert.equal(word.code, 0, word.stderr);
    assert.equal(word.stdout, flag.stdout, name);
    help[name] = flag.stdout.replace(/\s+/g, ' ');
  }

  // Defaults and allowed values that live beside the code using them.
  assert.match(
    help.worker,
    new RegExp(`--lock-ms .*default: ${DEFAULT_LOCK_MS}\\)`),
  );
  assert.match(
    help.worker,
    new RegExp(`--grace-ms .*default: ${DEFAULT_GRACE_MS}\\)`),
  );
  assert.match(
    help.worker,
    new RegExp(`--thread-heap-mb .*default: ${DEFAULT_THREAD_HEAP_MB}\\)`),
  );
  assert.match(
    help.query,
    new RegExp(`--max-rows .*default: ${DEFAULT_QUERY_MAX_ROWS}\\)`),
  );
  for (const name of ['train', 'gradcheck']) {
    for (const f of RUN_FLAGS) {
      const allowed = f.allowed.replace(/\s+/g, ' ');
      assert.ok(
        help[name].includes(`: ${allowed} (default `),
        `${name} ${f.flag}`,
      );
    }
  }
  assert.ok(help.bench.includes('(default tanh and relu)'), help.bench);

  const unknown = await runSweep(['help', 'nope']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^Usage: sweep /);
});
