/**
 * The failure map of one sweep: a table over two chosen settings whose
 * cells show the failure rate (as a number and a colour from a single-hue
 * scale that reads in grey too) and the runs per failure class; facets for
 * the other settings; and which settings predict failure.
 */
import { FAILURE_STATUSES } from '../../workers/result.ts';
import type { AxisSummary, MapCell, Tally } from '../failure-map.ts';
import {
  formatCount,
  formatCountOf,
  formatPercent,
  formatSetting,
  formatTime,
} from '../format.ts';
import { type Html, html, queryString } from '../html.ts';
import { type FailureMapPayload, FILTER_PREFIX } from '../payloads.ts';
import type { SettingName, SettingValue } from '../settings.ts';
import type { SweepProgress } from '../sweep-progress.ts';
import { type PageContext, page } from './layout.ts';
import { STATUS_HELP } from './sweeps-page.ts';

/** Facets with more values than this become a drop-down. */
const CHECKBOX_LIMIT = 12;

/** Colour class of a failure rate: 0 alone, then five 20-point bins. */
export function heatClass(rate: number | null): string {
  if (rate === null) return 'heat-none';
  if (rate === 0) return 'heat-0';
  return `heat-${Math.min(5, Math.ceil(rate * 5))}`;
}

const LEGEND: [string, string][] = [
  ['heat-0', '0%'],
  ['heat-1', '1–20%'],
  ['heat-2', '21–40%'],
  ['heat-3', '41–60%'],
  ['heat-4', '61–80%'],
  ['heat-5', '81–100%'],
  ['heat-none', 'no finished runs'],
];

type Params = Record<string, string | number | (string | number)[]>;

/** Query parameters that reproduce the current filters. */
function filterParams(filters: Record<string, SettingValue[]>): Params {
  const params: Params = {};
  for (const [name, values] of Object.entries(filters)) {
    params[`${FILTER_PREFIX}${name}`] = values.map(String).join(',');
  }
  return params;
}

/** Link to the runs of a cell (or of any set of setting values). */
export function runsHref(
  sweep: string,
  filters: Record<string, SettingValue[]>,
  extra: Params = {},
): string {
  return `/sweeps/${encodeURIComponent(sweep)}/runs${queryString({
    ...filterParams(filters),
    ...extra,
  })}`;
}

function classCounts(t: Tally): Html[] {
  const parts = FAILURE_STATUSES.filter((s) => t.counts[s] > 0).map(
    (s) =>
      html`<span class="cls cls-${s}">${formatCount(t.counts[s])} ${s}</span>`,
  );
  const pending = t.counts.queued + t.counts.running;
  if (pending > 0) {
    parts.push(html`<span class="cls">${formatCount(pending)} pending</span>`);
  }
  if (t.counts.cancelled > 0) {
    parts.push(
      html`<span class="cls">${formatCount(t.counts.cancelled)} cancelled</span>`,
    );
  }
  return parts;
}

function cellLabel(x: string, y: string, t: Tally): string {
  const rate =
    t.failureRate === null
      ? 'no finished runs'
      : `${formatPercent(t.failureRate)} failed (${t.failed} of ${t.finals})`;
  return `${y}, ${x}: ${rate}`;
}

function heatCell(data: FailureMapPayload, cell: MapCell): Html {
  const { map } = data;
  const filters = {
    ...data.filters,
    [map.x.axis]: [cell.x],
    [map.y.axis]: [cell.y],
  };
  const label = cellLabel(
    `${map.x.axis} ${formatSetting(cell.x)}`,
    `${map.y.axis} ${formatSetting(cell.y)}`,
    cell,
  );
  if (cell.runs === 0) {
    return html`<td class="heat heat-empty" aria-label="${label}">no runs</td>`;
  }
  return html`<td class="heat ${heatClass(cell.failureRate)}"
      data-x="${formatSetting(cell.x)}" data-y="${formatSetting(cell.y)}"
      data-rate="${cell.failureRate ?? ''}">
    <a href="${runsHref(data.sweep.name, filters)}" aria-label="${label}">
      <span class="rate">${formatPercent(cell.failureRate)}</span>
      <span class="frac">${formatCount(cell.failed)} / ${formatCount(cell.finals)} failed</span>
      <span class="classes">${classCounts(cell)}</span>
    </a>
  </td>`;
}

function totalCell(t: Tally, href: string): Html {
  return html`<td class="total">
    <a href="${href}"><span class="rate">${formatPercent(t.failureRate)}</span>
    <span class="frac">${formatCount(t.failed)} / ${formatCount(t.finals)}</span></a>
  </td>`;
}

function heatmap(data: FailureMapPayload): Html {
  const { map, sweep } = data;
  const header = map.x.values.map(
    (v) => html`<th scope="col">${formatSetting(v)}</th>`,
  );
  const rows = map.y.values.map((yv, i) => {
    const cells = map.cells.slice(
      i * map.x.values.length,
      (i + 1) * map.x.values.length,
    );
    const rowFilters = { ...data.filters, [map.y.axis]: [yv] };
    return html`<tr>
      <th scope="row">${formatSetting(yv)}</th>
      ${cells.map((c) => heatCell(data, c))}
      ${totalCell(map.rowTotals[i], runsHref(sweep.name, rowFilters))}
    </tr>`;
  });
  const footer = map.columnTotals.map((t) =>
    totalCell(
      t,
      runsHref(sweep.name, { ...data.filters, [map.x.axis]: [t.value] }),
    ),
  );
  return html`<div class="heatmap-wrap">
  <table class="heatmap" id="heatmap">
    <caption>
      Failure rate of <strong>${map.y.axis}</strong> (rows) ×
      <strong>${map.x.axis}</strong> (columns): failed runs / finished runs
      (inaccurate, diverged, crashed or timeout, over those that ended
      other than cancelled). Click a cell for its runs.
    </caption>
    <thead>
      <tr>
        <th scope="col" class="corner">${map.y.axis} \\ ${map.x.axis}</th>
        ${header}<th scope="col">all</th>
      </tr>
    </thead>
    <tbody>${rows}</tbody>
    <tfoot>
      <tr>
        <th scope="row">all</th>${footer}
        ${totalCell(map.total, runsHref(sweep.name, data.filters))}
      </tr>
    </tfoot>
  </table>
  </div>
  ${legend()}`;
}

function legend(): Html {
  const items = LEGEND.map(
    ([cls, label]) =>
      html`<li><span class="swatch heat ${cls}"></span>${label}</li>`,
  );
  const classes = FAILURE_STATUSES.map(
    (s) => html`<li><strong>${s}</strong>: ${STATUS_HELP[s]}</li>`,
  );
  return html`<div class="legend">
    <ul class="scale" aria-label="Colour scale of the failure rate">${items}</ul>
    <ul class="classes-help">${classes}</ul>
  </div>`;
}

function axisSelect(
  name: 'x' | 'y',
  label: string,
  current: SettingName,
  axes: SettingName[],
): Html {
  const options = [...new Set([...axes, current])].map(
    (a) =>
      html`<option value="${a}" ${a === current ? html`selected` : ''}>${a}</option>`,
  );
  return html`<label>${label}
    <select name="${name}" class="auto-submit">${options}</select></label>`;
}

function facet(
  axis: SettingName,
  values: SettingValue[],
  chosen: SettingValue[] | undefined,
): Html {
  const param = `${FILTER_PREFIX}${axis}`;
  if (values.length > CHECKBOX_LIMIT) {
    const options = values.map(
      (v) =>
        html`<option value="${formatSetting(v)}"
          ${chosen?.includes(v) ? html`selected` : ''}
          >${formatSetting(v)}</option>`,
    );
    return html`<fieldset class="facet"><legend>${axis}</legend>
      <select name="${param}" class="auto-submit" aria-label="${axis}">
        <option value="">all ${values.length}</option>${options}
      </select></fieldset>`;
  }
  const boxes = values.map(
    (v) => html`<label class="box"><input type="checkbox" class="auto-submit"
      name="${param}" value="${formatSetting(v)}"
      ${chosen?.includes(v) ? html`checked` : ''} /> ${formatSetting(v)}</label>`,
  );
  return html`<fieldset class="facet"><legend>${axis}</legend>${boxes}</fieldset>`;
}

function controls(data: FailureMapPayload): Html {
  const { map } = data;
  const facets = data.axes
    .filter((a) => a !== map.x.axis && a !== map.y.axis)
    .map((a) => facet(a, data.values[a] ?? [], data.filters[a]));
  return html`<form class="controls" method="get" id="map-controls">
    <div class="axes">
      ${axisSelect('y', 'Rows', map.y.axis, data.axes)}
      ${axisSelect('x', 'Columns', map.x.axis, data.axes)}
    </div>
    ${
      facets.length > 0
        ? html`<div class="facets">
            <span class="facets-title">Only runs with (none ticked = all):</span>
            ${facets}
          </div>`
        : ''
    }
    <div class="buttons">
      <button type="submit">Apply</button>
      <a href="/sweeps/${encodeURIComponent(data.sweep.name)}">Reset</a>
    </div>
  </form>`;
}

function summaryBar(rate: number | null): Html {
  const width = rate === null ? 0 : Math.round(rate * 80);
  return html`<svg class="bar" width="80" height="10" viewBox="0 0 80 10"
    aria-hidden="true"><rect class="bar-bg" width="80" height="10"></rect
    ><rect class="bar-fg" width="${width}" height="10"></rect></svg>`;
}

function summary(data: FailureMapPayload): Html {
  if (data.summary.length === 0) return html``;
  const blocks = data.summary.map((s: AxisSummary) => {
    const rows = s.values.map(
      (v) => html`<tr>
        <th scope="row" class="cell"><a href="${runsHref(data.sweep.name, {
          ...data.filters,
          [s.axis]: [v.value],
        })}">${formatSetting(v.value)}</a></th>
        <td class="num cell">${formatPercent(v.failureRate)}</td>
        <td class="cell">${summaryBar(v.failureRate)}</td>
        <td class="num cell">${formatCount(v.failed)} / ${formatCount(v.finals)}</td>
      </tr>`,
    );
    const spread =
      s.spread === null ? 'n/a' : `${Math.round(s.spread * 100)} points`;
    return html`<section class="axis">
      <h3>${s.axis} <span class="spread">spread ${spread}</span></h3>
      <table class="axis-table">
        <thead><tr>
          <th scope="col" class="cell">value</th>
          <th scope="col" class="cell">failed</th>
          <th scope="col" class="cell"><span class="sr-only">bar</span></th>
          <th scope="col" class="cell">runs</th>
        </tr></thead>
        <tbody>${rows}</tbody>
      </table>
    </section>`;
  });
  return html`<h2 id="predictors">Which settings predict failure</h2>
    <p class="hint">Failure rate per value of each setting, over the runs the
    filters select. Settings are ranked by <em>spread</em>: how many
    percentage points separate their best and worst value. A large spread
    means the setting decides whether a run fails.</p>
    <div class="axes-summary">${blocks}</div>`;
}

function sweepLine(s: SweepProgress): Html {
  return html`<p class="sweep-line">
    <span class="state state-${s.state}">${s.state}</span>
    ${formatCount(s.finals)} of ${formatCountOf(s.total, 'run')} finished,
    ${formatCount(s.failed)} failed · threshold rel_l2 ≤ ${formatSetting(s.threshold)}
    · started ${formatTime(s.startedAt)}
    · <a href="${runsHref(s.name, {})}">all runs</a>
    · <a href="/console${queryString({
      sql: `SELECT * FROM results WHERE sweep = '${s.name}' LIMIT 100`,
    })}">query in SQL</a>
  </p>`;
}

/** The failure map page. */
export function failureMapPage(
  ctx: PageContext,
  data: FailureMapPayload,
): Html {
  const body = html`${sweepLine(data.sweep)}
    <p class="live" id="live-status" data-sweep="${data.sweep.name}"
      data-finals="${data.sweep.finals}" aria-live="polite"></p>
    ${controls(data)}
    ${heatmap(data)}
    ${summary(data)}`;
  return page(ctx, {
    title: `Failure map: ${data.sweep.name}`,
    nav: 'sweeps',
    crumbs: [['Sweeps', '/']],
    body,
    scripts: ['/static/common.js', '/static/failure-map.js'],
  });
}
