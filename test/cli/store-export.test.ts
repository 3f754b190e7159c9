import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nonFiniteReviver } from '../../coordinator/cli/json-numbers.ts';
import { RESULT_COLUMNS } from '../../coordinator/store/results.ts';
import {
  final,
  freshStore,
  makeSweep,
  start,
  studyStore,
  tempDir,
} from '../store/fixture.ts';
import { runSweep } from '../support/processes.ts';

/** An RFC 4180 reader, written independently of the writer under test. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') {
      records.push([...record, field]);
      record = [];
      field = '';
    } else field += c;
  }
  return records;
}

test('export writes every run as CSV with NaN, Infinity and empty NULLs', async (t) => {
  const { path, sweep } = await studyStore(t);
  const run = await runSweep(['--db', path, 'export', 'study']);
  assert.equal(run.code, 0, run.stderr);
  const [header, ...records] = parseCsv(run.stdout);
  assert.deepEqual(header, [...RESULT_COLUMNS]);
  assert.equal(records.length, sweep.runs.length);
  const col = (name: string) => RESULT_COLUMNS.indexOf(name as never);
  const diverged = records.filter((r) => r[col('status')] === 'diverged');
  assert.equal(diverged.length, 2);
  for (const r of diverged) {
    assert.equal(r[col('rel_l2')], 'NaN');
    assert.equal(r[col('final_loss')], 'Infinity');
    assert.equal(r[col('energy')], '-Infinity');
  }
  const crashed = records.find((r) => r[col('status')] === 'crashed')!;
  assert.equal(crashed[col('rel_l2')], '');
  assert.equal(crashed[col('error')], 'worker thread died');
  assert.equal(crashed[col('attempts')], '2');
  assert.deepEqual(
    records.map((r) => Number(r[col('idx')])),
    sweep.runs.map((r) => r.idx),
  );
});

test('export quotes commas, quotes and line breaks in CSV', async (t) => {
  const { store, path } = await freshStore(t);
  const sweep = makeSweep('quotes', { width: [10, 20] });
  await store.createSweep(sweep);
  const nasty = 'failed: "x", then\nline two, and  spaces ';
  await store.recordEvents([
    start(sweep.runs[0].runId, 'a', 1),
    final(sweep.runs[0].runId, 'a', 2, 'crashed', { error: nasty }),
  ]);
  const run = await runSweep([
    '--db',
    path,
    'export',
    'quotes',
    '--format',
    'csv',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const records = parseCsv(run.stdout);
  assert.equal(records.length, 3);
  assert.equal(records[1][RESULT_COLUMNS.indexOf('error')], nasty);
  assert.equal(records[2][RESULT_COLUMNS.indexOf('error')], '');
});

test('export --out naming an existing folder is refused, exit 2, nothing written', async (t) => {
  const { path } = await studyStore(t);
  const dir = tempDir(t);
  const out = join(dir, 'outdir');
  mkdirSync(out);
  const run = await runSweep(['--db', path, 'export', 'study', '--out', out]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    /--out: .*outdir is a folder; expected the path of a file/,
  );
  assert.deepEqual(readdirSync(dir).sort(), ['outdir']);
  assert.deepEqual(readdirSync(out), []);
});

test('export --format json --out writes a JSON array to a file', async (t) => {
  const { path, sweep } = await studyStore(t);
  const out = join(tempDir(t), 'study.json');
  const run = await runSweep([
    '--db',
    path,
    'export',
    'study',
    '--format',
    'json',
    '--out',
    out,
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /wrote 32 runs of study to /);
  assert.equal(existsSync(`${out}.partial`), false);
  const text = readFileSync(out, 'utf8');
  const strict = JSON.parse(text);
  assert.equal(strict.length, sweep.runs.length);
  const rows = JSON.parse(text, nonFiniteReviver);
  const diverged = rows.filter(
    (r: { status: string }) => r.status === 'diverged',
  );
  assert.equal(diverged[0].nan_metrics, 'rel_l2,rel_h1');
  assert.ok(Number.isNaN(diverged[0].rel_l2));
  assert.equal(diverged[0].final_loss, Number.POSITIVE_INFINITY);
  const crashed = strict.find(
    (r: { status: string }) => r.status === 'crashed',
  );
  assert.equal(crashed.rel_l2, null);
  assert.deepEqual(Object.keys(strict[0]), [...RESULT_COLUMNS]);
});

test('export of an empty sweep, an unknown sweep and a missing database', async (t) => {
  const { store, path } = await freshStore(t);
  await store.createSweep(makeSweep('empty', { width: [] }));
  const json = await runSweep([
    '--db',
    path,
    'export',
    'empty',
    '--format',
    'json',
  ]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), []);
  const csv = await runSweep(['--db', path, 'export', 'empty']);
  assert.equal(csv.stdout, `${RESULT_COLUMNS.join(',')}\n`);

  const unknown = await runSweep(['--db', path, 'export', 'nope']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /known sweeps: empty/);

  const db = join(tempDir(t), 'none.sqlite');
  const missing = await runSweep(['--db', db, 'export', 'x']);
  assert.equal(missing.code, 2);
  assert.equal(existsSync(db), false);

  const format = await runSweep([
    '--db',
    path,
    'export',
    'empty',
    '--format',
    'xml',
  ]);
  assert.equal(format.code, 2);
});
