/**
 * The SQL console: a query box, saved examples, the result as a table and
 * a CSV download. Works without JavaScript: the form is a GET (console.js
 * posts a statement too long for a URL), the download a form POST.
 */

import type { ExampleQuery } from '../../coordinator/store/example-queries.ts';
import type { QueryResult } from '../../coordinator/store/read-only-query.ts';
import { formatCount, formatCountOf } from '../format.ts';
import { type Html, html, queryString } from '../html.ts';
import type { SchemaTable } from '../store-view.ts';
import { type PageContext, page } from './layout.ts';

/** What the console page shows. */
export interface ConsoleView {
  sql: string;
  result: QueryResult | null;
  /** The message of a refused or failed query. */
  error: string | null;
  examples: ExampleQuery[];
  schema: SchemaTable[];
  maxRows: number;
  csvMaxRows: number;
  timeoutMs: number;
}

function resultTable(view: ConsoleView, result: QueryResult): Html {
  const header = result.columns.map((c) => html`<th scope="col">${c}</th>`);
  const rows = result.rows.map(
    (row) =>
      html`<tr>${row.map((v) =>
        v === null
          ? html`<td class="null">NULL</td>`
          : html`<td class="${typeof v === 'number' ? 'num' : ''}">${String(v)}</td>`,
      )}</tr>`,
  );
  const more = result.truncated
    ? html` — only the first ${formatCount(view.maxRows)} rows are shown;
        the CSV has up to ${formatCount(view.csvMaxRows)}`
    : '';
  // A form, not a link: the statement travels in the body, where its
  // length is not bound by the URL's.
  return html`<div class="result-line" id="result-line">
      ${formatCountOf(result.rows.length, 'row')} in ${Math.round(result.elapsedMs)} ms${more}
      · <form method="post" action="/api/query.csv" class="csv-form"
        id="csv-form"><input type="hidden" name="sql" value="${view.sql}"
        ><button type="submit" class="link" id="csv-download"
        >Download CSV</button></form></div>
    <div class="result-wrap"><table class="result" id="result">
      <thead><tr>${header}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function schemaList(schema: ConsoleView['schema']): Html {
  const items = schema.map(
    (t) => html`<li><code>${t.name}</code> <span class="kind">${t.type}</span>:
      ${t.columns.map((c, i) => html`${i > 0 ? ', ' : ''}<code>${c}</code>`)}</li>`,
  );
  return html`<details class="schema"><summary>Tables and columns</summary>
    <p>Query the <code>results</code> view first: one row per run with its
    sweep, settings and final metrics (<code>failed</code> is 1 for
    inaccurate, diverged, crashed and timeout). NaN metrics are NULL there,
    with their names in <code>nan_metrics</code>; ±Infinity are real
    values.</p><ul>${items}</ul></details>`;
}

/** The console page. */
export function consolePage(ctx: PageContext, view: ConsoleView): Html {
  const examples = view.examples.map(
    (e) =>
      html`<li><a href="/console${queryString({ sql: e.sql })}">${e.title}</a></li>`,
  );
  const outcome = view.error
    ? html`<div class="error-box" role="alert" id="query-error">${view.error}</div>`
    : view.result
      ? resultTable(view, view.result)
      : '';
  const body = html`<div class="console">
    <div class="console-main">
    <form method="get" action="/console" class="query-form" id="query-form">
      <label for="sql">One read-only statement (SELECT, WITH, VALUES or
        EXPLAIN) over the results store</label>
      <textarea id="sql" name="sql" rows="8" spellcheck="false"
        required>${view.sql}</textarea>
      <div class="buttons"><button type="submit" id="run-query">Run query</button>
        <span class="hint">Ctrl+Enter runs it · time limit ${formatCount(view.timeoutMs)} ms
        · at most ${formatCount(view.maxRows)} rows shown</span></div>
    </form>
    ${outcome}
    </div>
    <aside class="examples"><h2>Examples</h2><ul>${examples}</ul>
      ${schemaList(view.schema)}</aside>
  </div>`;
  return page(ctx, {
    title: 'SQL console',
    nav: 'console',
    body,
    scripts: ['/static/common.js', '/static/console.js'],
  });
}
