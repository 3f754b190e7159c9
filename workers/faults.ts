/**
 * Fault injection for tests: makes chosen runs' tasks misbehave inside the
 * training thread, so the pipeline's handling of each failure can be
 * proved against real processes.
 *
 * Active only when the environment variable `PINN_SWEEP_FAULTS` is set in
 * the worker process; without it `injectFault` is an empty function.
 * Syntax: comma-separated rules `KIND@KEY=VALUE[&KEY=VALUE…]`, where the
 * keys are run settings and a rule applies to the runs matching all of
 * them (`*` matches every run). Kinds:
 *
 * - `throw`: the task throws `injected fault: RULE`.
 * - `exit`: the thread calls `process.exit(1)`, so the thread dies.
 * - `hang`: the thread spins forever (only terminating it stops it).
 * - `oom`: the thread allocates until it runs out of memory.
 * - `sleep:MS`: the thread blocks for MS milliseconds, then trains.
 *
 * Example: `PINN_SWEEP_FAULTS='throw@seed=7,sleep:2000@seed=3&width=10'`.
 */
import type { RunConfig } from './run-config.ts';

/** Environment variable holding the fault rules. */
export const FAULTS_ENV = 'PINN_SWEEP_FAULTS';

/** One parsed fault rule. */
export interface FaultRule {
  kind: 'throw' | 'exit' | 'hang' | 'oom' | 'sleep';
  /** Milliseconds, for `sleep`. */
  ms: number;
  /** Settings a run must have, as strings; empty matches every run. */
  match: Record<string, string>;
  /** The rule as written. */
  text: string;
}

const RULE = /^(throw|exit|hang|oom|sleep:(\d+))@(.+)$/;

/** Parses `PINN_SWEEP_FAULTS`; throws naming the rule that is malformed. */
export function parseFaults(spec: string): FaultRule[] {
  return spec
    .split(',')
    .map((text) => text.trim())
    .filter(Boolean)
    .map((text) => {
      const found = RULE.exec(text);
      if (!found) {
        throw new Error(
          `${FAULTS_ENV}: bad rule "${text}"; expected ` +
            'throw|exit|hang|oom|sleep:MS @KEY=VALUE[&KEY=VALUE] or @*',
        );
      }
      const kind = found[1].startsWith('sleep') ? 'sleep' : found[1];
      const match: Record<string, string> = {};
      if (found[3] !== '*') {
        for (const pair of found[3].split('&')) {
          const [key, value] = pair.split('=');
          if (!key || value === undefined) {
            throw new Error(`${FAULTS_ENV}: bad condition "${pair}"`);
          }
          match[key] = value;
        }
      }
      return {
        kind: kind as FaultRule['kind'],
        ms: Number(found[2] ?? 0),
        match,
        text,
      };
    });
}

function matches(rule: FaultRule, config: RunConfig): boolean {
  const settings = config as unknown as Record<string, unknown>;
  return Object.entries(rule.match).every(
    ([key, value]) => String(settings[key]) === value,
  );
}

function blockFor(ms: number): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(cell, 0, 0, ms);
}

function exhaustMemory(): never {
  const hoard: number[][] = [];
  for (;;) hoard.push(new Array(1 << 20).fill(Math.random()));
}

function apply(rule: FaultRule): void {
  switch (rule.kind) {
    case 'throw':
      throw new Error(`injected fault: ${rule.text}`);
    case 'exit':
      process.exit(1);
      break;
    case 'hang':
      for (;;) blockFor(60_000);
    case 'oom':
      exhaustMemory();
      break;
    case 'sleep':
      blockFor(rule.ms);
  }
}

function fromEnvironment(): (config: RunConfig) => void {
  const spec = process.env[FAULTS_ENV];
  if (!spec) return () => {};
  const rules = parseFaults(spec);
  return (config) => {
    for (const rule of rules) if (matches(rule, config)) apply(rule);
  };
}

/**
 * Misbehaves as `PINN_SWEEP_FAULTS` says for this run (call it in the
 * training thread before training); does nothing when the variable is
 * unset.
 */
export const injectFault: (config: RunConfig) => void = fromEnvironment();
