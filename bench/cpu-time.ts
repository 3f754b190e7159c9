/**
 * CPU time of processes and of their threads, read from /proc (Linux), for
 * the benchmarks: what each part of the pipeline costs per run, apart from
 * the wall time that other work on a shared machine stretches.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** User + system CPU milliseconds in a /proc `stat` file, or NaN. */
function statMs(path: string): number {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat (11 and 12 after pid
    // and comm), in clock ticks.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU milliseconds (user + system) process `pid` has used so far. */
export function processCpuMs(pid: number | undefined): number {
  return pid ? statMs(`/proc/${pid}/stat`) : Number.NaN;
}

/** CPU milliseconds so far of each thread of `pid`, by thread id. */
export function threadCpuMs(pid: number | undefined): Map<number, number> {
  const threads = new Map<number, number>();
  if (!pid) return threads;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      threads.set(Number(tid), statMs(`/proc/${pid}/task/${tid}/stat`));
    }
  } catch {
    // The process is gone: no threads.
  }
  return threads;
}

/**
 * A process's CPU between two readings, split into its main thread (whose
 * thread id is the process id) and all its other threads (worker threads,
 * V8's compiler and garbage-collector helpers, libuv's pool).
 */
export interface CpuSplit {
  main: number;
  others: number;
  /** The busiest other threads' shares, largest first. */
  busiest: number[];
}

/** Starts measuring `pid`; the returned function reads the split since. */
export function cpuSplitSince(pid: number | undefined): () => CpuSplit {
  const before = threadCpuMs(pid);
  return () => {
    const after = threadCpuMs(pid);
    let main = 0;
    const others: number[] = [];
    for (const [tid, ms] of after) {
      const used = ms - (before.get(tid) ?? 0);
      if (tid === pid) main = used;
      else others.push(used);
    }
    others.sort((a, b) => b - a);
    const sum = others.reduce((total, ms) => total + ms, 0);
    return { main, others: sum, busiest: others };
  };
}

/**
 * CPU milliseconds the whole machine has spent busy so far, all cores
 * together (user, nice, system, irq, softirq and steal of /proc/stat).
 */
export function machineBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, , , irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const ticks = user + nice + system + irq + softirq + steal;
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU milliseconds of our processes and of all others, over a span. */
export interface CpuShares {
  ours: number;
  others: number;
}

/**
 * Starts measuring the CPU time of `ours` (process ids) plus what `oursMs`
 * adds (CPU ms of processes that may end before the measurement does; see
 * `lastCpuMs`), and of every other process on the machine; the returned
 * function gives both since.
 */
export function cpuSharesSince(
  ours: () => (number | undefined)[],
  oursMs: () => number = () => 0,
): () => CpuShares {
  const sum = () =>
    ours().reduce((t: number, pid) => t + (processCpuMs(pid) || 0), 0) +
    oursMs();
  const machine = machineBusyMs();
  const mine = sum();
  return () => {
    const used = sum() - mine;
    return { ours: used, others: machineBusyMs() - machine - used };
  };
}

/** `cpuSharesSince`, the others' share alone. */
export function othersCpuSince(
  ours: () => (number | undefined)[],
): () => number {
  const shares = cpuSharesSince(ours);
  return () => shares().others;
}

/** How often `lastCpuMs` reads a process's CPU time, milliseconds. */
const POLL_MS = 50;

/**
 * Follows the CPU time of a process that will exit (whose /proc entry then
 * goes): `ms()` is the last reading, at most `POLL_MS` old; `stop()` ends
 * the polling.
 */
export function lastCpuMs(pid: () => number | undefined) {
  let last = 0;
  const read = () => {
    const ms = processCpuMs(pid());
    if (Number.isFinite(ms)) last = ms;
  };
  const timer = setInterval(read, POLL_MS);
  return {
    ms: () => {
      read();
      return last;
    },
    stop: () => clearInterval(timer),
  };
}
