/**
 * The progress display: durations, counts per state, the rate and ETA
 * from a controlled clock, plain lines off a terminal, and a live bar that
 * lets log lines through and gives the cursor back.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import {
  formatCounts,
  formatDuration,
  type StatusCounts,
  startProgress,
} from '../../coordinator/cli/progress.ts';

function counts(partial: Partial<StatusCounts>): StatusCounts {
  return {
    queued: 0,
    running: 0,
    done: 0,
    inaccurate: 0,
    diverged: 0,
    crashed: 0,
    timeout: 0,
    cancelled: 0,
    ...partial,
  };
}

/** A stream that keeps what is written; a TTY of 80 columns if asked. */
function sink(tty: boolean) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: tty, columns: 80 });
  if (tty) {
    // What cli-progress calls on a terminal stream.
    Object.assign(stream, {
      cursorTo: () => true,
      moveCursor: () => true,
      clearLine: () => true,
      clearScreenDown: () => true,
    });
  }
  return { stream, text: () => chunks.join('') };
}

test('durations read as seconds, minutes or hours', () => {
  assert.equal(formatDuration(45_000), '45s');
  assert.equal(formatDuration(185_000), '3m 05s');
  assert.equal(formatDuration(7_800_000), '2h 10m');
  assert.equal(formatDuration(Number.POSITIVE_INFINITY), '?');
});

test('counts list the states that have runs, finals first', () => {
  const text = formatCounts(
    counts({ queued: 5, running: 2, done: 3, diverged: 1 }),
  );
  assert.equal(text, 'done 3 · diverged 1 · running 2 · queued 5');
  assert.equal(formatCounts(counts({})), '');
});

test('off a terminal: a plain line with rate and ETA from the clock', async () => {
  const out = sink(false);
  let now = 0;
  const progress = startProgress({
    sweep: 'demo',
    stream: out.stream,
    plainEveryMs: 10,
    now: () => now,
  });
  progress.update(counts({ queued: 100 }));
  now = 10_000;
  // 10 finals in 10 s: 1 run/s, so the 90 left take 90 s.
  progress.update(counts({ done: 6, inaccurate: 4, running: 2, queued: 88 }));
  await new Promise((resolve) => setTimeout(resolve, 40));
  progress.log('a log line');
  progress.stop();
  const lines = out.text().trim().split('\n');
  assert.deepEqual(lines, [
    'progress demo: 10/100 10% · ETA 1m 30s · 1.00 runs/s · done 6 · ' +
      'inaccurate 4 · running 2 · queued 88',
    'a log line',
  ]);
  assert.ok(!out.text().includes('\x1b'), 'no escape codes in a log file');
});

test('on a terminal: log lines pass the bar, the cursor comes back', async () => {
  const out = sink(true);
  const progress = startProgress({ sweep: 'demo', stream: out.stream });
  progress.update(counts({ done: 1, queued: 3 }));
  progress.log('sweep demo was cancelled: stopping the runs in flight');
  await new Promise((resolve) => setTimeout(resolve, 150));
  progress.stop();
  const text = stripVTControlCharacters(out.text());
  assert.match(text, /sweep demo was cancelled/);
  assert.match(text, /demo █+░+ 1\/4 25%/);
  assert.match(text, /done 1 · queued 3/);
  assert.ok(out.text().includes('\x1b[?25l'), 'the cursor was hidden');
  assert.ok(out.text().includes('\x1b[?25h'), 'and is shown again');
});
