import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  loadSpecFile,
  parseSpecText,
  type SweepPlan,
} from '../../coordinator/spec/index.ts';

function shipped(file: string): string {
  return fileURLToPath(new URL(`../../sweeps/${file}`, import.meta.url));
}

function yaml(text: string): SweepPlan {
  return parseSpecText(text, 'yaml', 'test-spec');
}

function ids(plan: SweepPlan): string[] {
  return plan.runs.map((run) => run.runId);
}

test('1e-3, 0.001, 1.0E-3 and "0.001" are one value', () => {
  const spellings = ['1e-3', '0.001', '1.0E-3', '"0.001"', "'1e-3'", '1E-3'];
  const plans = spellings.map((lr) =>
    yaml(`name: n\ngrid: { lr: [${lr}], width: ["10", 2e1] }`),
  );
  for (const plan of plans) {
    assert.equal(plan.specHash, plans[0].specHash);
    assert.deepEqual(ids(plan), ids(plans[0]));
    assert.equal(plan.runs[0].config.lr, 0.001);
    assert.equal(plan.runs[1].config.width, 20);
  }
});

test('equal values in one axis are one value, reported as a duplicate', () => {
  const plan = yaml('name: n\ngrid: { lr: [1e-3, 0.001, 1e-2, "1.0E-3"] }');
  assert.deepEqual(
    plan.runs.map((run) => run.config.lr),
    [0.001, 0.01],
  );
  assert.deepEqual(plan.duplicates, [
    'grid.lr: 1e-3 (grid.lr[0]) and 0.001 (grid.lr[1]) are the same value; it is kept once',
    'grid.lr: 1e-3 (grid.lr[0]) and "1.0E-3" (grid.lr[3]) are the same value; it is kept once',
  ]);
  assert.deepEqual(plan.spec.grid.lr, [0.001, 0.01]);
  assert.equal(
    plan.specHash,
    yaml('name: n\ngrid: { lr: [1e-3, 1e-2] }').specHash,
  );
});

test('key order does not change the hash or the ids', () => {
  const a = yaml(
    [
      'name: n',
      'settings: { steps: 100, optimizer: sgd }',
      'grid: { width: [10, 20], gradient: [autodiff, analytic] }',
      'exclude: [{ width: 20, gradient: analytic }]',
      'include: [{ width: 5, activation: relu }]',
      'seeds: 2',
    ].join('\n'),
  );
  const b = yaml(
    [
      'seeds: 2',
      'include: [{ activation: relu, width: 5 }]',
      'exclude: [{ gradient: analytic, width: 20 }]',
      'grid: { width: [10, 20], gradient: [autodiff, analytic] }',
      'settings: { optimizer: sgd, steps: 100 }',
      'name: n',
    ].join('\n'),
  );
  assert.equal(a.specHash, b.specHash);
  assert.equal(a.specJson, b.specJson);
  assert.deepEqual(ids(a), ids(b));
});

test('the axis order sets the run order, not the ids or the hash', () => {
  const a = yaml('name: n\ngrid: { width: [10, 20], lr: [1e-3, 1e-2] }');
  const b = yaml('name: n\ngrid: { lr: [1e-3, 1e-2], width: [10, 20] }');
  assert.deepEqual(a.axes, ['width', 'lr']);
  assert.deepEqual(b.axes, ['lr', 'width']);
  assert.equal(a.specHash, b.specHash);
  assert.notDeepEqual(ids(a), ids(b));
  assert.deepEqual([...ids(a)].sort(), [...ids(b)].sort());
});

test('defaults written out or left implicit are one sweep', () => {
  const implicit = yaml('name: n\ngrid: { width: [10] }');
  const explicit = yaml(
    [
      'name: n',
      'settings: { optimizer: adam, steps: "3000", problem: sine, seed: 0 }',
      'grid: { width: [10] }',
      'failure: { rel_l2: 0.005 }',
      'retries: 2',
      'timeout: 600',
      'include: []',
      'exclude: []',
    ].join('\n'),
  );
  assert.equal(explicit.specHash, implicit.specHash);
  assert.deepEqual(ids(explicit), ids(implicit));
  const counted = yaml('name: n\ngrid: { width: [10] }\nseeds: 3');
  const listed = yaml('name: n\ngrid: { width: [10] }\nseeds: [0, 1, 2]');
  assert.equal(counted.specHash, listed.specHash);
  assert.deepEqual(ids(counted), ids(listed));
  const minutes = yaml('name: n\ngrid: { width: [10] }\ntimeout: 10m');
  assert.equal(minutes.specHash, implicit.specHash);
});

test('the description is kept but is not part of the hash', () => {
  const plain = yaml('name: n\ngrid: { width: [10] }');
  const described = yaml('name: n\ndescription: why\ngrid: { width: [10] }');
  assert.equal(described.specHash, plain.specHash);
  assert.equal(described.spec.description, 'why');
  assert.match(described.specJson, /"description":"why"/);
});

test('anything that changes a run, or how runs are judged, changes the hash', () => {
  const base = 'name: n\nsettings: { steps: 100 }\ngrid: { width: [10, 20] }\n';
  const plan = yaml(base);
  const variants = [
    base.replace('steps: 100', 'steps: 101'),
    base.replace('[10, 20]', '[10, 20, 40]'),
    base.replace('name: n', 'name: m'),
    `${base}seeds: [0, 1]`,
    `${base}exclude: [{ width: 20 }]`,
    `${base}include: [{ width: 5 }]`,
    `${base}failure: { rel_l2: 1e-2 }`,
    `${base}retries: 3`,
    `${base}timeout: 11m`,
  ];
  const hashes = new Set([
    plan.specHash,
    ...variants.map((v) => yaml(v).specHash),
  ]);
  assert.equal(hashes.size, variants.length + 1);

  // A run's id is its settings and sweep name only: a run shared by two
  // versions of a spec keeps its id.
  const wider = yaml(variants[1]);
  assert.deepEqual(ids(wider).slice(0, 2), ids(plan));
  assert.notEqual(ids(yaml(variants[0]))[0], ids(plan)[0]);
});

test('the same sweep in YAML and JSON has the same hash and run ids', async () => {
  const fromYaml = await loadSpecFile(shipped('relu-failure.yaml'));
  const fromJson = await loadSpecFile(shipped('relu-failure.json'));
  assert.equal(fromJson.specHash, fromYaml.specHash);
  assert.equal(fromJson.specJson, fromYaml.specJson);
  assert.deepEqual(ids(fromJson), ids(fromYaml));

  for (const file of ['smoke.yaml', 'boundary-init.yaml']) {
    const text = await readFile(shipped(file), 'utf8');
    const json = JSON.stringify(parseYaml(text), null, 2);
    const a = parseSpecText(text, 'yaml', file);
    const b = parseSpecText(json, 'json', `${file}.json`);
    assert.equal(b.specHash, a.specHash, file);
    assert.deepEqual(ids(b), ids(a), file);
  }
});

test('the normalised spec is a spec of the same sweep', async () => {
  const plan = await loadSpecFile(shipped('relu-failure.yaml'));
  const again = parseSpecText(plan.specJson, 'json', 'normalised');
  assert.equal(again.specHash, plan.specHash);
  assert.equal(again.specJson, plan.specJson);
  assert.deepEqual([...ids(again)].sort(), [...ids(plan)].sort());
  assert.equal(again.timeoutMs, plan.timeoutMs);
});

test('runs equal once ignored settings are reset are kept once', () => {
  const plan = yaml(
    'name: n\ngrid: { bc: [ansatz, penalty], beta: [50, 100] }\nseeds: 1',
  );
  assert.deepEqual(
    plan.runs.map((run) => [run.config.bc, run.config.beta]),
    [
      ['ansatz', 100],
      ['penalty', 50],
      ['penalty', 100],
    ],
  );
  assert.deepEqual(plan.duplicates, [
    'grid (bc=ansatz, beta=100, seed=0) is the same run as grid (bc=ansatz, beta=50, seed=0): they differ only in beta, which the run ignores; it is kept once',
  ]);
});

test('a setting that every run ignores is a warning', () => {
  const plan = yaml('name: n\nsettings: { beta: 50 }\ngrid: { width: [10] }');
  assert.equal(plan.runs[0].config.beta, 100);
  assert.equal(plan.warnings.length, 1);
  assert.match(
    plan.warnings[0],
    /^settings\.beta: 50 has no effect on any run/,
  );
  const used = yaml(
    'name: n\nsettings: { beta: 50 }\ngrid: { bc: [ansatz, penalty] }',
  );
  assert.deepEqual(used.warnings, []);
});
