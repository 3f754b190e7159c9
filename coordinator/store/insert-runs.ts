/**
 * Recording the runs of a new sweep: 100,000 of them in a few seconds,
 * every setting exact.
 */
import { type RunConfig, SETTING_NAMES } from '../../workers/run-config.ts';
import type { Connection } from './sqlite.ts';
import type { NewRun } from './types.ts';

/**
 * Run settings stored as REAL: bound exactly, never parsed from JSON.
 * Entries of the JSON chunk: 0 run id, 1 idx, 2 config JSON, 3–6 these.
 */
const REAL_SETTINGS = ['interface_k', 'beta', 'fd_h', 'lr'] as const;

/** Run settings stored as TEXT or INTEGER: entries 7 onwards. */
const JSON_SETTINGS = [
  'problem',
  'activation',
  'width',
  'bc',
  'init',
  'quadrature',
  'cells',
  'gauss_points',
  'nodes',
  'gradient',
  'optimizer',
  'steps',
  'seed',
] as const;

/** Runs inserted per statement by `createSweep`. */
const RUNS_PER_INSERT = 2000;

/**
 * Inserts one chunk of runs from one JSON array (`?1`) of
 * `[run_id, idx, config, …real keys, …other settings]`. Binding one
 * value per chunk instead of 22 per run, and reading it as JSONB (no
 * re-parsing per column), makes 100,000 runs cheap. Text and integers
 * convert exactly, and JSONB keeps the text of numbers, so `config_json`
 * is exactly the JSON that JavaScript wrote. REAL settings are looked up
 * in `temp.sweep_reals`, where they were bound as numbers, because
 * SQLite's text-to-REAL conversion is not always correctly rounded.
 */
const INSERT_RUNS_SQL = `
INSERT INTO runs (run_id, sweep_id, idx, config_json, updated_at,
  ${[...REAL_SETTINGS, ...JSON_SETTINGS].join(', ')})
SELECT value ->> 0, ?2, value ->> 1, value -> 2, ?3,
  ${REAL_SETTINGS.map(
    (_, i) => `(SELECT v FROM temp.sweep_reals WHERE k = value ->> ${i + 3})`,
  ).join(',\n  ')},
  ${JSON_SETTINGS.map((_, i) => `value ->> ${i + 7}`).join(', ')}
FROM jsonb_each(jsonb(?1))`;

/** Setting names in sorted order: the key order of `config_json`. */
const SORTED_SETTINGS = [...SETTING_NAMES].sort();

/** A run config with its keys sorted: one JSON spelling per config. */
function sortedConfig(config: RunConfig): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const name of SORTED_SETTINGS) sorted[name] = config[name];
  return sorted;
}

/** Each distinct REAL setting value of `runs`, numbered from 0. */
function realKeys(runs: readonly NewRun[]): Map<number, number> {
  const keys = new Map<number, number>();
  for (const run of runs) {
    for (const name of REAL_SETTINGS) {
      const value = run.config[name];
      if (!keys.has(value)) keys.set(value, keys.size);
    }
  }
  return keys;
}

function runEntry(run: NewRun, reals: Map<number, number>): unknown[] {
  const config = run.config;
  return [
    run.runId,
    run.idx,
    sortedConfig(config),
    ...REAL_SETTINGS.map((name) => reals.get(config[name])),
    ...JSON_SETTINGS.map((name) => config[name]),
  ];
}

/**
 * Inserts the runs of a new sweep (status `queued`, generation 0) inside
 * the caller's transaction, a chunk of runs per statement.
 */
export async function insertRuns(
  db: Connection,
  runs: readonly NewRun[],
  sweepId: number,
  at: number,
): Promise<void> {
  const reals = realKeys(runs);
  await db.run(
    'CREATE TEMP TABLE IF NOT EXISTS sweep_reals ' +
      '(k INTEGER PRIMARY KEY, v REAL NOT NULL)',
  );
  await db.run('DELETE FROM temp.sweep_reals');
  await db.insertMany(
    'temp.sweep_reals',
    ['k', 'v'],
    [...reals].map(([v, k]) => [k, v]),
  );
  const insert = await db.prepare(INSERT_RUNS_SQL);
  let running: Promise<number> | undefined;
  try {
    for (let i = 0; i < runs.length; i += RUNS_PER_INSERT) {
      const chunk = runs.slice(i, i + RUNS_PER_INSERT);
      // The next chunk is built while SQLite inserts the previous one.
      const json = JSON.stringify(chunk.map((r) => runEntry(r, reals)));
      await running;
      running = insert.run([json, sweepId, at]);
    }
    await running;
  } finally {
    await running?.catch(() => undefined);
    await insert.finalize();
  }
}
