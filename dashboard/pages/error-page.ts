/**
 * The page shown for a refused request: what was wrong and what is allowed.
 */
import type { ErrorBody } from '../errors.ts';
import { type Html, html } from '../html.ts';
import { type PageContext, page } from './layout.ts';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Token required',
  403: 'Not served to this address',
  404: 'Not found',
  405: 'Method not allowed',
  429: 'Busy',
  500: 'Something went wrong',
};

/** Headers that refuse a request as sent by another site (403). */
const CROSS_SITE_HEADERS = ['Origin', 'Sec-Fetch-Site'];

/** An error page for `body`. */
export function errorPage(ctx: PageContext, body: ErrorBody): Html {
  const e = body.error;
  const crossSite = CROSS_SITE_HEADERS.includes(e.parameter ?? '');
  const allowed = Array.isArray(e.allowed)
    ? e.allowed.join(', ')
    : (e.allowed ?? '');
  const details = e.parameter
    ? html`<dl class="error-details">
        <dt>Parameter</dt><dd><code>${e.parameter}</code></dd>
        <dt>Value</dt><dd><code>${e.value ?? ''}</code></dd>
        <dt>Allowed</dt><dd>${allowed}</dd>
      </dl>`
    : '';
  return page(ctx, {
    title: crossSite
      ? 'Refused: sent by another site'
      : (TITLES[e.status] ?? `Error ${e.status}`),
    nav: 'none',
    body: html`<div class="error-box" role="alert">${e.message}</div>
      ${details}
      <p><a href="/">Back to the sweeps</a></p>`,
  });
}
