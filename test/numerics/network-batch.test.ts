/**
 * NetworkBatch: N and N′ one point at a time (`evaluateEachPoint`, for a
 * few points of a wide network) are those of `evaluate` to the bit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getActivation } from '../../workers/numerics/activations.ts';
import { NetworkBatch } from '../../workers/numerics/network-batch.ts';
import { initParams } from '../../workers/numerics/params.ts';
import { ACTIVATIONS, parseRunConfig } from '../../workers/run-config.ts';

test('evaluateEachPoint gives the N and N′ of evaluate, bit for bit', () => {
  ACTIVATIONS.forEach((name, a) => {
    // Odd and even widths (the sums pair neurons), one wider than a block.
    for (const width of [1, 6, 7, 300]) {
      const config = parseRunConfig({ activation: name, width, seed: a });
      const theta = initParams(config);
      theta[3 * width] = 0.25;
      const activation = getActivation(name);
      // Nodes in (0, 1), the ends, and the kink of neuron 0 exactly.
      const x = Float64Array.from([
        0,
        1,
        -theta[width] / theta[0],
        0.1234,
        0.5,
        0.987,
      ]);
      const byNeuron = new NetworkBatch();
      const byPoint = new NetworkBatch();
      for (const batch of [byNeuron, byPoint]) batch.setPoints(x, 0, x.length);
      byNeuron.evaluate(theta, width, activation);
      byPoint.evaluateEachPoint(theta, width, activation);
      const what = `${name}, W ${width}`;
      assert.deepEqual(
        byPoint.value.subarray(0, x.length),
        byNeuron.value.subarray(0, x.length),
        `${what}: N`,
      );
      assert.deepEqual(
        byPoint.slope.subarray(0, x.length),
        byNeuron.slope.subarray(0, x.length),
        `${what}: N′`,
      );
      assert.ok(byPoint.value.subarray(0, x.length).some((v) => v !== 0));
    }
  });
});
