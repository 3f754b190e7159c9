/**
 * The run settings as columns of the `runs` table: which can be a heatmap
 * axis or a filter, their SQL type, and the order their values are shown in.
 */
import {
  ACTIVATIONS,
  BOUNDARY_MODES,
  GRADIENTS,
  INITS,
  OPTIMIZERS,
  PROBLEMS,
  QUADRATURES,
  type RunConfig,
  SETTING_NAMES,
} from '../workers/run-config.ts';

/** A setting's name, which is also its column in `runs`. */
export type SettingName = keyof RunConfig;

/** A value of a setting as stored: text for choices, else a number. */
export type SettingValue = string | number;

/** Text settings and the order of their allowed values. */
const TEXT_ORDER: Partial<Record<SettingName, readonly string[]>> = {
  problem: PROBLEMS,
  activation: ACTIVATIONS,
  bc: BOUNDARY_MODES,
  init: INITS,
  quadrature: QUADRATURES,
  gradient: GRADIENTS,
  optimizer: OPTIMIZERS,
};

/** Every setting, in schema order: the allow-list of axes and filters. */
export const SETTINGS: readonly SettingName[] = SETTING_NAMES;

/** Whether `name` is a setting (and so a safe column name). */
export function isSetting(name: string): name is SettingName {
  return (SETTINGS as readonly string[]).includes(name);
}

/** Whether the setting's values are text (else numbers). */
export function isTextSetting(name: SettingName): boolean {
  return TEXT_ORDER[name] !== undefined;
}

/**
 * Sorts values for display: text in the order the settings list them
 * (so `relu` comes before `tanh`, `autodiff` before `analytic`), numbers
 * ascending.
 */
export function sortValues(
  name: SettingName,
  values: SettingValue[],
): SettingValue[] {
  const order = TEXT_ORDER[name];
  const rank = (v: SettingValue) => {
    const at = order ? order.indexOf(String(v)) : -1;
    return at === -1 ? Number.MAX_SAFE_INTEGER : at;
  };
  return [...values].sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return rank(a) - rank(b) || String(a).localeCompare(String(b));
  });
}

/**
 * Reads a value from a URL for a setting: a number for numeric settings
 * (so `0.01` and `1e-2` match the same stored value), else the text.
 * Returns undefined when a numeric setting gets something else.
 */
export function parseSettingValue(
  name: SettingName,
  raw: string,
): SettingValue | undefined {
  if (isTextSetting(name)) return raw;
  const value = Number(raw);
  return raw.trim() !== '' && Number.isFinite(value) ? value : undefined;
}
