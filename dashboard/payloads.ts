/**
 * What every page shows, as the data the JSON API returns: each function
 * validates its request's parameters, asks the store view, and returns the
 * payload that `/api/...` sends and the page renders.
 */
import { RUN_STATUSES, type RunStatus } from '../workers/result.ts';
import { ParamError } from './errors.ts';
import {
  type AxisSummary,
  buildMap,
  type FailureMapData,
  type Filters,
  filterRows,
  summariseAxes,
} from './failure-map.ts';
import { CUBE_COLUMNS, type GridCube } from './grid-cube.ts';
import {
  checkParamNames,
  enumParam,
  intParam,
  list,
  type RawQuery,
  runIdParam,
  single,
} from './params.ts';
import type { Neighbour, RunDetail } from './run-detail.ts';
import {
  type RunListItem,
  type RunListQuery,
  SORT_FIELDS,
} from './run-list.ts';
import {
  isSetting,
  parseSettingValue,
  SETTINGS,
  type SettingName,
  type SettingValue,
} from './settings.ts';
import type { StoreView } from './store-view.ts';
import type { SweepProgress } from './sweep-progress.ts';

/** Most values an axis of the map may have. */
export const MAX_AXIS_VALUES = 200;
/** Largest page of runs. */
export const MAX_PAGE = 500;
/** Default page of runs. */
export const DEFAULT_PAGE = 50;
/** Largest offset into a list; deeper pages use the `after` cursor. */
export const MAX_OFFSET = 100_000;

/** The prefix of filter parameters: `filter.width=20`. */
export const FILTER_PREFIX = 'filter.';

/** Parameters every route accepts: the token (read by the auth layer). */
const COMMON = ['token'];

/** The settings a sweep varies, and the values each takes. */
export interface SweepAxes {
  /** Settings with more than one value, the spec's axes first. */
  varying: SettingName[];
  /** Values of every setting (seeds included), in display order. */
  values: Record<string, SettingValue[]>;
}

/** The sweep's settings: which vary and the values they take. */
export async function sweepAxes(
  view: StoreView,
  sweep: SweepProgress,
): Promise<SweepAxes & { cube: GridCube; seeds: number[] }> {
  const [cube, seeds] = await Promise.all([
    view.cube(sweep.sweepId),
    view.seeds(sweep.sweepId),
  ]);
  const values: Record<string, SettingValue[]> = {};
  for (const [name, v] of cube.values) values[name] = v;
  values.seed = seeds;
  const varies = (s: SettingName) => (values[s]?.length ?? 0) > 1;
  const specOrder = sweep.axes.filter(isSetting);
  const varying = [
    ...specOrder.filter(varies),
    ...SETTINGS.filter((s) => varies(s) && !specOrder.includes(s)),
  ];
  return { varying, values, cube, seeds };
}

/**
 * Reads `filter.<setting>=v1,v2` parameters: every setting must exist and
 * every value must be one the sweep has.
 */
export function parseFilters(
  query: RawQuery,
  values: Record<string, SettingValue[]>,
): Filters {
  const filters: Filters = new Map();
  for (const param of Object.keys(query)) {
    if (!param.startsWith(FILTER_PREFIX)) continue;
    const name = param.slice(FILTER_PREFIX.length);
    if (!isSetting(name)) {
      throw new ParamError(
        param,
        query[param],
        SETTINGS.map((s) => `${FILTER_PREFIX}${s}`),
        400,
        'unknown setting',
      );
    }
    const known = values[name] ?? [];
    const chosen = list(query, param).map((raw) => {
      const value = parseSettingValue(name, raw);
      if (value === undefined || !known.includes(value)) {
        throw new ParamError(
          param,
          raw,
          known.map(String),
          400,
          `no run of this sweep has ${name} = ${raw}`,
        );
      }
      return value;
    });
    if (chosen.length > 0) filters.set(name, [...new Set(chosen)]);
  }
  return filters;
}

/** Filters as JSON: setting → values. */
export function filtersJson(filters: Filters): Record<string, SettingValue[]> {
  return Object.fromEntries(filters);
}

/** The failure map page's data. */
export interface FailureMapPayload {
  sweep: SweepProgress;
  /** Settings the sweep varies, spec axes first: the choices of axes. */
  axes: SettingName[];
  /** Values of every setting in the sweep. */
  values: Record<string, SettingValue[]>;
  filters: Record<string, SettingValue[]>;
  map: FailureMapData;
  /** Settings ranked by how much the failure rate changes over them. */
  summary: AxisSummary[];
}

/**
 * The axes of the map, best first: gradient × activation when both vary,
 * else the varying settings in spec order, then fixed ones. A setting with
 * more values than a map axis may have (seed, in a sweep of many seeds) is
 * left out: it is for filtering.
 */
function defaultAxes(
  varying: SettingName[],
  values: Record<string, SettingValue[]>,
): SettingName[] {
  const fits = (s: SettingName) => (values[s]?.length ?? 0) <= MAX_AXIS_VALUES;
  const usable = varying.filter(fits);
  // Fixed settings last, the study's own axes first among them.
  const rest = [
    ...(['gradient', 'activation'] as const),
    ...SETTINGS.filter((s) => s !== 'gradient' && s !== 'activation'),
  ].filter((s) => !varying.includes(s) && fits(s));
  if (usable.includes('activation') && usable.includes('gradient')) {
    const others = usable.filter((s) => s !== 'activation' && s !== 'gradient');
    return ['gradient', 'activation', ...others, ...rest];
  }
  // One varying setting reads best down the side (y), one fixed across.
  if (usable.length === 1) return [rest[0], usable[0], ...rest.slice(1)];
  return [...usable, ...rest];
}

function axisParam(
  query: RawQuery,
  name: 'x' | 'y',
  fallback: SettingName,
  values: Record<string, SettingValue[]>,
): SettingName {
  const axis = enumParam(query, name, SETTINGS, fallback);
  const count = values[axis]?.length ?? 0;
  if (count > MAX_AXIS_VALUES) {
    throw new ParamError(
      name,
      axis,
      `a setting with at most ${MAX_AXIS_VALUES} values`,
      400,
      `${axis} has ${count} values in this sweep; filter it instead`,
    );
  }
  return axis;
}

/** A stable key of a request's parameters (the token left out). */
function queryKey(query: RawQuery): string {
  const entries = Object.entries(query).filter(([k]) => k !== 'token');
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** `GET /api/sweeps/:sweep/failure-map`: see the README. */
export function failureMapPayload(
  view: StoreView,
  sweepName: string,
  query: RawQuery,
): Promise<FailureMapPayload> {
  return view.memo(`map:${sweepName}:${queryKey(query)}`, () =>
    computeFailureMap(view, sweepName, query),
  );
}

async function computeFailureMap(
  view: StoreView,
  sweepName: string,
  query: RawQuery,
): Promise<FailureMapPayload> {
  checkParamNames(query, ['x', 'y', ...COMMON], [FILTER_PREFIX]);
  const sweep = await view.sweep(sweepName);
  const axes = await sweepAxes(view, sweep);
  const order = defaultAxes(axes.varying, axes.values);
  const x = axisParam(query, 'x', order[0], axes.values);
  // A default y other than the x asked for.
  const dy = order.find((s) => s !== x) ?? order[1];
  const y = axisParam(query, 'y', dy, axes.values);
  if (x === y) {
    throw new ParamError('y', y, `a setting other than x (${x})`);
  }
  const filters = parseFilters(query, axes.values);
  const seeds = filters.get('seed') as number[] | undefined;
  const cube = seeds ? await view.cube(sweep.sweepId, seeds) : axes.cube;
  const rows = filterRows(cube, filters);
  const shown = (axis: SettingName) => ({
    axis,
    values: filters.get(axis) ?? axes.values[axis] ?? [],
  });
  const map =
    x === 'seed' || y === 'seed'
      ? buildMap(
          await view.pairCounts(sweep.sweepId, x, y, filters),
          { x: 0, y: 1 },
          shown(x),
          shown(y),
        )
      : buildMap(
          rows,
          { x: CUBE_COLUMNS.indexOf(x), y: CUBE_COLUMNS.indexOf(y) },
          shown(x),
          shown(y),
        );
  const summary = summariseAxes(rows, axes.varying, cube.values);
  return {
    sweep,
    axes: axes.varying,
    values: axes.values,
    filters: filtersJson(filters),
    map,
    summary,
  };
}

/** The runs page's data. */
export interface RunListPayload {
  sweep: SweepProgress;
  axes: SettingName[];
  filters: Record<string, SettingValue[]>;
  statuses: RunStatus[];
  sort: RunListQuery['sort'];
  order: RunListQuery['order'];
  limit: number;
  offset: number;
  after: number | null;
  /** Runs matching filters and states, in all pages. */
  total: number;
  runs: RunListItem[];
  /** The `after` cursor of the next page (grid order only), or null. */
  nextAfter: number | null;
}

const STATUS_WORDS = [...RUN_STATUSES, 'failed'] as const;

function statusesParam(query: RawQuery): RunStatus[] {
  const chosen = new Set<RunStatus>();
  for (const word of list(query, 'status')) {
    if (!(STATUS_WORDS as readonly string[]).includes(word)) {
      throw new ParamError('status', word, STATUS_WORDS);
    }
    if (word === 'failed') {
      for (const s of ['inaccurate', 'diverged', 'crashed', 'timeout']) {
        chosen.add(s as RunStatus);
      }
    } else chosen.add(word as RunStatus);
  }
  return RUN_STATUSES.filter((s) => chosen.has(s));
}

function runListQuery(
  query: RawQuery,
  filters: Filters,
): RunListQuery & { after?: number } {
  const sort = enumParam(query, 'sort', SORT_FIELDS, 'idx');
  const order = enumParam(query, 'order', ['asc', 'desc'] as const, 'asc');
  const limit = intParam(query, 'limit', {
    min: 1,
    max: MAX_PAGE,
    fallback: DEFAULT_PAGE,
  });
  const offset = intParam(query, 'offset', {
    min: 0,
    max: MAX_OFFSET,
    fallback: 0,
  });
  const afterRaw = single(query, 'after');
  let after: number | undefined;
  if (afterRaw !== undefined) {
    if (sort !== 'idx') {
      throw new ParamError('after', afterRaw, 'only with sort=idx');
    }
    after = intParam(query, 'after', {
      min: -1,
      max: Number.MAX_SAFE_INTEGER,
      fallback: -1,
    });
  }
  const statuses = statusesParam(query);
  return { filters, statuses, sort, order, limit, offset, after };
}

/** `GET /api/sweeps/:sweep/runs`: see the README. */
export async function runListPayload(
  view: StoreView,
  sweepName: string,
  query: RawQuery,
): Promise<RunListPayload> {
  checkParamNames(
    query,
    ['status', 'sort', 'order', 'limit', 'offset', 'after', ...COMMON],
    [FILTER_PREFIX],
  );
  const sweep = await view.sweep(sweepName);
  const axes = await sweepAxes(view, sweep);
  const filters = parseFilters(query, axes.values);
  const listQuery = runListQuery(query, filters);
  const [runs, total] = await Promise.all([
    view.runPage(sweep.sweepId, listQuery),
    view.runCount(sweep.sweepId, listQuery),
  ]);
  const last = runs.at(-1);
  const full = runs.length === listQuery.limit;
  return {
    sweep,
    axes: axes.varying,
    filters: filtersJson(filters),
    statuses: listQuery.statuses,
    sort: listQuery.sort,
    order: listQuery.order,
    limit: listQuery.limit,
    offset: listQuery.offset,
    after: listQuery.after ?? null,
    total,
    runs,
    nextAfter: listQuery.sort === 'idx' && full && last ? last.idx : null,
  };
}

/** The run page's data. */
export interface RunPayload {
  run: RunDetail;
  /** Settings the run's sweep varies. */
  axes: SettingName[];
  /** Runs differing in one setting: candidates for a comparison. */
  neighbours: Neighbour[];
}

/** `GET /api/runs/:run`: see the README. */
export async function runPayload(
  view: StoreView,
  runId: string,
  query: RawQuery,
): Promise<RunPayload> {
  checkParamNames(query, COMMON);
  const run = await view.run(runIdParam(runId));
  const sweep = await view.sweep(run.sweep);
  const [axes, neighbours] = await Promise.all([
    sweepAxes(view, sweep),
    view.neighbours(run),
  ]);
  return { run, axes: axes.varying, neighbours };
}

/** The compare page's data. */
export interface ComparePayload {
  a: RunDetail;
  b: RunDetail;
  /** Settings whose values differ between the two runs. */
  differences: SettingName[];
}

/** `GET /api/compare?a=RUN&b=RUN`: see the README. */
export async function comparePayload(
  view: StoreView,
  query: RawQuery,
): Promise<ComparePayload> {
  checkParamNames(query, ['a', 'b', ...COMMON]);
  const ids = (['a', 'b'] as const).map((name) => {
    const raw = single(query, name);
    if (raw === undefined) {
      throw new ParamError(
        name,
        '',
        'a run id: 16 hex digits (0-9, a-f)',
        400,
        'missing',
      );
    }
    return runIdParam(raw, name);
  });
  const [a, b] = await Promise.all([
    view.run(ids[0], 'a'),
    view.run(ids[1], 'b'),
  ]);
  const differences = SETTINGS.filter((s) => a.settings[s] !== b.settings[s]);
  return { a, b, differences };
}

/** The sweeps page's data. */
export interface SweepsPayload {
  sweeps: SweepProgress[];
}

/** `GET /api/sweeps`. */
export async function sweepsPayload(
  view: StoreView,
  query: RawQuery,
): Promise<SweepsPayload> {
  checkParamNames(query, COMMON);
  return { sweeps: await view.sweeps() };
}
