/**
 * A sweep of many seeds and at most one other axis: the failure map picks
 * axes a map may have (seed, with more than 200 values, is for filtering),
 * so the sweep's page and its map work without parameters.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDashboard } from '../../dashboard/server.ts';
import { freshStore, makeSweep } from '../store/fixture.ts';

const seeds = Array.from({ length: 300 }, (_, i) => i);

for (const [title, grid] of [
  ['seeds alone', { seed: seeds }],
  ['one axis and seeds', { activation: ['relu', 'tanh'], seed: seeds }],
] as const) {
  test(`many seeds, ${title}: the map and the page answer`, async (t) => {
    const fresh = await freshStore(t);
    await fresh.store.createSweep(makeSweep('many', grid));
    const dashboard = await startDashboard({
      dbPath: fresh.path,
      port: 0,
      refreshMs: 50,
    });
    t.after(() => dashboard.close());
    const base = dashboard.url.replace(/\/$/, '');
    const map = await fetch(`${base}/api/sweeps/many/failure-map`);
    const body = (await map.json()) as {
      map: { x: { axis: string }; y: { axis: string } };
    };
    assert.equal(map.status, 200, JSON.stringify(body));
    assert.notEqual(body.map.x.axis, 'seed');
    assert.notEqual(body.map.y.axis, 'seed');
    // The study's own axes, even when fixed: activation down the side.
    assert.equal(body.map.y.axis, 'activation');
    assert.equal((await fetch(`${base}/sweeps/many`)).status, 200);
    // x given: y is chosen to differ from it.
    const across = await fetch(
      `${base}/api/sweeps/many/failure-map?x=activation`,
    );
    assert.equal(across.status, 200);
  });
}
