/**
 * A dashboard over a fresh synthetic store in a temp dir, on an ephemeral
 * 127.0.0.1 port, with small helpers to request it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nonFiniteReviver } from '../../coordinator/cli/json-numbers.ts';
import {
  type DashboardOptions,
  type RunningDashboard,
  startDashboard,
} from '../../dashboard/server.ts';
import {
  createSyntheticSweep,
  type SyntheticOptions,
  type SyntheticSweep,
} from '../support/synthetic-sweep.ts';

/** A running dashboard and its store. */
export interface Harness {
  dir: string;
  dbPath: string;
  sweep: SyntheticSweep;
  dashboard: RunningDashboard;
  /** Internal errors the app reported (tests expect none). */
  errors: unknown[];
  /** GET (or other method) a path; resolves status, headers and body. */
  fetch(path: string, init?: RequestInit): Promise<Reply>;
  /** Stops the dashboard and removes the temp dir. */
  close(): Promise<void>;
}

/** A response, read whole. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON ("NaN", "Infinity" kept as strings). */
  json(): unknown;
}

/** A fresh temp dir for a test's store. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pinn-dashboard-'));
}

/** Starts a dashboard over a new synthetic sweep. */
export async function startHarness(
  sweep: SyntheticOptions = {},
  options: Partial<DashboardOptions> = {},
): Promise<Harness> {
  const dir = tempDir();
  const dbPath = join(dir, 'sweeps.sqlite');
  const created = await createSyntheticSweep(dbPath, sweep);
  const errors: unknown[] = [];
  const dashboard = await startDashboard({
    dbPath,
    port: 0,
    refreshMs: 50,
    onError: (error) => errors.push(error),
    ...options,
  });
  const base = dashboard.url.replace(/\/$/, '');
  return {
    dir,
    dbPath,
    sweep: created,
    dashboard,
    errors,
    async fetch(path, init) {
      const res = await fetch(`${base}${path}`, {
        redirect: 'manual',
        ...init,
      });
      const text = await res.text();
      return {
        status: res.status,
        headers: res.headers,
        text,
        json: () => JSON.parse(text),
      };
    },
    async close() {
      await dashboard.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** JSON with "NaN"/"Infinity" read back as numbers. */
export function parseNumbers(text: string): unknown {
  return JSON.parse(text, nonFiniteReviver);
}

/**
 * A raw GET with chosen headers (fetch does not let a test set `Host`).
 */
export function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return rawRequest(url, 'GET', headers).then(({ status, text }) => ({
    status,
    text,
  }));
}

/** A raw reply: status, headers and body text. */
export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * A request with any method, headers and body exactly as given (fetch
 * adds and checks headers of its own).
 */
export function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}
