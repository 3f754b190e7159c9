import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  canonicalJson,
  loadSpecFile,
  parseSpecText,
  runId,
} from '../../coordinator/spec/index.ts';
import {
  BOUNDARY_MODES,
  canonicalRunConfig,
  PROBLEMS,
  parseRunConfig,
  QUADRATURES,
  type RunConfig,
} from '../../workers/run-config.ts';

function shipped(file: string): string {
  return fileURLToPath(new URL(`../../sweeps/${file}`, import.meta.url));
}

/**
 * The run id rule, written again by hand: the JSON text is assembled key
 * by key in sorted order and hashed with a Hash object, not by the
 * product's code.
 */
function independentRunId(sweep: string, config: RunConfig): string {
  const canonical = canonicalRunConfig(config) as Record<string, unknown>;
  const members = Object.keys(canonical)
    .sort()
    .map((key) => `"${key}":${JSON.stringify(canonical[key])}`);
  const text = `{"config":{${members.join(',')}},"sweep":${JSON.stringify(sweep)}}`;
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

test('a run id is the sha256 of the sorted JSON of sweep and settings', async () => {
  // This text and its hash were produced outside the product:
  //   printf %s '<text>' | sha256sum | cut -c1-16
  // The id must never change for these settings: stored sweeps depend on it.
  const text =
    '{"config":{"activation":"relu","bc":"ansatz","beta":100,"cells":64,' +
    '"fd_h":0.000001,"gauss_points":4,"gradient":"analytic",' +
    '"init":"spread","interface_k":10,"lr":0.01,"nodes":256,' +
    '"optimizer":"adam","problem":"sine","quadrature":"gauss","seed":2,' +
    '"steps":3000,"width":40},"sweep":"relu-failure"}';
  const expected = 'a203ce4c6e388f4d';
  assert.equal(
    createHash('sha256').update(text).digest('hex').slice(0, 16),
    expected,
  );

  const config = parseRunConfig({
    activation: 'relu',
    gradient: 'analytic',
    lr: '1e-2',
    width: 40,
    seed: 2,
  });
  assert.equal(runId('relu-failure', config), expected);
  const plan = await loadSpecFile(shipped('relu-failure.yaml'));
  const run = plan.runs.find((r) => r.runId === expected);
  assert.deepEqual(run?.config, config);
});

test('every planned run id matches the rule written independently', async () => {
  const files = ['relu-failure.yaml', 'boundary-init.yaml', 'smoke.yaml'];
  for (const file of files) {
    const plan = await loadSpecFile(shipped(file));
    for (const run of plan.runs) {
      assert.equal(run.runId, independentRunId(plan.name, run.config), file);
      assert.equal(run.runId, runId(plan.name, run.config));
    }
  }
});

test('settings a run ignores do not change its id', () => {
  const config = parseRunConfig({ bc: 'ansatz', quadrature: 'gauss' });
  const ignored = { ...config, beta: 7, nodes: 99, interface_k: 3 };
  assert.equal(runId('s', ignored), runId('s', config));
  const penalty = parseRunConfig({ bc: 'penalty', beta: 7 });
  assert.notEqual(runId('s', penalty), runId('s', { ...penalty, beta: 8 }));
});

test('the sweep name and every setting are part of the id', () => {
  const config = parseRunConfig({ bc: 'penalty', quadrature: 'midpoint' });
  const ids = new Set([runId('a', config), runId('b', config)]);
  const changes: Partial<RunConfig>[] = [
    { activation: 'relu' },
    { width: 21 },
    { lr: 1.0000000000000002e-3 },
    { seed: 1 },
    { steps: 2999 },
    { beta: 101 },
    { nodes: 257 },
    { fd_h: 2e-6 },
    { gradient: 'analytic' },
  ];
  for (const change of changes) ids.add(runId('a', { ...config, ...change }));
  assert.equal(ids.size, 2 + changes.length);
});

test('changing only the seed keeps the other settings canonical', () => {
  // Expansion writes a combination's settings once and varies the seed
  // alone; that is only right while the seed is never an ignored setting
  // and never decides which settings are ignored.
  for (const problem of PROBLEMS) {
    for (const bc of BOUNDARY_MODES) {
      for (const quadrature of QUADRATURES) {
        const config = parseRunConfig({
          problem,
          bc,
          quadrature,
          beta: 3,
          nodes: 17,
          interface_k: 2,
          seed: 5,
        });
        const canonical = canonicalRunConfig(config);
        for (const seed of [0, 1, 123456789, Number.MAX_SAFE_INTEGER]) {
          assert.deepEqual(canonicalRunConfig({ ...config, seed }), {
            ...canonical,
            seed,
          });
          assert.equal(
            runId('s', { ...config, seed }),
            independentRunId('s', { ...config, seed }),
          );
        }
      }
    }
  }
});

test('canonical JSON sorts keys at every level and drops whitespace', () => {
  const value = { b: [{ z: 1, a: 'x' }, 2.5e-7], a: { d: null, c: true } };
  assert.equal(
    canonicalJson(value),
    '{"a":{"c":true,"d":null},"b":[{"a":"x","z":1},2.5e-7]}',
  );
  assert.equal(canonicalJson({ y: undefined, x: 1 }), '{"x":1}');
});

test('run ids are 16 hex digits, distinct across runs', () => {
  const plan = parseSpecText(
    'name: u\ngrid: { width: [1, 2, 3, 4, 5], lr: [1e-3, 2e-3] }\nseeds: 50',
    'yaml',
    'x',
  );
  assert.equal(new Set(plan.runs.map((r) => r.runId)).size, 500);
  assert.ok(plan.runs.every((r) => /^[0-9a-f]{16}$/.test(r.runId)));
});
