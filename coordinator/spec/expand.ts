/**
 * Grid expansion: a validated spec becomes its list of distinct runs, in a
 * fixed order, each with its run id.
 */
import {
  canonicalRunConfig,
  parseRunConfig,
  type RunConfig,
} from '../../workers/run-config.ts';
import { formatCount, specError } from './report.ts';
import { RunIdWriter } from './run-id.ts';
import type {
  PartialConfig,
  PlannedRun,
  SettingName,
  SettingValue,
} from './types.ts';
import type { ValidSpec } from './validate-spec.ts';

/** Most runs one sweep may have. */
export const MAX_RUNS = 1_000_000;

/** The runs of a sweep and what expansion noticed on the way. */
export interface Expansion {
  runs: PlannedRun[];
  /** Runs that are equal after normalisation; each is kept once. */
  duplicates: string[];
  /** Exclude rules that match nothing, settings no run uses. */
  warnings: string[];
}

/** One dimension of the product: a grid axis, or the seeds (innermost). */
interface Dim {
  name: SettingName;
  label: string;
  values: SettingValue[];
}

/** An exclude rule as per-dimension masks of the values it matches. */
interface Rule {
  checks: { dim: number; mask: boolean[] }[];
  /** Why the rule can match no run, if it cannot. */
  dead?: string;
}

/** A run before normalisation and where in the spec it comes from. */
interface Source {
  label: string;
  config: RunConfig;
}

/**
 * Expands a spec: the cartesian product of the grid axes in spec order
 * (first axis outermost, seeds innermost) without the excluded runs,
 * then each include entry over the seeds. Runs equal after normalisation
 * are kept once, at their first position.
 *
 * @throws InputError when there are no runs or more than `MAX_RUNS`
 */
export function expandSpec(spec: ValidSpec, source: string): Expansion {
  const base = parseRunConfig(spec.settings);
  const dims = dimsOf(spec);
  const rules = spec.exclude.map((rule) => compileRule(rule, dims, base));
  const extras = includedRuns(spec, base);
  checkSize(dims, rules, extras.length, source);

  const grid = new Product(dims, base, spec.seeds !== null);
  const list = new RunList(spec.name, spec.settings, (at) =>
    at < grid.size ? grid.source(at) : extras[at - grid.size],
  );
  grid.forEachRow(rules, (row) => list.addRow(row));
  for (const [k, extra] of extras.entries()) {
    const { config } = extra;
    list.addRow({ config, seeds: [config.seed], at: [grid.size + k] });
  }

  if (list.runs.length === 0) {
    const why =
      `every one of the ${formatCount(grid.size)} grid runs is excluded ` +
      'and include adds none';
    throw specError(source, [`the sweep has no runs: ${why}`]);
  }
  const warnings = [...deadRules(rules), ...list.unusedSettings()];
  return { runs: list.runs, duplicates: list.duplicates, warnings };
}

function dimsOf(spec: ValidSpec): Dim[] {
  const dims: Dim[] = spec.axes.map(({ name, values }) => ({
    name,
    label: name,
    values,
  }));
  if (spec.seeds) {
    dims.push({ name: 'seed', label: 'seeds', values: spec.seeds });
  }
  return dims;
}

function compileRule(rule: PartialConfig, dims: Dim[], base: RunConfig) {
  const compiled: Rule = { checks: [] };
  for (const [key, value] of Object.entries(rule)) {
    const dim = dims.findIndex((d) => d.name === key);
    if (dim < 0) {
      const fixed = base[key as SettingName];
      if (fixed !== value)
        compiled.dead ??= `every grid run has ${key} ${fixed}`;
      continue;
    }
    const mask = dims[dim].values.map((v) => v === value);
    if (!mask.includes(true)) {
      const among = dims[dim].label === 'seeds' ? 'the seeds' : `grid.${key}`;
      compiled.dead ??= `${key} ${value} is not one of ${among}`;
    }
    compiled.checks.push({ dim, mask });
  }
  return compiled;
}

function isExcluded(rules: Rule[], index: number[]): boolean {
  for (const rule of rules) {
    let all = true;
    for (const check of rule.checks) {
      if (!check.mask[index[check.dim]]) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

function deadRules(rules: Rule[]): string[] {
  return rules.flatMap((rule, i) =>
    rule.dead ? [`exclude[${i}] matches no run: ${rule.dead}`] : [],
  );
}

/** Include entries over `settings`, each over the seeds unless it sets one. */
function includedRuns(spec: ValidSpec, base: RunConfig): Source[] {
  return spec.include.flatMap((entry, i) => {
    const config = { ...base, ...entry } as RunConfig;
    if (entry.seed !== undefined || !spec.seeds) {
      return [{ label: `include[${i}]`, config }];
    }
    return spec.seeds.map((seed) => ({
      label: `include[${i}] (seed=${seed})`,
      config: { ...config, seed },
    }));
  });
}

/**
 * Runs that differ only in their seed: one combination of the other
 * settings, its kept seeds, and each one's position in the expansion.
 */
interface Row {
  config: RunConfig;
  seeds: number[];
  at: number[];
}

/** The cartesian product of the dimensions, walked like an odometer. */
class Product {
  readonly sizes: number[];
  readonly size: number;

  constructor(
    private readonly dims: Dim[],
    private readonly base: RunConfig,
    /** Whether the last dimension is the seeds. */
    private readonly seedsLast: boolean,
  ) {
    this.sizes = dims.map((d) => d.values.length);
    this.size = product(this.sizes);
  }

  /**
   * Calls `visit` for each combination of the dimensions before the
   * seeds, in order, with the seeds that no live rule excludes.
   */
  forEachRow(rules: Rule[], visit: (row: Row) => void) {
    const live = rules.filter((rule) => !rule.dead);
    const last = this.dims.length - 1;
    const inner = this.seedsLast ? this.sizes[last] : 1;
    const outer = this.sizes.map((_, d) => d);
    if (this.seedsLast) outer.pop();
    const index = this.sizes.map(() => 0);
    // One row and one settings object serve every combination: `visit`
    // copies what it keeps, and a 100,000-run sweep makes no garbage here.
    const row: Row = { config: { ...this.base }, seeds: [], at: [] };
    for (let at = 0; at < this.size; at += inner) {
      this.fill(row.config, index);
      row.seeds.length = 0;
      row.at.length = 0;
      for (let k = 0; k < inner; k++) {
        if (this.seedsLast) index[last] = k;
        if (isExcluded(live, index)) continue;
        row.seeds.push(
          this.seedsLast
            ? (this.dims[last].values[k] as number)
            : row.config.seed,
        );
        row.at.push(at + k);
      }
      if (row.seeds.length > 0) visit(row);
      advance(index, this.sizes, outer);
    }
  }

  /** The combination at position `at`, with a readable label. */
  source(at: number): Source {
    const index = this.sizes.map(() => 0);
    for (let d = this.sizes.length - 1; d >= 0; d--) {
      index[d] = at % this.sizes[d];
      at = Math.floor(at / this.sizes[d]);
    }
    const values = this.dims.map(
      (dim, d) => `${dim.name}=${dim.values[index[d]]}`,
    );
    return {
      label: `grid (${values.join(', ')})`,
      config: this.configAt(index),
    };
  }

  private configAt(index: number[]): RunConfig {
    const config = { ...this.base };
    this.fill(config, index);
    return config;
  }

  /** Sets the settings of the dimensions to the combination `index`. */
  private fill(config: RunConfig, index: number[]) {
    const settings = config as Record<SettingName, SettingValue>;
    for (let d = 0; d < this.dims.length; d++) {
      settings[this.dims[d].name] = this.dims[d].values[index[d]];
    }
  }
}

/** Steps `index` to the next combination of the dimensions `dims`. */
function advance(index: number[], sizes: number[], dims: number[]) {
  for (let k = dims.length - 1; k >= 0; k--) {
    const d = dims[k];
    if (++index[d] < sizes[d]) return;
    index[d] = 0;
  }
}

function product(sizes: number[]): number {
  return sizes.reduce((a, b) => a * b, 1);
}

/** Distinct runs in order, with a line for every repeat. */
class RunList {
  readonly runs: PlannedRun[] = [];
  readonly duplicates: string[] = [];
  private readonly firstAt = new Map<string, number>();
  private readonly unused: Map<SettingName, SettingValue>;

  private readonly ids: RunIdWriter;

  constructor(
    sweep: string,
    settings: PartialConfig,
    private readonly sourceOf: (at: number) => Source,
  ) {
    this.ids = new RunIdWriter(sweep);
    const defaults = parseRunConfig({});
    this.unused = new Map(
      Object.entries(settings).filter(
        ([key, value]) => defaults[key as SettingName] !== value,
      ) as [SettingName, SettingValue][],
    );
  }

  /** Adds the runs of a row, skipping (and reporting) repeats. */
  addRow(row: Row) {
    // Product rows reuse one settings object: keep a copy, never it.
    let canonical = canonicalRunConfig(row.config);
    if (canonical === row.config) canonical = { ...canonical };
    if (this.unused.size > 0) this.markUsed(canonical);
    this.ids.settings(canonical);
    for (let k = 0; k < row.seeds.length; k++) {
      const seed = row.seeds[k];
      const runId = this.ids.idFor(seed);
      const first = this.firstAt.get(runId);
      if (first !== undefined) {
        this.duplicates.push(this.repeatLine(row.at[k], first));
        continue;
      }
      this.firstAt.set(runId, row.at[k]);
      const config =
        seed === canonical.seed ? canonical : { ...canonical, seed };
      this.runs.push({ runId, idx: this.runs.length, config });
    }
  }

  /** Settings given a non-default value that every run resets. */
  unusedSettings(): string[] {
    const defaults = parseRunConfig({});
    return [...this.unused].map(
      ([key, value]) =>
        `settings.${key}: ${value} has no effect on any run of this sweep ` +
        `(the runs' other settings ignore ${key}), so they record the ` +
        `default ${defaults[key]}`,
    );
  }

  private markUsed(canonical: RunConfig) {
    for (const [key, value] of this.unused) {
      if (canonical[key] === value) this.unused.delete(key);
    }
  }

  private repeatLine(at: number, firstAt: number): string {
    const later = this.sourceOf(at);
    const earlier = this.sourceOf(firstAt);
    const differ = (Object.keys(later.config) as SettingName[]).filter(
      (key) => later.config[key] !== earlier.config[key],
    );
    const why =
      differ.length === 0
        ? ''
        : `: they differ only in ${differ.join(', ')}, which the run ignores`;
    const same = `${later.label} is the same run as ${earlier.label}`;
    return `${same}${why}; it is kept once`;
  }
}

function checkSize(
  dims: Dim[],
  rules: Rule[],
  included: number,
  source: string,
) {
  const sizes = dims.map((d) => d.values.length);
  const grid = product(sizes);
  if (grid + included <= MAX_RUNS) return;
  const excluded = countExcluded(sizes, rules);
  const total = grid - (excluded ?? 0) + included;
  if (total <= MAX_RUNS) return;

  const shape = dims.map((d, i) => `${d.label} ${sizes[i]}`).join(' × ');
  const parts = [`grid ${shape} = ${formatCount(grid)}`];
  if (excluded === undefined) parts.push('counted before exclude rules');
  else if (excluded > 0) parts.push(`${formatCount(excluded)} excluded`);
  if (included > 0) parts.push(`${formatCount(included)} included`);
  const limit = `at most ${formatCount(MAX_RUNS)} runs are allowed in one sweep`;
  const advice = 'narrow an axis, exclude more or split the sweep';
  throw specError(source, [
    `the sweep has ${formatCount(total)} runs (${parts.join(', ')}); ` +
      `${limit}: ${advice}`,
  ]);
}

// Above this many combinations of the excluded axes, the count is not
// worth its time: the sweep is then reported by its size before excludes.
const MAX_COUNTED_COMBINATIONS = 2_000_000;

/**
 * How many grid runs the rules exclude, found by walking only the axes
 * the rules name; undefined if even that walk is too long.
 */
function countExcluded(sizes: number[], rules: Rule[]): number | undefined {
  const live = rules.filter((rule) => !rule.dead);
  if (live.length === 0) return 0;
  const named = [...new Set(live.flatMap((r) => r.checks.map((c) => c.dim)))];
  named.sort((a, b) => a - b);
  const combinations = product(named.map((d) => sizes[d]));
  if (combinations > MAX_COUNTED_COMBINATIONS) return undefined;

  const index = sizes.map(() => 0);
  let hits = 0;
  for (let k = 0; k < combinations; k++) {
    if (isExcluded(live, index)) hits++;
    advance(index, sizes, named);
  }
  return hits * (product(sizes) / combinations);
}
