/**
 * The dashboard's view of the store's change counter: a commit by another
 * connection is seen by the first call once the last reading is older
 * than its time to trust, not one call later.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection } from '../../coordinator/store/sqlite.ts';
import { openReadOnlyConnection, StoreVersion } from '../../dashboard/db.ts';
import { freshStore, makeSweep } from '../store/fixture.ts';

test('a commit is seen by the first call after the trust period', async (t) => {
  const fresh = await freshStore(t);
  const reader = await openReadOnlyConnection(fresh.path);
  t.after(() => reader.close());
  const version = new StoreVersion(reader, 50);
  const before = await version.get();
  // Trusted, and cheap: the same reading while it is young.
  assert.equal(await version.get(), before);

  await fresh.store.createSweep(makeSweep('later', { width: [10] }));
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.notEqual(await version.get(), before);
});

test('a reading that fails falls back to the last one', async (t) => {
  const fresh = await freshStore(t);
  const reader = await Connection.open(fresh.path, { readOnly: true });
  const version = new StoreVersion(reader, 1);
  const first = await version.get();
  await reader.close();
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(await version.get(), first);
});
