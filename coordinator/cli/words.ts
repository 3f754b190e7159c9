/**
 * Small pieces of the CLI's sentences: counts with their noun, and
 * messages continued by more of the sentence.
 */

/**
 * `1 run`, `3 runs`, `60,000 runs`; `irregular` is the plural when it is
 * not NOUNs.
 */
export function plural(n: number, noun: string, irregular?: string): string {
  return `${count(n)} ${n === 1 ? noun : (irregular ?? `${noun}s`)}`;
}

/**
 * A message to be continued (`…: MESSAGE; retrying`): without the full
 * stop that error messages of libraries often end with.
 */
export function clause(message: string): string {
  return message.trimEnd().replace(/(?<!\.)\.$/, '');
}

/** `60000` → `60,000`. */
export function count(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 20 });
}
