/**
 * The frame of every page: head, navigation, the queue's state, and the
 * scripts the page needs (served from /static; no inline script).
 */
import { formatCount, formatCountOf, formatDuration } from '../format.ts';
import { Html, type HtmlValue, html } from '../html.ts';
import type { QueueStatus } from '../queue-watch.ts';

/** What every page shows besides its own content. */
export interface PageContext {
  /** File name of the results store ('' to hide it). */
  storeName: string;
  /** The queue's state; null to hide it. */
  queue: QueueStatus | null;
}

/** One page. */
export interface PageSpec {
  title: string;
  /** Which navigation entry is current. */
  nav: 'sweeps' | 'console' | 'none';
  /** Breadcrumb links before the title: [label, href]. */
  crumbs?: [string, string][];
  body: Html;
  /** Script files under /static (besides none by default). */
  scripts?: string[];
  /** Style sheets under /static besides style.css. */
  styles?: string[];
}

/**
 * The queue badge: local mode, Redis counts, connecting, or Redis
 * unreachable.
 */
export function queueBadge(queue: QueueStatus): Html {
  if (queue.mode === 'local') {
    return html`<span class="queue queue-local" id="queue-status"
      >Local mode (no Redis)</span
    >`;
  }
  if (queue.reachable) {
    const c = queue.counts;
    return html`<span class="queue queue-ok" id="queue-status"
      >Redis: ${formatCount(c.waiting)} waiting · ${formatCount(c.active)}
      active · ${formatCountOf(c.workers, 'worker')}</span
    >`;
  }
  if (queue.connecting) {
    return html`<span class="queue queue-local" id="queue-status"
      >Redis: connecting to ${queue.url}…</span
    >`;
  }
  const since =
    queue.since === null
      ? ''
      : ` for ${formatDuration(Date.now() - queue.since)}`;
  return html`<span
    class="queue queue-down"
    id="queue-status"
    role="status"
    title="${queue.error}"
    >Redis unreachable${since} — showing the store only</span
  >`;
}

/** A whole HTML document. */
export function page(ctx: PageContext, spec: PageSpec): Html {
  const navLink = (key: PageSpec['nav'], href: string, label: string) =>
    html`<a href="${href}" ${key === spec.nav ? new Html('aria-current="page"') : ''}
      >${label}</a
    >`;
  const crumbs: HtmlValue = (spec.crumbs ?? []).map(
    ([label, href]) =>
      html`<a href="${href}">${label}</a> <span aria-hidden="true">›</span> `,
  );
  const scripts = (spec.scripts ?? []).map(
    (src) => html`<script src="${src}" defer></script>`,
  );
  const styles = (spec.styles ?? []).map(
    (href) => html`<link rel="stylesheet" href="${href}" />`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${spec.title} · pinn-sweep</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
<link rel="stylesheet" href="/static/style.css" />
${styles}${scripts}
</head>
<body>
<header class="top">
  <a class="brand" href="/">pinn-sweep</a>
  <nav aria-label="Main">
    ${navLink('sweeps', '/', 'Sweeps')} ${navLink('console', '/console', 'SQL console')}
  </nav>
  ${ctx.storeName ? html`<span class="store" title="results store">${ctx.storeName}</span>` : ''}
  ${ctx.queue ? queueBadge(ctx.queue) : ''}
</header>
<main>
  ${spec.crumbs ? html`<p class="crumbs">${crumbs}</p>` : ''}
  <h1>${spec.title}</h1>
  ${spec.body}
</main>
</body>
</html>
`;
}
