/**
 * A reader that closes the pipe early (`sweep query … | head`) ends the
 * command's output quietly: exit 0, no stack trace, for every command
 * whose output can outgrow the pipe's buffer.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../store/fixture.ts';
import { runSweep, SWEEP_BIN } from '../support/processes.ts';

/** Runs `sweep ...args` with its standard output closed at once. */
function withClosedStdout(
  args: string[],
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [SWEEP_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => {
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

// 100,000 rows of ~30 bytes: far more than a pipe holds (64 KiB on Linux),
// so the writes meet the closed pipe.
const MANY_ROWS =
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c ' +
  "LIMIT 100000) SELECT x, 'padding padding padding' AS pad FROM c";

test('a closed stdout ends query, export and status quietly with exit 0', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'big.sqlite');
  const spec = join(dir, 'big.yaml');
  // 160 runs: status --json and export print well over 64 KiB.
  writeFileSync(
    spec,
    'name: big\nsettings:\n  steps: 1\ngrid:\n' +
      '  width: [2, 3, 4, 5, 6, 7, 8, 9]\n' +
      `  seed: [${Array.from({ length: 20 }, (_, i) => i + 1).join(', ')}]\n`,
  );
  const run = await runSweep(['run', spec, '--db', db]);
  assert.equal(run.code, 0, run.stderr);

  const commands = [
    ['query', MANY_ROWS, '--max-rows', '100000'],
    ['query', MANY_ROWS, '--max-rows', '100000', '--format', 'csv'],
    ['query', MANY_ROWS, '--max-rows', '100000', '--format', 'json'],
    ['export', 'big'],
    ['export', 'big', '--format', 'json'],
    ['status', '--json'],
    ['status', 'big'],
    ['status', 'big', '--json'],
  ];
  for (const args of commands) {
    const closed = await withClosedStdout(['--db', db, ...args]);
    const name = args.filter((a) => a !== MANY_ROWS).join(' ');
    assert.equal(closed.code, 0, `${name}: ${closed.stderr}`);
    assert.doesNotMatch(closed.stderr, /EPIPE|Error/, name);
  }
});
