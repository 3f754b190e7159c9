/**
 * The dashboard's Express app: security headers and the token check on
 * every request, static files (uPlot from node_modules), the JSON API,
 * the pages, and an error handler that answers 4xx with a JSON (or HTML)
 * error naming the parameter, and never shows internals.
 */
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, {
  type NextFunction,
  type Request,
  type Response,
} from 'express';
import { stringifyJson } from '../coordinator/cli/json-numbers.ts';
import { InputError } from '../coordinator/input-error.ts';
import { authenticate } from './auth.ts';
import { AuthError, type ErrorBody, ParamError } from './errors.ts';
import { Html } from './html.ts';
import type { LiveHub } from './live.ts';
import { ownSiteQueries, sameOriginWrites } from './origin.ts';
import { consolePage } from './pages/console-page.ts';
import { errorPage } from './pages/error-page.ts';
import { failureMapPage } from './pages/failure-map-page.ts';
import type { PageContext } from './pages/layout.ts';
import { comparePage, runPage } from './pages/run-page.ts';
import { runsPage } from './pages/runs-page.ts';
import { sweepsPage } from './pages/sweeps-page.ts';
import { checkParamNames, type RawQuery, sweepNameParam } from './params.ts';
import {
  comparePayload,
  failureMapPayload,
  runListPayload,
  runPayload,
  sweepsPayload,
} from './payloads.ts';
import type { QueueWatch } from './queue-watch.ts';
import {
  BusyError,
  checkSqlText,
  exampleQueries,
  MAX_CONSOLE_SQL,
  type SqlConsole,
  toCsv,
} from './sql-console.ts';
import type { StoreView } from './store-view.ts';

/** What the app serves from. */
export interface AppDeps {
  view: StoreView;
  queue: QueueWatch;
  live: LiveHub;
  sqlConsole: SqlConsole;
  /** Path of the results store (only its file name is shown). */
  dbPath: string;
  /** Required token, or undefined (loopback only). */
  token: string | undefined;
  /** Called with errors that are not the request's fault (a 500). */
  onError?: (error: unknown, req: Request) => void;
}

const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'public');
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot'));

/** Content-Security-Policy: only our own scripts and styles, no frames. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const SECURITY_HEADERS: [string, string][] = [
  ['Content-Security-Policy', CSP],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  // Not `no-referrer`: under it browsers send `Origin: null` with a form
  // POST, and the console's own forms would be refused as cross-site.
  // Other sites still get no referrer.
  ['Referrer-Policy', 'same-origin'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Permissions-Policy', 'camera=(), microphone=(), geolocation=()'],
  ['Cache-Control', 'no-store'],
];

/**
 * Security headers on every answer, and the arrival time for the
 * Server-Timing header.
 */
function securityHeaders(_req: Request, res: Response, next: NextFunction) {
  res.locals.started = performance.now();
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
  next();
}

/**
 * Sends a finished body with `Server-Timing: app;dur=MS` (time spent
 * answering, queueing excluded).
 */
function sendBody(
  res: Response,
  status: number,
  type: string,
  body: Buffer,
): void {
  const started = res.locals.started as number | undefined;
  if (started !== undefined) {
    const ms = (performance.now() - started).toFixed(1);
    res.setHeader('Server-Timing', `app;dur=${ms}`);
  }
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/**
 * Serialised answers, by answer object: answers are shared from the
 * store view's cache, so a popular one is serialised once, not per request.
 */
const jsonBodies = new WeakMap<object, Buffer>();

function jsonBody(value: unknown): Buffer {
  if (typeof value !== 'object' || value === null) {
    return Buffer.from(stringifyJson(value));
  }
  let body = jsonBodies.get(value);
  if (body === undefined) {
    body = Buffer.from(stringifyJson(value));
    jsonBodies.set(value, body);
  }
  return body;
}

/** Rendered pages, by the answer and queue state they show. */
const pageBodies = new WeakMap<object, { queue: unknown; body: Buffer }>();

/** `render()` once per shared answer and queue state. */
function cachedPage(
  data: object,
  ctx: PageContext,
  render: () => Html,
): Buffer {
  const hit = pageBodies.get(data);
  if (hit && hit.queue === ctx.queue) return hit.body;
  const body = Buffer.from(render().text);
  pageBodies.set(data, { queue: ctx.queue, body });
  return body;
}

function sendJson(res: Response, value: unknown, status = 200): void {
  sendBody(res, status, 'application/json; charset=utf-8', jsonBody(value));
}

function sendHtml(res: Response, page: Html | Buffer, status = 200): void {
  const body = page instanceof Html ? Buffer.from(page.text) : page;
  sendBody(res, status, 'text/html; charset=utf-8', body);
}

/** Builds the app; the caller listens and closes. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('etag', false);
  app.use(securityHeaders);
  app.use(sameOriginWrites());
  app.use(authenticate(deps.token));

  const context = (): PageContext => ({
    storeName: basename(deps.dbPath),
    queue: deps.queue.status,
  });

  mountStatic(app);
  mountApi(app, deps);
  mountPages(app, deps, context);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const allowed = methodsAt(app, req.path);
    if (allowed.length > 0) {
      res.set('Allow', allowed.join(', '));
      return next(
        new ParamError(
          'method',
          req.method,
          allowed,
          405,
          `${req.path} does not take it`,
        ),
      );
    }
    next(
      new ParamError(
        'path',
        req.path,
        'a page or /api/... route listed in the README',
        404,
        'nothing here',
      ),
    );
  });
  app.use(errorHandler(deps, context));
  return app;
}

/**
 * What Express's router (the `router` package, 2.x) keeps of each route:
 * its methods, and a matcher for its path pattern. Its type declarations
 * leave both out.
 */
interface RouteLayer {
  route?: { methods: Record<string, boolean | undefined> };
  match(path: string): unknown;
}

/**
 * The methods the app's routes take at `path` (GET implies HEAD), read
 * from the routes themselves so the list cannot drift from them; empty
 * when no route has this path.
 */
export function methodsAt(app: express.Express, path: string): string[] {
  const methods = new Set<string>();
  for (const layer of app.router.stack as unknown as RouteLayer[]) {
    if (!layer.route) continue;
    let matches: boolean;
    try {
      matches = Boolean(layer.match(path));
    } catch {
      // A path parameter that is not valid percent-encoding: the route
      // still has this path (its handler answers 400).
      matches = true;
    }
    if (!matches) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all') methods.add(method.toUpperCase());
    }
    if (methods.has('GET')) methods.add('HEAD');
  }
  return [...methods].sort();
}

function mountStatic(app: express.Express): void {
  const vendor = (file: string) => (_req: Request, res: Response) => {
    res.set('Cache-Control', 'public, max-age=86400');
    res.sendFile(join(UPLOT_DIR, file));
  };
  app.get('/static/vendor/uPlot.iife.min.js', vendor('uPlot.iife.min.js'));
  app.get('/static/vendor/uPlot.min.css', vendor('uPlot.min.css'));
  app.use(
    '/static',
    express.static(PUBLIC_DIR, {
      index: false,
      dotfiles: 'ignore',
      etag: true,
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
    }),
  );
}

type Handler = (req: Request, res: Response) => Promise<void>;

function mountApi(app: express.Express, deps: AppDeps): void {
  const { view } = deps;
  const get = (path: string, handler: Handler) => app.get(path, handler);
  const q = (req: Request) => req.query as RawQuery;
  const sweep = (req: Request) => sweepNameParam(String(req.params.sweep));

  get('/api/sweeps', async (req, res) => {
    sendJson(res, await sweepsPayload(view, q(req)));
  });
  get('/api/sweeps/:sweep', async (req, res) => {
    checkParamNames(q(req), ['token']);
    sendJson(res, { sweep: await view.sweep(sweep(req)) });
  });
  get('/api/sweeps/:sweep/failure-map', async (req, res) => {
    sendJson(res, await failureMapPayload(view, sweep(req), q(req)));
  });
  get('/api/sweeps/:sweep/runs', async (req, res) => {
    sendJson(res, await runListPayload(view, sweep(req), q(req)));
  });
  get('/api/runs/:run', async (req, res) => {
    sendJson(res, await runPayload(view, String(req.params.run), q(req)));
  });
  get('/api/compare', async (req, res) => {
    sendJson(res, await comparePayload(view, q(req)));
  });
  get('/api/queue', async (req, res) => {
    checkParamNames(q(req), ['token']);
    sendJson(res, deps.queue.status);
  });
  get('/api/events', async (req, res) => {
    checkParamNames(q(req), ['token']);
    await deps.live.listen(req, res);
  });
  mountConsoleApi(app, deps);
}

/** Longest JSON body of a console POST, bytes. */
const JSON_BODY_LIMIT = 64 * 1024;

/**
 * Longest form body of a console POST, bytes: room for the longest SQL
 * text the console takes with every character percent-encoded from three
 * UTF-8 bytes, rounded up to whole kB.
 */
const FORM_BODY_LIMIT = Math.ceil((9 * MAX_CONSOLE_SQL) / 1024 + 1) * 1024;

/** The body types a console POST may use. */
const BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded'];

/**
 * Parses the body of a console POST: JSON `{"sql": "..."}` (scripts) or a
 * form with one field `sql` (the console page). A form lifts the length
 * limit of a URL, which Node.js puts at 16 kB with the other headers.
 */
const consoleBody = [
  express.json({ limit: JSON_BODY_LIMIT, strict: true }),
  express.urlencoded({
    extended: false,
    limit: FORM_BODY_LIMIT,
    parameterLimit: 10,
  }),
];

/**
 * Refuses at once a body that declares (Content-Length) more bytes than
 * its type may have. The body parsers see the declared length too, but
 * read the whole body off before they answer, so a client that declares
 * a terabyte and sends a few bytes was kept waiting for the rest.
 */
function declaredLength(req: Request, _res: Response, next: NextFunction) {
  const encoding = req.headers['content-encoding'] ?? 'identity';
  const declared = Number(req.headers['content-length']);
  const limit = req.is('application/json')
    ? JSON_BODY_LIMIT
    : req.is('application/x-www-form-urlencoded')
      ? FORM_BODY_LIMIT
      : undefined;
  // Compressed, the declared length is not the length parsed.
  if (limit === undefined || encoding !== 'identity' || !(declared > limit)) {
    return next();
  }
  // Shaped as the body parsers' own error, and so answered alike; the
  // answer closes the connection, the body being left unread.
  next(
    Object.assign(new Error('request body too large'), {
      status: 413,
      type: 'entity.too.large',
      limit,
    }),
  );
}

/** Mounts a console POST route: its body parsed, then `handler`. */
function postConsole(app: express.Express, path: string, handler: Handler) {
  app.post(path, declaredLength, ...consoleBody, handler);
}

/** The `sql` of a console POST, its parameters and fields checked. */
function sqlOfBody(req: Request): unknown {
  checkParamNames(req.query as RawQuery, ['token']);
  if (!req.is(BODY_TYPES)) {
    throw new ParamError(
      'content-type',
      req.headers['content-type'] ?? '',
      BODY_TYPES,
      415,
      'send JSON {"sql": "..."} or a form with the field sql',
    );
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ParamError('body', body, 'a JSON object {"sql": "..."}');
  }
  checkParamNames(body, ['sql']);
  return body.sql;
}

function mountConsoleApi(app: express.Express, deps: AppDeps): void {
  const { sqlConsole, view } = deps;
  const q = (req: Request) => req.query as RawQuery;
  app.get('/api/console', async (req, res) => {
    checkParamNames(q(req), ['token']);
    const sweeps = await view.sweeps();
    sendJson(res, {
      examples: exampleQueries(sweeps.map((s) => s.name)),
      schema: await view.schema(),
      limits: sqlConsole.limits,
    });
  });
  app.get('/api/query', ownSiteQueries(), async (req, res) => {
    checkParamNames(q(req), ['sql', 'token']);
    sendJson(res, await sqlConsole.run(q(req).sql));
  });
  postConsole(app, '/api/query', async (req, res) => {
    sendJson(res, await sqlConsole.run(sqlOfBody(req)));
  });
  const sendCsv = async (res: Response, sql: unknown) => {
    const result = await sqlConsole.run(sql, sqlConsole.limits.csvMaxRows);
    // A CSV has no place to say it was cut short: a header does.
    if (result.truncated) res.setHeader('X-Rows-Truncated', 'true');
    res
      .status(200)
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', 'attachment; filename="query.csv"')
      .send(toCsv(result));
  };
  app.get('/api/query.csv', ownSiteQueries(), async (req, res) => {
    checkParamNames(q(req), ['sql', 'token']);
    await sendCsv(res, q(req).sql);
  });
  postConsole(app, '/api/query.csv', async (req, res) => {
    await sendCsv(res, sqlOfBody(req));
  });
}

function mountPages(
  app: express.Express,
  deps: AppDeps,
  context: () => PageContext,
): void {
  const { view } = deps;
  const q = (req: Request) => req.query as RawQuery;
  const sweep = (req: Request) => sweepNameParam(String(req.params.sweep));
  const get = (path: string, handler: Handler) => app.get(path, handler);

  get('/', async (req, res) => {
    sendHtml(res, sweepsPage(context(), await sweepsPayload(view, q(req))));
  });
  get('/sweeps/:sweep', async (req, res) => {
    const data = await failureMapPayload(view, sweep(req), q(req));
    const ctx = context();
    sendHtml(
      res,
      cachedPage(data, ctx, () => failureMapPage(ctx, data)),
    );
  });
  get('/sweeps/:sweep/runs', async (req, res) => {
    const data = await runListPayload(view, sweep(req), q(req));
    sendHtml(res, runsPage(context(), data));
  });
  get('/runs/:run', async (req, res) => {
    const data = await runPayload(view, String(req.params.run), q(req));
    sendHtml(res, runPage(context(), data));
  });
  get('/compare', async (req, res) => {
    sendHtml(res, comparePage(context(), await comparePayload(view, q(req))));
  });
  app.get('/console', ownSiteQueries(), async (req, res) => {
    checkParamNames(q(req), ['sql', 'token']);
    await sendConsole(res, deps, context(), q(req).sql);
  });
  // The page's form posts a statement too long for a URL.
  postConsole(app, '/console', async (req, res) => {
    await sendConsole(res, deps, context(), sqlOfBody(req));
  });
}

/**
 * The console page: the examples, and the result of `raw` (or the first
 * example when no statement was sent) or why it was refused.
 */
async function sendConsole(
  res: Response,
  deps: AppDeps,
  ctx: PageContext,
  raw: unknown,
): Promise<void> {
  const { view, sqlConsole } = deps;
  const [sweeps, schema] = await Promise.all([view.sweeps(), view.schema()]);
  const examples = exampleQueries(sweeps.map((s) => s.name));
  let sql = examples[0].sql;
  let result = null;
  let error: string | null = null;
  if (typeof raw === 'string') {
    // A statement the console refuses (too long, say) is shown back in
    // its box with the reason, not lost to an error page.
    try {
      sql = checkSqlText(raw);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      sql = raw;
      error = e.message;
    }
  } else if (raw !== undefined) sql = checkSqlText(raw);
  if (raw !== undefined && error === null) {
    try {
      result = await sqlConsole.run(sql);
    } catch (e) {
      if (!(e instanceof InputError) && !(e instanceof BusyError)) throw e;
      error = e.message;
    }
  }
  const status = error ? 400 : 200;
  sendHtml(
    res,
    consolePage(ctx, {
      sql,
      result,
      error,
      examples,
      schema,
      ...sqlConsole.limits,
    }),
    status,
  );
}

/** The JSON body of any error, and its HTTP status. */
export function errorBody(error: unknown): ErrorBody {
  if (error instanceof ParamError) return error.toBody();
  if (error instanceof AuthError || error instanceof BusyError) {
    return { error: { status: error.status, message: error.message } };
  }
  if (error instanceof InputError) {
    return { error: { status: 400, message: error.message } };
  }
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { error: { status, message: bodyErrorMessage(error, status) } };
  }
  return {
    error: {
      status: 500,
      message: 'the dashboard failed to answer; the cause is in its log',
    },
  };
}

/** What was wrong with a request body that could not be read. */
function bodyErrorMessage(error: unknown, status: number): string {
  const { type, limit } = error as { type?: unknown; limit?: unknown };
  if (type === 'entity.parse.failed') {
    return 'the request body is not valid JSON';
  }
  if (type === 'entity.too.large' && typeof limit === 'number') {
    return `the request body is too large (at most ${Math.round(limit / 1024)} kB)`;
  }
  if (type === 'parameters.too.many') {
    return 'the form has too many fields; send only sql';
  }
  return `malformed request (HTTP ${status})`;
}

/**
 * Whether a body the request declares is still (partly) unread, as when
 * it is refused before its body is parsed. Node.js would read and discard
 * the rest to use the connection again, and a client that declared a
 * terabyte would hold it until the request timeout: closing the
 * connection after the answer ends that.
 */
function bodyLeftUnread(req: Request): boolean {
  const declared =
    Number(req.headers['content-length'] ?? 0) > 0 ||
    req.headers['transfer-encoding'] !== undefined;
  return declared && !req.complete;
}

function errorHandler(deps: AppDeps, context: () => PageContext) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const body = errorBody(error);
    if (body.error.status === 500) deps.onError?.(error, req);
    if (res.headersSent) {
      res.end();
      return;
    }
    if (body.error.status === 401) {
      res.set('WWW-Authenticate', 'Bearer realm="pinn-sweep dashboard"');
    }
    if (bodyLeftUnread(req)) res.set('Connection', 'close');
    const wantsJson = req.path.startsWith('/api/') || !req.accepts('html');
    if (wantsJson) return sendJson(res, body, body.error.status);
    const ctx: PageContext =
      body.error.status === 401 ? { storeName: '', queue: null } : context();
    sendHtml(res, errorPage(ctx, body), body.error.status);
  };
}
