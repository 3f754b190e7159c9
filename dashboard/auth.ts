/**
 * Who may use the dashboard. Bound to loopback without a token, only
 * requests naming a loopback host are served (a web page elsewhere cannot
 * reach it through DNS rebinding). With a token, every request (pages,
 * API, live stream, static files) must carry it: as
 * `Authorization: Bearer TOKEN`, as the cookie set by opening any page with
 * `?token=TOKEN` once, or as that query parameter.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthError } from './errors.ts';

/** Name of the cookie that carries the token. */
export const TOKEN_COOKIE = 'pinn_sweep_token';

/** Shortest token accepted, characters. */
export const MIN_TOKEN_LENGTH = 16;

/** Whether `host` (a bind address) is the loopback interface. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare)
  );
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares two secrets in time independent of where they differ. */
export function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function cookieToken(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at === -1) continue;
    if (part.slice(0, at).trim() !== TOKEN_COOKIE) continue;
    try {
      return decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function bearerToken(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function queryToken(req: Request): string | undefined {
  const value = (req.query as Record<string, unknown>).token;
  return typeof value === 'string' ? value : undefined;
}

/** The URL of the request without its `token` parameter. */
function withoutToken(req: Request): string {
  const url = new URL(req.originalUrl, 'http://dashboard.invalid');
  url.searchParams.delete('token');
  return `${url.pathname}${url.search}`;
}

/**
 * Checks every request: the token when one is set, else the Host header.
 *
 * @param token the secret; undefined when bound to loopback without one
 */
export function authenticate(token: string | undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (token === undefined) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (isLoopback(host)) return next();
      return next(
        new AuthError(
          `this dashboard answers only to 127.0.0.1, localhost or [::1]; ` +
            `the request named host "${host}"`,
          403,
        ),
      );
    }
    const fromQuery = queryToken(req);
    if (fromQuery !== undefined && sameToken(fromQuery, token)) {
      res.cookie(TOKEN_COOKIE, fromQuery, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
      });
      const page = req.method === 'GET' && !req.path.startsWith('/api/');
      if (page) return res.redirect(303, withoutToken(req));
      return next();
    }
    const given = bearerToken(req) ?? cookieToken(req);
    if (given !== undefined && sameToken(given, token)) return next();
    next(
      new AuthError(
        given === undefined && fromQuery === undefined
          ? 'a token is required: open the URL that `sweep dashboard` ' +
              'printed, or send Authorization: Bearer TOKEN'
          : 'the token is wrong',
      ),
    );
  };
}
