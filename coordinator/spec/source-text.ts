/**
 * Reads the text of a spec file (YAML or JSON) into plain data, keeping a
 * way back to how each scalar was spelled for error and duplicate messages.
 */
import { type Document, isScalar, parseDocument } from 'yaml';
import { counted, listError } from './report.ts';

/** The formats a spec can be written in. */
export type SpecFormat = 'yaml' | 'json';

/** A path into the spec: keys and list indices. */
export type SpecPath = readonly (string | number)[];

/** A spec's data and the source spelling of its scalars. */
export interface SourceData {
  /** Plain data: objects, arrays, strings, numbers, booleans, null. */
  value: unknown;
  /** Notes from the parser that do not stop it (YAML only). */
  warnings: string[];
  /**
   * The text of the scalar at `path` exactly as written (`1e-3`, `"0.5"`
   * with its quotes), or undefined when there is none.
   */
  spelling(path: SpecPath): string | undefined;
}

/**
 * Parses spec text.
 *
 * @param source file name or label used in messages
 * @throws InputError listing every syntax error as `source:line:column:`
 */
export function readSourceText(
  text: string,
  format: SpecFormat,
  source: string,
): SourceData {
  const body = text.replace(/^\uFEFF/, '');
  return format === 'json' ? readJson(body, source) : readYaml(body, source);
}

function readYaml(text: string, source: string): SourceData {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) => {
      const at = error.linePos?.[0];
      const reason =
        error.code === 'MULTIPLE_DOCS'
          ? secondDocument(text, error.pos[0], at?.line)
          : firstLine(error.message);
      return located(source, at?.line, at?.col, reason);
    });
    throw syntaxError(source, 'YAML', issues);
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // The parser refuses documents whose aliases would expand without
    // bound; that is a fault of the file, not of the program.
    const message = firstLine((error as Error).message);
    throw syntaxError(source, 'YAML', [`${source}: ${message}`]);
  }
  return {
    value,
    warnings: doc.warnings.map((w) => `${source}: ${firstLine(w.message)}`),
    spelling: spellingIn(doc, text),
  };
}

/**
 * The YAML library reads a file of several documents only through another
 * call; a spec is one sweep, so the reader is told where the second starts.
 */
function secondDocument(text: string, offset: number, line?: number) {
  const where = line === undefined ? '' : ` at line ${line}`;
  const how = text.startsWith('---', offset)
    ? ' with "---"'
    : ', after the "..." that ends the first';
  return (
    `a sweep spec is one YAML document, but a second one starts${where}` +
    `${how}: write each sweep in its own file`
  );
}

function readJson(text: string, source: string): SourceData {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw syntaxError(source, 'JSON', [jsonIssue(text, source, error)]);
  }
  // JSON is YAML: the YAML reader finds the spelling of each number, and
  // the repeated keys that JSON.parse would silently collapse.
  const doc = parseDocument(text);
  const repeated = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY');
  if (repeated.length > 0) {
    const issues = repeated.map((error) => {
      const at = error.linePos?.[0];
      return located(source, at?.line, at?.col, 'the same key appears twice');
    });
    throw syntaxError(source, 'JSON', issues);
  }
  const spelling = doc.errors.length === 0 ? spellingIn(doc, text) : noSpelling;
  return { value, warnings: [], spelling };
}

function jsonIssue(text: string, source: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // The engine's message may quote the text around the error, newlines
  // and all; the line and column say where it is.
  const reason = message
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/^(Unexpected token '.+?'), .* is not valid JSON$/s, '$1');
  const { line, col } = lineAndColumn(text, errorOffset(text, message));
  return located(source, line, col, reason);
}

/**
 * Where JSON.parse stopped. Some of its messages name no position
 * ("Unexpected token ']'"): then the shortest prefix of the text that is
 * already wrong, rather than merely unfinished, is found by bisection.
 */
function errorOffset(text: string, message: string): number {
  const position = positionIn(message);
  if (position !== undefined) return position;
  if (/end of JSON input/.test(message)) return text.length;
  let fine = 0;
  let wrong = text.length;
  while (wrong - fine > 1) {
    const middle = (fine + wrong) >> 1;
    if (isWrongPrefix(text.slice(0, middle))) wrong = middle;
    else fine = middle;
  }
  return wrong - 1;
}

function isWrongPrefix(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/end of JSON input/.test(message)) return false;
    const position = positionIn(message);
    return position === undefined || position < prefix.length;
  }
}

function positionIn(message: string): number | undefined {
  const match = /at position (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
}

function lineAndColumn(text: string, offset: number) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return { line, col };
}

function located(
  source: string,
  line: number | undefined,
  col: number | undefined,
  reason: string,
): string {
  if (line === undefined) return `${source}: ${reason}`;
  return `${source}:${line}:${col ?? 1}: ${reason}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function syntaxError(source: string, kind: string, issues: string[]) {
  const head = `${source}: not valid ${kind} (${counted(issues.length, 'error')})`;
  return listError(head, issues, 'error');
}

function spellingIn(doc: Document, text: string) {
  return (path: SpecPath): string | undefined => {
    const node = doc.getIn(path, true);
    if (!isScalar(node) || !node.range) return undefined;
    return text.slice(node.range[0], node.range[1]);
  };
}

function noSpelling(): undefined {
  return undefined;
}
