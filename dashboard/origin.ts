/**
 * Refuses requests that another web site makes a browser send. A page on
 * any other origin (another port of 127.0.0.1 included) can make the
 * user's browser POST to the dashboard, and a POST to the console runs a
 * query: enough of them keep the console busy (429s) for its user. With a
 * token, the cookie is `SameSite=Strict` and so never rides along; without
 * one (loopback, the default) nothing else stops such a request.
 *
 * Browsers say where a request comes from: `Origin` on every request that
 * is not a GET or HEAD, and `Sec-Fetch-Site` on every request to a
 * trustworthy address (loopback, HTTPS). Scripts and `curl` send neither,
 * and pass.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ParamError } from './errors.ts';

/** Methods that change nothing and may come from anywhere. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** `Sec-Fetch-Site` values of a request from our own pages or the user. */
const OWN_SITE = ['same-origin', 'none'];

/** The origin the request was addressed to: scheme and Host header. */
export function ownOrigin(req: Request): string {
  return `${req.protocol}://${req.headers.host ?? ''}`.toLowerCase();
}

/**
 * Why `req` must be refused as sent by another site, judged by its
 * `Origin` header or else its `Sec-Fetch-Site`; null when it may pass.
 */
function crossSiteError(req: Request): ParamError | null {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const own = ownOrigin(req);
    if (origin.toLowerCase() === own) return null;
    return new ParamError(
      'Origin',
      origin,
      [own],
      403,
      origin === 'null'
        ? 'a page that hides its origin (a sandboxed frame, a local file) ' +
            'sent this request; only pages of this dashboard may'
        : 'another site sent this request; only pages of this dashboard may',
    );
  }
  return fetchSiteError(req);
}

/** Why `req` must be refused by its `Sec-Fetch-Site`; null if absent. */
function fetchSiteError(req: Request): ParamError | null {
  const site = req.headers['sec-fetch-site'];
  if (site === undefined) return null;
  const value = String(site);
  if (OWN_SITE.includes(value)) return null;
  return new ParamError(
    'Sec-Fetch-Site',
    value,
    OWN_SITE,
    403,
    'the browser says another site sent this request; only pages of ' +
      'this dashboard may',
  );
}

/**
 * Lets a GET or HEAD through; any other method must come from the
 * dashboard's own origin (or from outside a browser), else a 403.
 */
export function sameOriginWrites(): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const error = crossSiteError(req);
    next(error ?? undefined);
  };
}

/**
 * For GET routes that run the SQL in their URL. A GET needs no script to
 * be sent: another site's `<img src=".../api/query.csv?sql=...">` makes
 * the browser send one, unseen, as often as that site likes. Such a
 * request says `Sec-Fetch-Site: cross-site` (or `same-site`, from another
 * port), and is refused. One kind is let through: the user following a
 * link from elsewhere to a query (`Sec-Fetch-Mode: navigate`,
 * `Sec-Fetch-Dest: document`), since console URLs are meant to be shared;
 * a navigation replaces the page the user sees, so a site cannot repeat
 * it unnoticed. Frames cannot show the dashboard (`frame-ancestors
 * 'none'`) and are refused here too (their destination is `iframe`).
 * Browsers that send no `Sec-Fetch-Site` (plain HTTP to an address other
 * than loopback) are not judged; there the token guards the dashboard.
 */
export function ownSiteQueries(): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const error = fetchSiteError(req);
    const followedLink =
      req.headers['sec-fetch-mode'] === 'navigate' &&
      req.headers['sec-fetch-dest'] === 'document';
    next(error && !followedLink ? error : undefined);
  };
}
