/**
 * One run (settings, verdict, every metric, attempts, loss curve and u
 * against u*), and two runs side by side. Charts are drawn by
 * /static/charts.js with uPlot from data embedded as JSON.
 */
import { stringifyJson } from '../../coordinator/cli/json-numbers.ts';
import { METRIC_NAMES } from '../../coordinator/store/metric-values.ts';
import {
  formatDuration,
  formatMetric,
  formatSetting,
  formatTime,
} from '../format.ts';
import { Html, html, queryString } from '../html.ts';
import type { ComparePayload, RunPayload } from '../payloads.ts';
import type { RunDetail } from '../run-detail.ts';
import { SETTINGS } from '../settings.ts';
import { type PageContext, page } from './layout.ts';

/** What each metric means (units where it has one). */
export const METRIC_HELP: Record<string, string> = {
  rel_l2: '‖u − u*‖ / ‖u*‖ (the verdict compares it with the threshold)',
  rel_h1: '‖u′ − u*′‖ / ‖u*′‖',
  energy: 'Π[u] at the final parameters',
  energy_gap: 'Π[u] − Π[u*], ≥ 0 up to rounding',
  final_loss: 'training loss at the final parameters',
  gc_autodiff_cos: 'cosine of autodiff vs finite-difference gradient at θ₀',
  gc_autodiff_rel: '‖g_autodiff − g_fd‖ / ‖g_fd‖ at θ₀',
  gc_analytic_cos: 'cosine of analytic vs finite-difference gradient at θ₀',
  gc_analytic_rel: '‖g_analytic − g_fd‖ / ‖g_fd‖ at θ₀',
  kinks_inside: 'neurons whose kink lies in (0, 1) at the end',
  steps_done: 'optimiser steps completed',
  wall_ms: 'wall time of the training loop, ms',
  steps_per_s: 'steps per second',
  diverged_step: 'step at which loss or parameters became NaN/Infinity',
};

/** One sentence: why the run has its state. */
export function verdictText(run: RunDetail): string {
  const m = run.metrics;
  const rel = formatMetric(m?.rel_l2 ?? null);
  const threshold = formatSetting(run.threshold);
  switch (run.status) {
    case 'done':
      return `Met the threshold: rel_l2 = ${rel} ≤ ${threshold}.`;
    case 'inaccurate':
      return `Trained to the end but missed the threshold: rel_l2 = ${rel} > ${threshold}.`;
    case 'diverged':
      return (
        `Diverged at step ${formatMetric(m?.diverged_step ?? null)}: ` +
        'the loss or the parameters became NaN or Infinity.'
      );
    case 'crashed':
      return `Crashed on every attempt: ${run.error ?? 'no error recorded'}.`;
    case 'timeout':
      return `Stopped at the time limit: ${run.error ?? 'no detail recorded'}.`;
    case 'cancelled':
      return 'Cancelled before it finished.';
    case 'running':
      return 'Being trained now; no result yet.';
    default:
      return 'Waiting for a worker; no result yet.';
  }
}

/**
 * Embeds data for a page script as JSON that cannot end the script
 * element: `<`, `>`, `&` and line separators are escaped.
 */
export function jsonBlock(id: string, value: unknown): Html {
  const text = stringifyJson(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return new Html(
    `<script type="application/json" id="${id}">${text}</script>`,
  );
}

/** The series the charts need from one run. */
function chartData(run: RunDetail) {
  const m = run.metrics;
  const piStar =
    m && m.energy !== null && m.energy_gap !== null
      ? m.energy - m.energy_gap
      : null;
  return {
    id: run.runId,
    label: `${run.runId} (${run.settings.activation}, ${run.settings.gradient})`,
    loss: run.curves.loss,
    samples: run.curves.samples,
    piStar: piStar !== null && Number.isFinite(piStar) ? piStar : null,
  };
}

function settingsTable(run: RunDetail): Html {
  const rows = SETTINGS.map(
    (s) => html`<tr class="${run.axes.includes(s) ? 'grid-axis' : ''}">
      <th scope="row">${s}</th><td>${formatSetting(run.settings[s])}</td></tr>`,
  );
  return html`<table class="kv"><caption>Settings (grid axes in bold)</caption>
    <tbody>${rows}</tbody></table>`;
}

function metricsTable(run: RunDetail): Html {
  if (!run.metrics) {
    return html`<p class="empty">No final result yet.</p>`;
  }
  const m = run.metrics;
  const rows = METRIC_NAMES.map(
    (
      name,
    ) => html`<tr><th scope="row" title="${METRIC_HELP[name] ?? ''}">${name}</th>
      <td class="num metric" data-metric="${name}">${formatMetric(m[name])}</td>
      <td class="help">${METRIC_HELP[name] ?? ''}</td></tr>`,
  );
  return html`<table class="kv metrics"><caption>Metrics (NaN and Infinity
    as computed; — when not measured)</caption><tbody>${rows}</tbody></table>`;
}

function attemptsTable(run: RunDetail): Html {
  if (run.attempts.length === 0) {
    return html`<p class="empty">No attempt yet.</p>`;
  }
  const rows = run.attempts.map(
    (a) => html`<tr>
      <td class="num">${a.attempt}</td><td class="num">${a.generation}</td>
      <td class="mono">${a.worker}</td><td>${formatTime(a.startedAt)}</td>
      <td>${a.endedAt === null ? 'under way' : formatDuration(a.endedAt - a.startedAt)}</td>
      <td>${a.outcome ?? '—'}</td><td class="error">${a.error ?? ''}</td></tr>`,
  );
  return html`<table class="attempts"><thead><tr>
    <th scope="col">attempt</th><th scope="col">generation</th><th scope="col">worker</th>
    <th scope="col">started</th><th scope="col">took</th><th scope="col">outcome</th>
    <th scope="col">error</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function charts(): Html {
  return html`<div class="charts">
    <figure><figcaption>Loss over steps</figcaption>
      <div class="chart" id="chart-loss"></div></figure>
    <figure><figcaption>u and u* over [0, 1]</figcaption>
      <div class="chart" id="chart-u"></div></figure>
    <figure><figcaption>Pointwise error |u − u*| (log scale)</figcaption>
      <div class="chart" id="chart-err"></div></figure>
  </div>
  <noscript><p>The charts need JavaScript.</p></noscript>`;
}

function neighbourLinks(data: RunPayload): Html {
  if (data.neighbours.length === 0) return html``;
  const byAxis = new Map<string, Html[]>();
  for (const n of data.neighbours) {
    const links = byAxis.get(n.axis) ?? [];
    links.push(
      html`<a href="/compare${queryString({ a: data.run.runId, b: n.runId })}"
          >${n.axis} = ${formatSetting(n.value)}</a>
        <span class="badge status-${n.status}">${n.status}</span>`,
    );
    byAxis.set(n.axis, links);
  }
  const items = [...byAxis.values()].map(
    (links) =>
      html`<li>${links.map((l, i) => (i === 0 ? l : html` · ${l}`))}</li>`,
  );
  return html`<section><h2>Compare with a run that differs in one setting</h2>
    <ul class="neighbours">${items}</ul></section>`;
}

/** The run page. */
export function runPage(ctx: PageContext, data: RunPayload): Html {
  const { run } = data;
  const map = `/sweeps/${encodeURIComponent(run.sweep)}`;
  const body = html`<div class="verdict status-${run.status}" id="verdict">
      <span class="badge status-${run.status}">${run.status}</span>
      ${verdictText(run)}
    </div>
    <p class="sweep-line">Run #${run.idx} of sweep <a href="${map}">${run.sweep}</a>
      · recorded ${formatTime(run.recordedAt)}
      · <a href="/api/runs/${run.runId}">JSON</a></p>
    ${charts()}
    <div class="two-col">${settingsTable(run)}${metricsTable(run)}</div>
    ${neighbourLinks(data)}
    <section><h2>Attempts</h2>${attemptsTable(run)}</section>
    ${jsonBlock('chart-data', { runs: [chartData(run)] })}`;
  return page(ctx, {
    title: `Run ${run.runId}`,
    nav: 'sweeps',
    crumbs: [
      ['Sweeps', '/'],
      [run.sweep, map],
    ],
    body,
    scripts: ['/static/vendor/uPlot.iife.min.js', '/static/charts.js'],
    styles: ['/static/vendor/uPlot.min.css'],
  });
}

function compareRows(
  names: readonly string[],
  a: (name: string) => string,
  b: (name: string) => string,
): Html[] {
  return names.map((name) => {
    const va = a(name);
    const vb = b(name);
    return html`<tr class="${va !== vb ? 'differs' : ''}"><th scope="row">${name}</th>
      <td class="num">${va}</td><td class="num">${vb}</td></tr>`;
  });
}

/** Two runs side by side. */
export function comparePage(ctx: PageContext, data: ComparePayload): Html {
  const { a, b } = data;
  const head = (run: RunDetail, label: string) =>
    html`<th scope="col">${label}: <a class="mono" href="/runs/${run.runId}">${run.runId}</a>
      <span class="badge status-${run.status}">${run.status}</span></th>`;
  const settings = compareRows(
    SETTINGS,
    (s) => formatSetting(a.settings[s as keyof typeof a.settings]),
    (s) => formatSetting(b.settings[s as keyof typeof b.settings]),
  );
  const metrics = compareRows(
    METRIC_NAMES,
    (m) => formatMetric(a.metrics?.[m] ?? null),
    (m) => formatMetric(b.metrics?.[m] ?? null),
  );
  const differs = data.differences.length
    ? data.differences.join(', ')
    : 'nothing (same settings)';
  const body = html`<p class="sweep-line">The runs differ in <strong>${differs}</strong>.</p>
    <div class="two-col">
      <div class="verdict status-${a.status}"><strong>A</strong>
        <span class="badge status-${a.status}">${a.status}</span> ${verdictText(a)}</div>
      <div class="verdict status-${b.status}"><strong>B</strong>
        <span class="badge status-${b.status}">${b.status}</span> ${verdictText(b)}</div>
    </div>
    ${charts()}
    <div class="two-col">
      <table class="kv compare"><caption>Settings (differences highlighted)</caption>
        <thead><tr><th scope="col">setting</th>${head(a, 'A')}${head(b, 'B')}</tr></thead>
        <tbody>${settings}</tbody></table>
      <table class="kv compare"><caption>Metrics</caption>
        <thead><tr><th scope="col">metric</th>${head(a, 'A')}${head(b, 'B')}</tr></thead>
        <tbody>${metrics}</tbody></table>
    </div>
    ${jsonBlock('chart-data', { runs: [chartData(a), chartData(b)] })}`;
  return page(ctx, {
    title: 'Compare two runs',
    nav: 'sweeps',
    crumbs: [['Sweeps', '/']],
    body,
    scripts: ['/static/vendor/uPlot.iife.min.js', '/static/charts.js'],
    styles: ['/static/vendor/uPlot.min.css'],
  });
}
