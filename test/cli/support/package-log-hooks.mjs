// Module hooks of package-log.mjs: they run in the loader's own thread.
import { appendFileSync } from 'node:fs';

const LOG = process.env.SWEEP_PACKAGE_LOG;
const PACKAGE = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const name = PACKAGE.exec(resolved.url)?.[1];
  if (LOG && name) appendFileSync(LOG, `${name}\n`);
  return resolved;
}
