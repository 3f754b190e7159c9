/**
 * The network parameters θ = (w, a, c, d) of N(x) = Σᵢ cᵢ σ(wᵢ x + aᵢ) + d:
 * one Float64Array of length 3W + 1, laid out
 * [w₀ … w_{W−1}, a₀ … a_{W−1}, c₀ … c_{W−1}, d].
 */
import { ConfigError, type RunConfig } from '../run-config.ts';
import { createRng } from './prng.ts';

/** θ as plain data, the shape of `sweep gradcheck --params FILE`. */
export interface ParamsObject {
  w: number[];
  a: number[];
  c: number[];
  d: number;
}

/** Number of parameters of a width-W network: 3W + 1. */
export function paramCount(width: number): number {
  return 3 * width + 1;
}

/** The width W of a θ of length 3W + 1. */
export function widthOf(theta: Float64Array): number {
  return (theta.length - 1) / 3;
}

/**
 * The initial θ of a run, reproducible bit for bit from its seed.
 *
 * - `spread`: wᵢ ~ U(−5, 5), kink ξᵢ ~ U(0, 1), aᵢ = −wᵢξᵢ,
 *   cᵢ ~ N(0, 1)/√W, d = 0: every kink starts inside (0, 1).
 * - `torch`: wᵢ, aᵢ ~ U(−1, 1), cᵢ, d ~ U(−1/√W, 1/√W), the framework
 *   default for Linear(1, W) → Linear(W, 1).
 *
 * Draws are taken in layout order: all w, then all ξ (or a), then all c,
 * then d.
 *
 * @param config `width`, `init`, `seed`
 */
export function initParams(
  config: Pick<RunConfig, 'width' | 'init' | 'seed'>,
): Float64Array {
  const width = config.width;
  const theta = new Float64Array(paramCount(width));
  const rng = createRng(config.seed);
  const bound = 1 / Math.sqrt(width);

  if (config.init === 'spread') {
    for (let i = 0; i < width; i++) theta[i] = rng.between(-5, 5);
    for (let i = 0; i < width; i++)
      theta[width + i] = -theta[i] * rng.uniform();
    for (let i = 0; i < width; i++) theta[2 * width + i] = rng.normal() * bound;
    theta[3 * width] = 0;
  } else {
    for (let i = 0; i < 2 * width; i++) theta[i] = rng.between(-1, 1);
    for (let i = 2 * width; i <= 3 * width; i++) {
      theta[i] = rng.between(-bound, bound);
    }
  }
  return theta;
}

/** θ as `{ w, a, c, d }` plain arrays (copies). */
export function paramsToObject(theta: Float64Array): ParamsObject {
  const width = widthOf(theta);
  return {
    w: Array.from(theta.subarray(0, width)),
    a: Array.from(theta.subarray(width, 2 * width)),
    c: Array.from(theta.subarray(2 * width, 3 * width)),
    d: theta[3 * width],
  };
}

/**
 * θ from `{ w, a, c, d }`.
 *
 * @param object w, a, c: arrays of equal length W ≥ 1 of finite numbers;
 *   d: a finite number
 * @param width the expected W, when the run fixes it
 * @throws ConfigError naming each field that is missing, of the wrong
 *   length or not a finite number
 */
export function paramsFromObject(
  object: unknown,
  width?: number,
): Float64Array {
  const issues = paramsIssues(object, width);
  if (issues.length > 0) throw new ConfigError(issues);

  const p = object as ParamsObject;
  const w = p.w.length;
  const theta = new Float64Array(paramCount(w));
  theta.set(p.w, 0);
  theta.set(p.a, w);
  theta.set(p.c, 2 * w);
  theta[3 * w] = p.d;
  return theta;
}

function paramsIssues(object: unknown, width?: number): string[] {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    return ['params: expected an object {"w":[…],"a":[…],"c":[…],"d":x}'];
  }
  const record = object as Record<string, unknown>;
  const issues: string[] = [];
  const expected = width ?? lengthOf(record.w);

  for (const key of ['w', 'a', 'c'] as const) {
    const value = record[key];
    if (!Array.isArray(value)) {
      issues.push(
        `params.${key}: expected an array of ${expected ?? 'W'} numbers`,
      );
      continue;
    }
    if (expected !== undefined && value.length !== expected) {
      issues.push(
        `params.${key}: expected ${expected} numbers (width), ` +
          `got ${value.length}`,
      );
    }
    if (value.length === 0) issues.push(`params.${key}: must not be empty`);
    value.forEach((v, i) => {
      if (!isFiniteNumber(v)) {
        issues.push(
          `params.${key}[${i}]: expected a finite number, got ${show(v)}`,
        );
      }
    });
  }
  if (!isFiniteNumber(record.d)) {
    issues.push(`params.d: expected a finite number, got ${show(record.d)}`);
  }
  const extra = Object.keys(record).filter(
    (k) => !'wacd'.includes(k) || k.length !== 1,
  );
  if (extra.length > 0) {
    issues.push(
      `params: unknown field ${extra.join(', ')}; allowed: w, a, c, d`,
    );
  }
  return issues;
}

function lengthOf(value: unknown): number | undefined {
  return Array.isArray(value) ? value.length : undefined;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? String(value);
}
