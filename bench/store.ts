/**
 * `node --import tsx bench/store.ts`: how fast the results store records a
 * large sweep, on a fresh file under bench/output/.
 *
 * - createSweep of a 100,000-run sweep (one transaction);
 * - recordEvents in batches of 1,000 events (a start and a final with a
 *   curve per run, as the recorder commits them), over 20,000 runs;
 * - the reads of `sweep status`: listSweeps, failureTable, axisSummary;
 * - exportRows of every run (as `sweep export` streams them).
 *
 * Each figure is wall time and processor time (all threads of this
 * process, so SQLite's work counts too): on a shared machine the wall time
 * also measures the neighbours. Options: `--runs N` (default 100000),
 * `--json`.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../coordinator/store/store.ts';
import {
  final,
  makeSweep,
  metrics,
  result,
  start,
} from '../test/store/fixture.ts';
import type { RecorderEvent } from '../workers/events.ts';

interface Figure {
  step: string;
  wallMs: number;
  cpuMs: number;
  /** Items per second of wall time, when the step has items. */
  perSecond?: number;
}

async function measure(
  step: string,
  items: number,
  body: () => Promise<unknown>,
): Promise<Figure> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await body();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const perSecond = items > 0 ? (items / wallMs) * 1000 : undefined;
  return { step, wallMs, cpuMs, ...(perSecond ? { perSecond } : {}) };
}

/** 300 grid points × enough seeds for `runs` runs. */
function sweepOf(runs: number) {
  const grid = {
    activation: ['relu', 'relu2', 'tanh', 'sigmoid', 'swish'],
    width: [10, 20, 40, 80, 160],
    lr: [1e-3, 3e-3, 1e-2, 3e-2],
    gradient: ['autodiff', 'analytic', 'finite-difference'],
  };
  const points = Object.values(grid).reduce((n, v) => n * v.length, 1);
  const seed = Array.from({ length: Math.ceil(runs / points) }, (_, i) => i);
  const sweep = makeSweep('bench', { ...grid, seed });
  return { ...sweep, runs: sweep.runs.slice(0, runs) };
}

function eventBatches(runIds: string[], size: number): RecorderEvent[][] {
  const batches: RecorderEvent[][] = [];
  let at = Date.now();
  for (let i = 0; i < runIds.length; i += size / 2) {
    batches.push(
      runIds.slice(i, i + size / 2).flatMap((runId) => [
        start(runId, `${runId}-1`, at++),
        final(runId, `${runId}-1`, at++, 'done', {
          result: result(metrics({ rel_l2: Math.random() * 1e-2 })),
        }),
      ]),
    );
  }
  return batches;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '100000' },
      json: { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  const dir = join(import.meta.dirname, 'output');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'store-bench.sqlite');
  for (const suffix of ['', '-wal', '-shm'])
    rmSync(path + suffix, { force: true });

  const store = await openStore(path);
  const sweep = sweepOf(runs);
  const figures: Figure[] = [];
  let sweepId = 0;
  figures.push(
    await measure(`createSweep ${runs} runs`, runs, async () => {
      sweepId = (await store.createSweep(sweep)).sweepId;
    }),
  );
  const recorded = sweep.runs.slice(0, 20_000).map((r) => r.runId);
  const batches = eventBatches(recorded, 1000);
  figures.push(
    await measure(
      `recordEvents ${batches.length} × 1000 events`,
      batches.length * 1000,
      async () => {
        for (const batch of batches) await store.recordEvents(batch);
      },
    ),
  );
  figures.push(await measure('listSweeps', 0, () => store.listSweeps()));
  figures.push(
    await measure('failureTable', 0, () => store.failureTable(sweepId)),
  );
  figures.push(
    await measure('axisSummary', 0, () => store.axisSummary(sweepId)),
  );
  figures.push(
    await measure(`exportRows ${runs} rows`, runs, async () => {
      for await (const _ of store.exportRows(sweepId));
    }),
  );
  await store.close();
  report(figures, values.json);
}

function report(figures: Figure[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    return;
  }
  for (const f of figures) {
    const rate = f.perSecond ? ` · ${Math.round(f.perSecond)}/s` : '';
    process.stdout.write(
      `${f.step.padEnd(34)} wall ${f.wallMs.toFixed(0).padStart(6)} ms · ` +
        `cpu ${f.cpuMs.toFixed(0).padStart(6)} ms${rate}\n`,
    );
  }
}

await main();
