/**
 * The results store: `openStore` and its `Store`, the read-only SQL
 * query of `sweep query` and the dashboard console, and the NaN
 * convention of stored metrics.
 */
export {
  EXAMPLE_QUERIES,
  type ExampleQuery,
} from './example-queries.ts';
export { METRIC_NAMES, readMetrics } from './metric-values.ts';
export {
  type QueryOptions,
  type QueryResult,
  runReadOnlyQuery,
} from './read-only-query.ts';
export { RESULT_COLUMNS, type ResultRow } from './results.ts';
export { openStore, Store, type StoreOptions } from './store.ts';
export type {
  AxisValueSummary,
  FailureCell,
  NewRun,
  NewSweep,
  QueuedRun,
  StatusCounts,
  SweepRow,
  SweepSummary,
} from './types.ts';
