/**
 * From spec text to a sweep plan: read, validate, expand, identify.
 */
import { parseRunConfig } from '../../workers/run-config.ts';
import { canonicalJson } from './canonical-json.ts';
import { expandSpec } from './expand.ts';
import { specError } from './report.ts';
import { sha256Hex } from './run-id.ts';
import { readSourceText, type SpecFormat } from './source-text.ts';
import type { NormalisedSpec, SweepPlan } from './types.ts';
import { type ValidSpec, validateSpec } from './validate-spec.ts';

/**
 * Reads a sweep spec and expands it into its runs.
 *
 * @param text the spec, YAML or JSON
 * @param format how `text` is written
 * @param source file name or label that messages start with
 * @throws InputError listing every problem found: syntax errors with
 *   line and column, spec errors with the path (`grid.width[2]`), the
 *   value received and what is allowed; or a sweep of no runs or of more
 *   than `MAX_RUNS`
 * @example parseSpecText('name: s\ngrid: { width: [10, 20] }', 'yaml', 'x')
 */
export function parseSpecText(
  text: string,
  format: SpecFormat,
  source: string,
): SweepPlan {
  const data = readSourceText(text, format, source);
  const validation = validateSpec(data);
  if (!validation.spec) throw specError(source, validation.issues);
  const valid = validation.spec;

  const expansion = expandSpec(valid, source);
  const spec = normalisedSpec(valid);
  const { description: _text, ...identity } = spec;
  return {
    name: valid.name,
    spec,
    specJson: canonicalJson(spec),
    specHash: sha256Hex(canonicalJson(identity)),
    axes: valid.axes.map((axis) => axis.name),
    threshold: valid.threshold,
    retries: valid.retries,
    timeoutMs: valid.timeoutMs,
    runs: expansion.runs,
    duplicates: [...validation.duplicates, ...expansion.duplicates],
    warnings: [...data.warnings, ...expansion.warnings],
  };
}

/**
 * The spec with defaults filled in: every setting that is not an axis is
 * listed, so writing a default out or leaving it implicit is one sweep.
 */
function normalisedSpec(valid: ValidSpec): NormalisedSpec {
  const axes = new Set<string>(valid.axes.map((axis) => axis.name));
  const settings = Object.fromEntries(
    Object.entries(parseRunConfig(valid.settings)).filter(
      ([key]) => key !== 'seed' && !axes.has(key),
    ),
  );
  return {
    name: valid.name,
    ...(valid.description === undefined
      ? {}
      : { description: valid.description }),
    settings,
    grid: Object.fromEntries(valid.axes.map((a) => [a.name, a.values])),
    ...(valid.seeds ? { seeds: valid.seeds } : {}),
    include: valid.include,
    exclude: valid.exclude,
    failure: { rel_l2: valid.threshold },
    retries: valid.retries,
    timeout: valid.timeoutMs / 1000,
  };
}
