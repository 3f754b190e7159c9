/**
 * Checks a spec's data against the spec format (DESIGN.md, "Sweep spec")
 * and normalises it, collecting every problem rather than the first.
 */
import { DEFAULT_REL_L2_THRESHOLD } from '../../workers/result.ts';
import { parseRunConfig } from '../../workers/run-config.ts';
import { DURATION_FORMS, parseDuration } from './duration.ts';
import { formatPath, problemLine } from './report.ts';
import {
  isSettingName,
  type ReadContext,
  readSetting,
  unknownSetting,
} from './setting-values.ts';
import type { SourceData, SpecPath } from './source-text.ts';
import { didYouMean } from './suggest.ts';
import type { PartialConfig, SettingName, SettingValue } from './types.ts';

/** The keys a spec may have at its top level. */
export const SPEC_KEYS = [
  'name',
  'description',
  'settings',
  'grid',
  'seeds',
  'include',
  'exclude',
  'failure',
  'retries',
  'timeout',
] as const;

/** What a sweep name may contain. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Largest `seeds` count. */
export const MAX_SEED_COUNT = 10_000;

/** Largest `retries`: extra attempts after a crash. */
export const MAX_RETRIES = 10;

/** `retries` when the spec does not give it. */
export const DEFAULT_RETRIES = 2;

/** Per-run time limit when the spec gives no `timeout`: 10 minutes. */
export const DEFAULT_TIMEOUT_MS = 600_000;

/** Longest `timeout` a spec may give: 24 hours. */
export const MAX_TIMEOUT_MS = 86_400_000;

/** One grid axis: a setting and its distinct values, in spec order. */
export interface Axis {
  name: SettingName;
  values: SettingValue[];
}

/** A spec that passed validation, values normalised. */
export interface ValidSpec {
  name: string;
  description?: string;
  /** Settings as written, without `seed` (see `seeds`). */
  settings: PartialConfig;
  axes: Axis[];
  /** Seeds of every combination; null when `seed` is a grid axis. */
  seeds: number[] | null;
  include: PartialConfig[];
  exclude: PartialConfig[];
  threshold: number;
  retries: number;
  timeoutMs: number;
}

/** The outcome of validation. */
export interface Validation {
  /** Present when there are no issues. */
  spec?: ValidSpec;
  /** Every problem, `path: message (got VALUE)`. */
  issues: string[];
  /** Axis values written twice; each is kept once. */
  duplicates: string[];
}

interface Context extends ReadContext {
  duplicates: string[];
}

/** Validates and normalises a spec's data. */
export function validateSpec(data: SourceData): Validation {
  const ctx: Context = { issues: [], duplicates: [], spelling: data.spelling };
  const raw = data.value;
  if (!isRecord(raw)) {
    const message = `a sweep spec is a mapping with keys ${SPEC_KEYS.join(', ')}`;
    refuse(ctx, [], message, raw);
    return { issues: ctx.issues, duplicates: [] };
  }
  checkTopLevelKeys(raw, ctx);
  const spec = readSpec(raw, ctx);
  const { issues, duplicates } = ctx;
  return issues.length > 0
    ? { issues, duplicates }
    : { spec, issues, duplicates };
}

function readSpec(raw: Record<string, unknown>, ctx: Context): ValidSpec {
  const name = readName(raw.name, ctx);
  const description = readDescription(raw.description, ctx);
  const settings = readSettingsMap(raw.settings, ['settings'], ctx);
  const axes = readGrid(raw.grid, ctx);
  checkFixedOrVaried(settings, axes, ctx);
  const seeds = readSeeds(raw.seeds, settings, axes, ctx);
  const { seed: _fixedSeed, ...fixed } = settings;
  return {
    name,
    ...description,
    settings: fixed,
    axes,
    seeds,
    include: readEntries(raw.include, 'include', ctx),
    exclude: readEntries(raw.exclude, 'exclude', ctx),
    threshold: readThreshold(raw.failure, ctx),
    retries: readRetries(raw.retries, ctx),
    timeoutMs: readTimeout(raw.timeout, ctx),
  };
}

function checkTopLevelKeys(raw: Record<string, unknown>, ctx: Context) {
  const allowed = SPEC_KEYS as readonly string[];
  for (const key of Object.keys(raw)) {
    if (allowed.includes(key)) continue;
    const hint = isSettingName(key)
      ? `; ${key} is a run setting: put it under settings (one value) ` +
        'or grid (several)'
      : didYouMean(key, SPEC_KEYS);
    const message = `unknown key; allowed: ${SPEC_KEYS.join(', ')}${hint}`;
    ctx.issues.push(problemLine([key], message));
  }
}

function readName(value: unknown, ctx: Context): string {
  const rule = 'letters, digits, - and _, 1 to 64 characters';
  if (value === undefined) {
    ctx.issues.push(
      problemLine(['name'], `missing; a sweep needs a name: ${rule}`),
    );
  } else if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    const message = `must be text of ${rule}`;
    refuse(ctx, ['name'], message, value);
  }
  return typeof value === 'string' ? value : '';
}

function readDescription(value: unknown, ctx: Context) {
  if (value === undefined) return {};
  if (typeof value === 'string') return { description: value };
  refuse(ctx, ['description'], 'must be text', value);
  return {};
}

/** A mapping of setting → one value (`settings`, an include or exclude). */
function readSettingsMap(
  value: unknown,
  path: SpecPath,
  ctx: Context,
): PartialConfig {
  const config: PartialConfig = {};
  if (value === undefined) return config;
  if (!isRecord(value)) {
    const message = 'must be a mapping of run settings, e.g. { lr: 1e-3 }';
    refuse(ctx, path, message, value);
    return config;
  }
  for (const [key, item] of Object.entries(value)) {
    const itemPath = [...path, key];
    if (!isSettingName(key)) {
      ctx.issues.push(problemLine(itemPath, unknownSetting(key)));
      continue;
    }
    const read = readSetting(key, item, itemPath, ctx);
    if (read !== undefined) config[key] = read;
  }
  return config;
}

function readGrid(value: unknown, ctx: Context): Axis[] {
  if (value === undefined) return [];
  if (!isRecord(value)) {
    const message =
      'must be a mapping of setting → list of values, e.g. { width: [10, 20] }';
    refuse(ctx, ['grid'], message, value);
    return [];
  }
  const axes: Axis[] = [];
  for (const [key, values] of Object.entries(value)) {
    if (!isSettingName(key)) {
      ctx.issues.push(problemLine(['grid', key], unknownSetting(key)));
      continue;
    }
    const axis = readAxis(key, values, ctx);
    if (axis) axes.push(axis);
  }
  return axes;
}

function readAxis(
  name: SettingName,
  values: unknown,
  ctx: Context,
): Axis | undefined {
  const path = ['grid', name];
  if (!Array.isArray(values) || values.length === 0) {
    const message = Array.isArray(values)
      ? 'an axis needs at least one value'
      : 'an axis is a non-empty list of values, e.g. [a, b]; ' +
        `for one fixed value use settings.${name}`;
    refuse(ctx, path, message, values);
    return undefined;
  }
  const read = values.map((item, i) =>
    readSetting(name, item, [...path, i], ctx),
  );
  if (read.some((item) => item === undefined)) return undefined;
  return { name, values: distinct(read as SettingValue[], path, ctx) };
}

/** Keeps the first of equal values; each repeat is a duplicate line. */
function distinct(values: SettingValue[], path: SpecPath, ctx: Context) {
  const kept: SettingValue[] = [];
  const firstAt = new Map<SettingValue, number>();
  values.forEach((value, i) => {
    const first = firstAt.get(value);
    if (first === undefined) {
      firstAt.set(value, i);
      kept.push(value);
      return;
    }
    const a = spelledAt([...path, first], value, ctx);
    const b = spelledAt([...path, i], value, ctx);
    ctx.duplicates.push(
      `${formatPath(path)}: ${a} and ${b} are the same value; it is kept once`,
    );
  });
  return kept;
}

/** `1e-3 (grid.lr[0])`: a value as written, and where. */
function spelledAt(path: SpecPath, value: SettingValue, ctx: Context) {
  const text = ctx.spelling(path) ?? JSON.stringify(value);
  return `${text} (${formatPath(path)})`;
}

function checkFixedOrVaried(
  settings: PartialConfig,
  axes: Axis[],
  ctx: Context,
) {
  for (const { name } of axes) {
    if (!(name in settings)) continue;
    const message =
      `${name} is also a grid axis (grid.${name}); a setting is either ` +
      'fixed in settings or varied in grid';
    ctx.issues.push(problemLine(['settings', name], message));
  }
}

/**
 * Seeds as a list: `seeds: n` is [0 … n−1]; without `seeds` every
 * combination runs once with `settings.seed` (or its default), unless
 * `seed` is a grid axis (then null).
 */
function readSeeds(
  value: unknown,
  settings: PartialConfig,
  axes: Axis[],
  ctx: Context,
): number[] | null {
  const seedAxis = axes.some((axis) => axis.name === 'seed');
  if (value === undefined) {
    if (seedAxis) return null;
    return [(settings.seed as number) ?? parseRunConfig({}).seed];
  }
  const elsewhere = seedAxis ? 'grid' : 'seed' in settings ? 'settings' : '';
  if (elsewhere) {
    const message =
      'seed is also given by the seeds key; set seeds in one place';
    ctx.issues.push(problemLine([elsewhere, 'seed'], message));
  }
  if (Array.isArray(value)) return readSeedList(value, ctx);
  return readSeedCount(value, ctx);
}

function readSeedCount(value: unknown, ctx: Context): number[] {
  const count = readNumber(value);
  if (
    count === undefined ||
    !Number.isInteger(count) ||
    count < 1 ||
    count > MAX_SEED_COUNT
  ) {
    const message =
      `must be a count from 1 to ${MAX_SEED_COUNT} (seeds 0 … n−1) ` +
      'or a list of distinct seeds, e.g. [0, 1, 2]';
    refuse(ctx, ['seeds'], message, value);
    return [];
  }
  return Array.from({ length: count }, (_, i) => i);
}

function readSeedList(values: unknown[], ctx: Context): number[] {
  if (values.length === 0 || values.length > MAX_SEED_COUNT) {
    const message = `a list of seeds needs 1 to ${MAX_SEED_COUNT} seeds`;
    refuse(ctx, ['seeds'], message, values);
    return [];
  }
  const seeds: number[] = [];
  const firstAt = new Map<number, number>();
  values.forEach((item, i) => {
    const seed = readSetting('seed', item, ['seeds', i], ctx) as number;
    if (seed === undefined) return;
    const first = firstAt.get(seed);
    if (first !== undefined) {
      const message = `seed ${seed} is already seeds[${first}]; seeds must be distinct`;
      ctx.issues.push(problemLine(['seeds', i], message));
      return;
    }
    firstAt.set(seed, i);
    seeds.push(seed);
  });
  return seeds;
}

/** `include` or `exclude`: a list of partial configs of one value each. */
function readEntries(
  value: unknown,
  key: 'include' | 'exclude',
  ctx: Context,
): PartialConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    const message =
      'must be a list of partial run settings, ' +
      'e.g. [{ gradient: analytic, width: 10 }]';
    refuse(ctx, [key], message, value);
    return [];
  }
  return value.map((entry, i) => {
    const path = [key, i];
    if (!isRecord(entry)) {
      const message = 'must be a mapping of run settings, e.g. { width: 10 }';
      refuse(ctx, path, message, entry);
      return {};
    }
    if (key === 'exclude' && Object.keys(entry).length === 0) {
      const message = 'an exclude rule names at least one setting';
      refuse(ctx, path, message, entry);
    }
    return readSettingsMap(entry, path, ctx);
  });
}

function readThreshold(value: unknown, ctx: Context): number {
  if (value === undefined) return DEFAULT_REL_L2_THRESHOLD;
  if (!isRecord(value)) {
    const message = 'must be a mapping, e.g. { rel_l2: 5e-3 }';
    refuse(ctx, ['failure'], message, value);
    return DEFAULT_REL_L2_THRESHOLD;
  }
  for (const key of Object.keys(value)) {
    if (key === 'rel_l2') continue;
    const hint = didYouMean(key, ['rel_l2']);
    const message = `unknown criterion; allowed: rel_l2${hint}`;
    ctx.issues.push(problemLine(['failure', key], message));
  }
  if (value.rel_l2 === undefined) return DEFAULT_REL_L2_THRESHOLD;
  const threshold = readNumber(value.rel_l2);
  if (
    threshold === undefined ||
    !Number.isFinite(threshold) ||
    threshold <= 0
  ) {
    const message =
      'must be a finite number > 0: runs with rel_l2 above it fail';
    refuse(ctx, ['failure', 'rel_l2'], message, value.rel_l2);
    return DEFAULT_REL_L2_THRESHOLD;
  }
  return threshold;
}

function readRetries(value: unknown, ctx: Context): number {
  if (value === undefined) return DEFAULT_RETRIES;
  const retries = readNumber(value);
  if (
    retries === undefined ||
    !Number.isInteger(retries) ||
    retries < 0 ||
    retries > MAX_RETRIES
  ) {
    const message =
      `must be an integer from 0 to ${MAX_RETRIES}: ` +
      'extra attempts after a crash';
    refuse(ctx, ['retries'], message, value);
    return DEFAULT_RETRIES;
  }
  return retries;
}

function readTimeout(value: unknown, ctx: Context): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0 || ms > MAX_TIMEOUT_MS) {
    const message = `must be ${DURATION_FORMS}, more than 0 and at most 24h`;
    refuse(ctx, ['timeout'], message, value);
    return DEFAULT_TIMEOUT_MS;
  }
  return ms;
}

const NUMBER_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/** A number, or a string that is only a number; else undefined. */
function readNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMBER_TEXT.test(value)) {
    return Number(value);
  }
  return undefined;
}

/** Adds `path: message (got VALUE)`, VALUE as the spec wrote it. */
function refuse(ctx: Context, path: SpecPath, message: string, value: unknown) {
  const spelling = ctx.spelling(path);
  // `retries:` with nothing after it (or only a comment) is null in YAML,
  // which is not the same as leaving the key out.
  const optional = path.length === 1 && path[0] !== 'name';
  const hint =
    value === null && optional
      ? '; a key with no value is null: leave the key out for its default'
      : '';
  ctx.issues.push(problemLine(path, message + hint, { value, spelling }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
