/**
 * The committed ritz-kernel.wasm is what its source compiles to with the
 * pinned compiler: the two cannot drift apart.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildKernel } from '../../workers/numerics/wasm/build.ts';
import { KERNEL_WASM } from '../../workers/numerics/wasm-kernel.ts';

test('ritz-kernel.wasm is the build of wasm/assembly (npm run build:wasm)', async () => {
  const built = await buildKernel();
  const committed = readFileSync(KERNEL_WASM);
  assert.ok(
    Buffer.from(built).equals(committed),
    `the committed module (${committed.length} bytes) differs from a fresh ` +
      `build (${built.length} bytes): run npm run build:wasm`,
  );
});
