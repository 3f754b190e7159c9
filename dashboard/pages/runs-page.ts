/**
 * The runs of a sweep that match some setting values (a failure-map cell)
 * and states, a page at a time, with links to each run and to a
 * side-by-side comparison of two.
 */
import { RUN_STATUSES } from '../../workers/result.ts';
import {
  formatCount,
  formatCountOf,
  formatDuration,
  formatMetric,
  formatSetting,
} from '../format.ts';
import { type Html, html } from '../html.ts';
import type { RunListPayload } from '../payloads.ts';
import { SORT_FIELDS } from '../run-list.ts';
import { runsHref } from './failure-map-page.ts';
import { type PageContext, page } from './layout.ts';

/** Longest error text shown in the list, characters. */
const ERROR_PREVIEW = 90;

function describeFilters(data: RunListPayload): string {
  const parts = Object.entries(data.filters).map(
    ([name, values]) => `${name} = ${values.map(formatSetting).join(' or ')}`,
  );
  return parts.length === 0 ? 'all runs' : parts.join(', ');
}

function listHref(
  data: RunListPayload,
  change: Record<string, string | number>,
): string {
  const base: Record<string, string | number> = {
    sort: data.sort,
    order: data.order,
    limit: data.limit,
  };
  if (data.statuses.length > 0) base.status = data.statuses.join(',');
  const merged = { ...base, ...change };
  for (const [k, v] of Object.entries(merged)) if (v === '') delete merged[k];
  return runsHref(data.sweep.name, data.filters, merged);
}

function statusLinks(data: RunListPayload): Html {
  const current = data.statuses.join(',');
  const choices: [string, string][] = [
    ['', 'all states'],
    ['failed', 'failed'],
    ...RUN_STATUSES.map((s): [string, string] => [s, s]),
  ];
  const failedSet = 'inaccurate,diverged,crashed,timeout';
  const links = choices.map(([value, label]) => {
    const active =
      value === current || (value === 'failed' && current === failedSet);
    const href = listHref(data, { status: value, offset: '' });
    return html`<a class="pill${active ? ' active' : ''}" href="${href}"
      ${active ? html`aria-current="true"` : ''}>${label}</a>`;
  });
  return html`<nav class="pills" aria-label="Filter by state">${links}</nav>`;
}

function sortForm(data: RunListPayload): Html {
  const options = SORT_FIELDS.map(
    (f) =>
      html`<option value="${f}" ${f === data.sort ? html`selected` : ''}
        >${f === 'idx' ? 'grid order' : f}</option>`,
  );
  const hidden = Object.entries(data.filters).map(
    ([name, values]) =>
      html`<input type="hidden" name="filter.${name}" value="${values.map(String).join(',')}" />`,
  );
  return html`<form class="sort" method="get">
    ${hidden}
    ${
      data.statuses.length > 0
        ? html`<input type="hidden" name="status"
            value="${data.statuses.join(',')}" />`
        : ''
    }
    <label>Sort by <select name="sort" class="auto-submit">${options}</select></label>
    <label>Order <select name="order" class="auto-submit">
      <option value="asc" ${data.order === 'asc' ? html`selected` : ''}>ascending</option>
      <option value="desc" ${data.order === 'desc' ? html`selected` : ''}>descending</option>
    </select></label>
    <button type="submit">Sort</button>
  </form>`;
}

function runRow(data: RunListPayload, run: RunListPayload['runs'][number]) {
  const error =
    run.error && run.error.length > ERROR_PREVIEW
      ? `${run.error.slice(0, ERROR_PREVIEW)}…`
      : run.error;
  return html`<tr>
    <td><input type="checkbox" class="pick" value="${run.runId}"
      aria-label="pick run ${run.runId} to compare" /></td>
    <td class="num">${run.idx}</td>
    <td><a class="mono" href="/runs/${run.runId}">${run.runId}</a></td>
    <td><span class="badge status-${run.status}">${run.status}</span></td>
    ${data.axes.map((a) => html`<td>${formatSetting(run.settings[a])}</td>`)}
    <td class="num">${formatMetric(run.rel_l2)}</td>
    <td class="num">${formatMetric(run.final_loss)}</td>
    <td class="num">${formatDuration(run.wall_ms)}</td>
    <td class="num">${run.attempts}</td>
    <td class="error" title="${run.error ?? ''}">${error ?? ''}</td>
  </tr>`;
}

function pager(data: RunListPayload): Html {
  const from = data.runs.length === 0 ? 0 : data.offset + 1;
  const shown =
    data.after === null
      ? `${formatCount(from)}–${formatCount(data.offset + data.runs.length)}` +
        ` of ${formatCount(data.total)}`
      : `${formatCountOf(data.runs.length, 'run')} after #${data.after}` +
        ` (of ${formatCount(data.total)})`;
  const links: Html[] = [];
  if (data.offset > 0 || data.after !== null) {
    links.push(html`<a href="${listHref(data, {})}">« first page</a>`);
  }
  if (data.offset > 0) {
    const prev = Math.max(0, data.offset - data.limit);
    links.push(
      html`<a href="${listHref(data, { offset: prev })}">‹ previous</a>`,
    );
  }
  if (data.nextAfter !== null) {
    links.push(
      html`<a rel="next" href="${listHref(data, { after: data.nextAfter })}">next ›</a>`,
    );
  } else if (data.runs.length === data.limit) {
    links.push(
      html`<a rel="next" href="${listHref(data, { offset: data.offset + data.limit })}">next ›</a>`,
    );
  }
  return html`<div class="pager"><span>Showing ${shown}</span> ${links}</div>`;
}

/** The runs page. */
export function runsPage(ctx: PageContext, data: RunListPayload): Html {
  const name = data.sweep.name;
  const table =
    data.runs.length === 0
      ? html`<p class="empty">No runs match.</p>`
      : html`<form class="compare-form" method="get" action="/compare" id="compare-form">
        <table class="runs" id="runs">
          <thead><tr>
            <th scope="col"><span class="sr-only">compare</span></th>
            <th scope="col">#</th><th scope="col">run</th><th scope="col">state</th>
            ${data.axes.map((a) => html`<th scope="col">${a}</th>`)}
            <th scope="col">rel_l2</th><th scope="col">final loss</th>
            <th scope="col">wall time</th><th scope="col">attempts</th><th scope="col">error</th>
          </tr></thead>
          <tbody>${data.runs.map((r) => runRow(data, r))}</tbody>
        </table>
        <p class="compare-hint">Tick two runs to
          <button type="submit" id="compare-button" disabled
            >compare them side by side</button></p>
        </form>`;
  const map = `/sweeps/${encodeURIComponent(name)}`;
  const body = html`<p class="sweep-line">Runs of <a href="${map}">${name}</a> where
      <strong>${describeFilters(data)}</strong>: ${formatCountOf(data.total, 'run')}.</p>
    ${statusLinks(data)}
    ${sortForm(data)}
    ${pager(data)}
    ${table}
    ${data.runs.length > 0 ? pager(data) : ''}`;
  return page(ctx, {
    title: `Runs: ${describeFilters(data)}`,
    nav: 'sweeps',
    crumbs: [
      ['Sweeps', '/'],
      [name, `/sweeps/${encodeURIComponent(name)}`],
    ],
    body,
    scripts: ['/static/common.js', '/static/runs.js'],
  });
}
