/**
 * Sweep specs: reading, validation, normalisation, expansion and run
 * identity. See the spec reference in the README ("Sweep specs").
 */
export { canonicalJson } from './canonical-json.ts';
export { MAX_RUNS } from './expand.ts';
export { loadSpecFile, SPEC_EXTENSIONS } from './load.ts';
export { parseSpecText } from './plan.ts';
export { runId } from './run-id.ts';
export type { SpecFormat } from './source-text.ts';
export type {
  NormalisedSpec,
  PartialConfig,
  PlannedRun,
  SweepPlan,
} from './types.ts';
export {
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
  MAX_RETRIES,
  MAX_SEED_COUNT,
  MAX_TIMEOUT_MS,
  SPEC_KEYS,
} from './validate-spec.ts';
