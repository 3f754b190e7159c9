/**
 * A run's memory stays flat: once the JIT has optimised the loop, a
 * training step allocates nothing, also in a thread that has already trained
 * other activations, rules and problems (so every call site in the loop is
 * megamorphic and nothing relies on inlining).
 *
 * Measured as the growth of the heap between two progress reports, without
 * a collection in between. One allocation per step, even a single boxed
 * number, is 16 bytes per step; what a report itself allocates (the
 * progress object, the reading of the heap) is a few hundred bytes per
 * interval of thousands of steps, well under 1 byte per step. So the bound
 * is 1 byte per step.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ACTIVATIONS,
  BOUNDARY_MODES,
  PROBLEMS,
  parseRunConfig,
} from '../../workers/run-config.ts';
import { train } from '../../workers/train.ts';

const BOUND = 1;
const INTERVALS = 16;
/** The first intervals run before the optimising compiler has finished. */
const WARM_UP_INTERVALS = 8;

/** Median heap growth per step over the intervals after warm-up. */
function growthPerStep(settings: Record<string, unknown>, steps: number) {
  const every = steps / INTERVALS;
  const heap: number[] = [];
  train(
    parseRunConfig({ ...settings, steps }),
    () => {
      heap.push(process.memoryUsage().heapUsed);
    },
    { progressEvery: every },
  );
  const growth = heap
    .slice(WARM_UP_INTERVALS)
    .slice(1)
    .map((h, i) => (h - heap[WARM_UP_INTERVALS + i]) / every)
    .sort((a, b) => a - b);
  return growth[Math.floor(growth.length / 2)];
}

test('every call site of the loop has seen many kinds of run', () => {
  ACTIVATIONS.forEach((activation, i) => {
    for (const quadrature of ['gauss', 'midpoint'] as const) {
      train(
        parseRunConfig({
          activation,
          quadrature,
          gradient: i % 2 === 0 ? 'autodiff' : 'analytic',
          problem: PROBLEMS[i % PROBLEMS.length],
          bc: BOUNDARY_MODES[i % BOUNDARY_MODES.length],
          width: 3,
          cells: 8,
          nodes: 16,
          steps: 100,
        }),
      );
    }
  });
});

const CASES = [
  {
    activation: 'tanh',
    quadrature: 'midpoint',
    nodes: 64,
    gradient: 'autodiff',
  },
  { activation: 'relu', quadrature: 'gauss', cells: 16, gradient: 'analytic' },
  // Fast-moving kinks on a fine mesh: cut cells change at most steps.
  { activation: 'leaky-relu', lr: 0.01, cells: 128, bc: 'penalty' },
  { activation: 'sin', problem: 'multiscale', bc: 'sine-ansatz', cells: 16 },
  { activation: 'swish', bc: 'penalty', problem: 'interface', cells: 16 },
  { activation: 'relu2', gradient: 'finite-difference', width: 3, cells: 8 },
  // Many kinks a cell: a shift rebuilds a few pieces of a cut cell.
  { activation: 'relu', gradient: 'finite-difference', width: 40, cells: 4 },
] as const;

for (const settings of CASES) {
  const name = Object.values(settings).join(', ');
  test(`a training step allocates nothing: ${name}`, () => {
    const fd =
      'gradient' in settings && settings.gradient === 'finite-difference';
    const growth = growthPerStep({ width: 10, ...settings }, fd ? 6400 : 32000);
    assert.ok(growth <= BOUND, `${growth.toFixed(2)} bytes per step`);
  });
}
