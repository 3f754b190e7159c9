/**
 * The Sweeps page: every sweep with its counts per state, progress,
 * throughput, ETA and times; kept live by /static/sweeps.js.
 */
import { RUN_STATUSES } from '../../workers/result.ts';
import {
  formatCount,
  formatDuration,
  formatPercent,
  formatTime,
} from '../format.ts';
import { type Html, html } from '../html.ts';
import type { SweepsPayload } from '../payloads.ts';
import type { SweepProgress } from '../sweep-progress.ts';
import { type PageContext, page } from './layout.ts';

/** Short explanation of each state, for tooltips and the legend. */
export const STATUS_HELP: Record<string, string> = {
  queued: 'waiting for a worker',
  running: 'being trained now',
  done: 'trained and met the accuracy threshold',
  inaccurate: 'trained to the end but missed the threshold',
  diverged: 'loss or parameters became NaN or Infinity',
  crashed: 'the training task failed on every attempt',
  timeout: 'exceeded the per-run time limit',
  cancelled: 'cancelled by the user',
};

function countChips(s: SweepProgress): Html {
  const chips = RUN_STATUSES.map(
    (status) => html`<span
      class="chip status-${status}${s.counts[status] === 0 ? ' zero' : ''}"
      title="${status}: ${STATUS_HELP[status]}"
      data-count="${status}"
      ><span class="chip-label">${status}</span>
      <span class="chip-value">${formatCount(s.counts[status])}</span></span
    >`,
  );
  return html`<div class="chips">${chips}</div>`;
}

function throughputText(s: SweepProgress): string {
  if (s.throughputPerMin === null) return '—';
  const perMin = s.throughputPerMin;
  return perMin >= 10
    ? `${formatCount(Math.round(perMin))} runs/min`
    : `${perMin.toFixed(1)} runs/min`;
}

function sweepRow(s: SweepProgress): Html {
  const map = `/sweeps/${encodeURIComponent(s.name)}`;
  return html`<tr data-sweep="${s.name}">
    <th scope="row" class="sweep-name"><a href="${map}">${s.name}</a></th>
    <td><span class="state state-${s.state}" data-field="state">${s.state}</span></td>
    <td class="progress-cell">
      <progress max="${s.total}" value="${s.finals}" data-field="bar"
        aria-label="${s.name} progress"></progress>
      <span data-field="progress">${formatCount(s.finals)} / ${formatCount(s.total)}
        (${formatPercent(s.progress)})</span>
    </td>
    <td>${countChips(s)}</td>
    <td class="num" data-field="failed">${formatCount(s.failed)}</td>
    <td class="num" data-field="throughput">${throughputText(s)}</td>
    <td class="num" data-field="eta">${formatDuration(s.etaMs)}</td>
    <td data-field="started">${formatTime(s.startedAt)}</td>
    <td data-field="finished">${formatTime(s.finishedAt)}</td>
  </tr>`;
}

/** The Sweeps page. */
export function sweepsPage(ctx: PageContext, data: SweepsPayload): Html {
  const body =
    data.sweeps.length === 0
      ? html`<p class="empty">No sweeps in this store yet. Start one with
          <code>sweep run SPEC</code>; it appears here as soon as it is
          recorded.</p>`
      : html`<table class="sweeps" id="sweeps">
          <caption>
            Every sweep in the store, newest first. Live: counts update as
            results arrive. Open a sweep for its failure map.
          </caption>
          <thead>
            <tr>
              <th scope="col">Sweep</th>
              <th scope="col">State</th>
              <th scope="col">Progress</th>
              <th scope="col">Runs per state</th>
              <th scope="col">Failed</th>
              <th scope="col">Throughput</th>
              <th scope="col">ETA</th>
              <th scope="col">Started</th>
              <th scope="col">Finished</th>
            </tr>
          </thead>
          <tbody>
            ${data.sweeps.map(sweepRow)}
          </tbody>
        </table>`;
  return page(ctx, {
    title: 'Sweeps',
    nav: 'sweeps',
    body: html`${body}
      <p class="live" id="live-status" aria-live="polite">Live updates: connecting…</p>`,
    scripts: ['/static/common.js', '/static/sweeps.js'],
  });
}
