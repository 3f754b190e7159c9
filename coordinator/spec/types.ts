/**
 * What a sweep spec becomes once it is read, validated, normalised and
 * expanded: the plan that the store records and the queue runs.
 */
import type { RunConfig } from '../../workers/run-config.ts';

/** The name of one run setting (`lr`, `width`, …). */
export type SettingName = keyof RunConfig;

/** One normalised setting value: a number or an enum string. */
export type SettingValue = RunConfig[SettingName];

/** Some run settings, normalised (numbers as numbers). */
export type PartialConfig = Partial<Record<SettingName, SettingValue>>;

/**
 * A spec after normalisation: numbers as numbers, defaults filled in,
 * duplicate axis values dropped. Its canonical JSON is itself a valid JSON
 * spec describing the same runs.
 */
export interface NormalisedSpec {
  /** Sweep name: letters, digits, `-` and `_`, 1 to 64 characters. */
  name: string;
  /** Free text; not part of `specHash`. */
  description?: string;
  /** Every setting that is neither a grid axis nor the seed. */
  settings: PartialConfig;
  /** Axis name → distinct values, in the order the spec wrote them. */
  grid: Record<string, SettingValue[]>;
  /** Seeds each combination runs with; absent when `seed` is an axis. */
  seeds?: number[];
  /** Extra runs, each over `settings` (and `seeds` unless it sets one). */
  include: PartialConfig[];
  /** Rules; a grid run matching every key of one rule is dropped. */
  exclude: PartialConfig[];
  /** The verdict's criterion: `rel_l2` at or below the threshold passes. */
  failure: { rel_l2: number };
  /** Extra attempts after a crash, 0 to 10. */
  retries: number;
  /** Per-run time limit, seconds. */
  timeout: number;
}

/** One run of a sweep, in expansion order. */
export interface PlannedRun {
  /** 16 hex digits: see `runId`. Also the queue's job id. */
  runId: string;
  /** Position in the expansion, 0 to runs.length − 1. */
  idx: number;
  /** Complete settings, ignored settings reset (`canonicalRunConfig`). */
  config: RunConfig;
}

/** A validated, expanded sweep. */
export interface SweepPlan {
  /** The sweep's name. */
  name: string;
  /** The normalised spec. */
  spec: NormalisedSpec;
  /** Canonical JSON of `spec`: keys sorted, no whitespace. */
  specJson: string;
  /**
   * 64 hex digits: sha256 of the canonical JSON of `spec` without its
   * `description`. Equal for the same sweep written in YAML or JSON, in
   * any key order and number spelling.
   */
  specHash: string;
  /** Grid axes in spec order (outermost first); seeds are not an axis. */
  axes: string[];
  /** `failure.rel_l2`: the verdict's threshold (default 5e-3). */
  threshold: number;
  /** Extra attempts after a crash (default 2). */
  retries: number;
  /** Per-run time limit, milliseconds (default 600000). */
  timeoutMs: number;
  /** Every distinct run, idx 0 to n − 1. */
  runs: PlannedRun[];
  /** One line per value or run written twice; each is kept once. */
  duplicates: string[];
  /** Lines about parts of the spec that have no effect. */
  warnings: string[];
}
