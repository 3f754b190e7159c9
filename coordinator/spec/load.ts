/**
 * Reads a sweep spec file, choosing YAML or JSON by its extension.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { InputError } from '../input-error.ts';
import { parseSpecText } from './plan.ts';
import type { SpecFormat } from './source-text.ts';
import type { SweepPlan } from './types.ts';

/** File extensions a spec may have, and the format each means. */
export const SPEC_EXTENSIONS: Readonly<Record<string, SpecFormat>> = {
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.json': 'json',
};

/**
 * Reads, validates and expands the spec at `path` (`.yaml`, `.yml` or
 * `.json`, any letter case).
 *
 * @throws InputError for another extension, a file that cannot be read,
 *   or any problem `parseSpecText` finds
 */
export async function loadSpecFile(path: string): Promise<SweepPlan> {
  const extension = extname(path).toLowerCase();
  const format = SPEC_EXTENSIONS[extension];
  if (!format) {
    const allowed = Object.keys(SPEC_EXTENSIONS).join(', ');
    const got = extension ? `"${extension}"` : 'none';
    throw new InputError(
      `${path}: a sweep spec is a file ending in ${allowed} (got ${got})`,
    );
  }
  return parseSpecText(await readText(path), format, path);
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory, not a spec file'
          : `cannot be read (${code ?? String(error)})`;
    throw new InputError(`${path}: ${reason}`);
  }
}
