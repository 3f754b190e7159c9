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
  const writer = new RunIdWriter(sweepName);
  writer.settings(canonical);
  return writer.idFor(canonical.seed);
}

/** sha256 of UTF-8 text, as 64 lowercase hex digits. */
export function sha256Hex(text: string): string {
  // The one-shot `crypto.hash` (Node ≥ 20.12) costs half of a Hash object.
  if (typeof crypto.hash === 'function') return crypto.hash('sha256', text);
  return crypto.createHash('sha256').update(text).digest('hex');
}

const SORTED_SETTINGS = [...SETTING_NAMES].sort();
const SEED_POSITION = SORTED_SETTINGS.indexOf('seed');

// Values repeat from run to run (an axis has a few values), so the
// `"key":value` text of each is kept; the bound stops a sweep of many
// distinct values from growing the cache without end.
const MAX_CACHED_PER_SETTING = 4096;

/**
 * Writes run ids for one sweep, the way grid expansion needs them: set a
 * combination's canonical settings once, then ask for the id of each
 * seed. `idFor(s)` after `settings(c)` equals `runId(name, { ...c,
 * seed: s })`: the identity JSON is split around the seed's value, and a
 * canonical config stays canonical when only its seed changes (the seed
 * is never an ignored setting).
 */
export class RunIdWriter {
  private readonly tail: string;
  private readonly cache = SORTED_SETTINGS.map(
    () => new Map<unknown, string>(),
  );
  private readonly lastValue: unknown[] = SORTED_SETTINGS.map(() => undefined);
  private readonly lastText: string[] = SORTED_SETTINGS.map(() => '');
  private before = '';
  private after = '';

  constructor(sweepName: string) {
    this.tail = `},"sweep":${JSON.stringify(sweepName)}}`;
  }

  /** Sets the canonical settings whose runs `idFor` names. */
  settings(config: RunConfig): void {
    let before = '{"config":{';
    for (let i = 0; i < SEED_POSITION; i++) {
      before += (i > 0 ? ',' : '') + this.member(i, config);
    }
    let after = '';
    for (let i = SEED_POSITION + 1; i < SORTED_SETTINGS.length; i++) {
      after += `,${this.member(i, config)}`;
    }
    this.before = `${before}${SEED_POSITION > 0 ? ',' : ''}"seed":`;
    this.after = after + this.tail;
  }

  /** The id of the run with the current settings and `seed`. */
  idFor(seed: number): string {
    const json = this.before + canonicalJson(seed) + this.after;
    return sha256Hex(json).slice(0, 16);
  }

  /** `"key":value` of setting number `i`; most settings repeat. */
  private member(i: number, config: RunConfig): string {
    const value = config[SORTED_SETTINGS[i]];
    if (value === this.lastValue[i] && this.lastText[i]) {
      return this.lastText[i];
    }
    let text = this.cache[i].get(value);
    if (text === undefined) {
      text = `${JSON.stringify(SORTED_SETTINGS[i])}:${canonicalJson(value)}`;
      if (this.cache[i].size < MAX_CACHED_PER_SETTING) {
        this.cache[i].set(value, text);
      }
    }
    this.lastValue[i] = value;
    this.lastText[i] = text;
    return text;
  }
}
