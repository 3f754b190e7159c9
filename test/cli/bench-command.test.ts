import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { runSweep } from '../support/processes.ts';

interface Rate {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

function assertTiming(timing: { wall: Rate; cpu: Rate }, repeat: number) {
  for (const rate of [timing.wall, timing.cpu]) {
    assert.equal(rate.samples.length, repeat);
    assert.ok(rate.samples.every((s) => Number.isFinite(s) && s > 0));
    assert.ok(rate.min <= rate.median && rate.median <= rate.max);
  }
}

const torchPython = '/usr/bin/python3';
const hasTorch =
  spawnSync(torchPython, ['-c', 'import torch'], { stdio: 'ignore' }).status ===
  0;

test('bench runs the default cases: tanh and relu at two sizes', async () => {
  const run = await runSweep([
    ...['bench', '--steps', '10', '--repeat', '2', '--json'],
  ]);
  assert.equal(run.code, 0, run.stderr);

  const report = JSON.parse(run.stdout);
  const cases = report.cases.map(
    (c: { activation: string; width: number; nodes: number }) =>
      `${c.activation} ${c.width} ${c.nodes}`,
  );
  assert.deepEqual(cases, [
    'tanh 20 256',
    'relu 20 256',
    'tanh 100 1024',
    'relu 100 1024',
  ]);
  for (const c of report.cases) {
    assert.equal(c.steps, 10);
    assertTiming(c.ours, 2);
    assert.equal(c.torch, null);
  }
  assert.equal(report.torch.status, 'not requested');
  assert.equal(report.settings.quadrature, 'midpoint');
});

test('bench without torch says so and still measures', async () => {
  const run = await runSweep([
    ...['bench', '--activation', 'relu', '--width', '3', '--nodes', '16'],
    ...['--steps', '5', '--repeat', '1', '--torch'],
    ...['--python', '/nonexistent/python3'],
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /relu\s+3\s+16\s+5\s+[\d,]+ \(/);
  assert.match(
    run.stdout,
    /PyTorch reference skipped: \/nonexistent\/python3 not found/,
  );
});

test('bench --torch times the PyTorch script on the same case', {
  skip: !hasTorch && `${torchPython} cannot import torch`,
}, async () => {
  const run = await runSweep([
    ...['bench', '--activation', 'tanh', '--width', '8', '--nodes', '32'],
    ...['--steps', '20', '--repeat', '1', '--torch', '--json'],
    ...['--python', torchPython],
  ]);
  assert.equal(run.code, 0, run.stderr);

  const report = JSON.parse(run.stdout);
  assert.equal(report.torch.status, 'measured');
  const [only] = report.cases;
  assertTiming(only.torch, 1);
  const { ours, torch } = only;
  assert.equal(only.ratio.wall, ours.wall.median / torch.wall.median);
  assert.equal(only.ratio.cpu, ours.cpu.median / torch.cpu.median);
});

test('bench rejects steps < 2 and a bad --repeat with exit 2', async () => {
  const [steps, repeat] = await Promise.all([
    runSweep(['bench', '--steps', '1']),
    runSweep(['bench', '--repeat', '0']),
  ]);
  assert.equal(steps.code, 2);
  assert.match(steps.stderr, /--steps: must be an integer from 2 to/);
  // Too many steps gets the same range as too few, and so does the help.
  const [tooMany, help] = await Promise.all([
    runSweep(['bench', '--steps', '100000000']),
    runSweep(['bench', '--help']),
  ]);
  assert.equal(tooMany.code, 2);
  assert.match(
    tooMany.stderr,
    /--steps: must be an integer from 2 to 10000000 \(got "100000000"\)/,
  );
  assert.match(help.stdout, /--steps <n> .*an integer from 2 to 10000000/);
  assert.equal(repeat.code, 2);
  assert.match(
    repeat.stderr,
    /--repeat <r>.*expected an integer from 1 to 100/,
  );
});
