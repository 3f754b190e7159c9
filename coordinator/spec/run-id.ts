/**
 * Run identity: the hash of a sweep name and a run's normalised settings.
 * It is the store's key, the queue's job id and the resume key, so it must
 * not depend on how a spec spelled its values.
 */
import * as crypto from 'node:crypto';
import {
  canonicalRunConfig,
  type RunConfig,
  SETTING_NAMES,
} from '../../workers/run-config.ts';
import { canonicalJson } from './canonical-json.ts';

/**
 * The id of one run: the first 16 hex digits of the sha256 of the
 * canonical JSON (keys sorted, see `canonicalJson`) of
 * `{ sweep: sweepName, config: canonicalRunConfig(config) }`.
 *
 * @example runId('relu-failure', parseRunConfig({ activation: 'relu' }))
 */
export function runId(sweepName: string, config: RunConfig): string {
  const canonical = canonicalRunConfig(config);
  return seedRunIds(sweepName, canonical)(canonical.seed);
}

/**
 * Run ids of the runs that have the canonical settings `config` with any
 * seed: `seedRunIds(name, c)(s)` equals `runId(name, { ...c, seed: s })`.
 * Grid expansion calls it once per combination and then once per seed,
 * so the settings are written out once, not once per seed. (Canonical
 * settings stay canonical when only the seed changes: the seed is never
 * an ignored setting.)
 */
export function seedRunIds(
  sweepName: string,
  config: RunConfig,
): (seed: number) => string {
  const [before, after] = identityJsonAroundSeed(sweepName, config);
  return (seed) => sha256Hex(before + canonicalJson(seed) + after).slice(0, 16);
}

/** sha256 of UTF-8 text, as 64 lowercase hex digits. */
export function sha256Hex(text: string): string {
  // The one-shot `crypto.hash` (Node ≥ 20.12) costs half of a Hash object.
  if (typeof crypto.hash === 'function') return crypto.hash('sha256', text);
  return crypto.createHash('sha256').update(text).digest('hex');
}

const SORTED_SETTINGS = [...SETTING_NAMES].sort();

// Most values repeat from run to run (an axis has a few values), so their
// `"key":value` text is kept; the bound keeps a sweep of many distinct
// values from growing it without end.
const MAX_CACHED_PER_SETTING = 4096;
const memberCache = new Map<string, Map<unknown, string>>(
  SORTED_SETTINGS.map((key) => [key, new Map()]),
);

/**
 * `canonicalJson({ sweep, config })` written for a RunConfig, as the text
 * before the seed's value and the text after it.
 */
function identityJsonAroundSeed(sweepName: string, config: RunConfig) {
  let before = '{"config":{';
  let after: string | undefined;
  for (let i = 0; i < SORTED_SETTINGS.length; i++) {
    const key = SORTED_SETTINGS[i];
    const comma = i > 0 ? ',' : '';
    if (key === 'seed') {
      before += `${comma}"seed":`;
      after = '';
      continue;
    }
    const text = comma + member(key, config[key]);
    if (after === undefined) before += text;
    else after += text;
  }
  return [before, `${after ?? ''}},"sweep":${JSON.stringify(sweepName)}}`];
}

function member(key: string, value: unknown): string {
  const cache = memberCache.get(key)!;
  let text = cache.get(value);
  if (text === undefined) {
    text = `${JSON.stringify(key)}:${canonicalJson(value)}`;
    if (cache.size < MAX_CACHED_PER_SETTING) cache.set(value, text);
  }
  return text;
}
