/**
 * Quadrature rules on [0, 1]: Gauss–Legendre on [−1, 1] (computed, not
 * tabulated), composite Gauss–Legendre over a sorted list of breakpoints,
 * and the midpoint rule.
 */
import { cos } from './elementary.ts';

/** A q-point rule on [−1, 1]: nodes ascending, weights summing to 2. */
export interface GaussRule {
  nodes: Float64Array;
  weights: Float64Array;
}

/** Largest number of Gauss points per piece that a run may ask for. */
export const MAX_GAUSS_POINTS = 10;

const cache = new Map<number, GaussRule>();

/**
 * Pₙ(x) and Pₙ′(x) by the three-term recurrence
 * (k + 1) Pₖ₊₁ = (2k + 1) x Pₖ − k Pₖ₋₁.
 */
export function legendre(n: number, x: number): [number, number] {
  let p0 = 1;
  let p1 = x;
  if (n === 0) return [1, 0];
  for (let k = 1; k < n; k++) {
    const p2 = ((2 * k + 1) * x * p1 - k * p0) / (k + 1);
    p0 = p1;
    p1 = p2;
  }
  // Pₙ′ = n (x Pₙ − Pₙ₋₁) / (x² − 1), valid inside (−1, 1).
  return [p1, (n * (x * p1 - p0)) / (x * x - 1)];
}

/** A root of P_q by Newton's method from a starting point near it. */
function newtonRoot(q: number, start: number): number {
  let x = start;
  for (let iteration = 0; iteration < 100; iteration++) {
    const [p, dp] = legendre(q, x);
    const step = p / dp;
    x -= step;
    if (Math.abs(step) <= 1e-16) break;
  }
  return x;
}

/**
 * The q-point Gauss–Legendre rule, exact for polynomials of degree 2q − 1.
 * Roots of P_q by Newton from Chebyshev-like guesses cos(π(i + ¾)/(q + ½));
 * weights 2 / ((1 − x²) P_q′(x)²). Nodes are exactly symmetric.
 *
 * @param q points, 1 … 10
 */
export function gaussLegendre(q: number): GaussRule {
  if (!Number.isInteger(q) || q < 1 || q > MAX_GAUSS_POINTS) {
    throw new RangeError(`gauss points must be 1 … 10, got ${q}`);
  }
  const cached = cache.get(q);
  if (cached) return cached;

  const nodes = new Float64Array(q);
  const weights = new Float64Array(q);
  for (let i = 0; i < Math.floor(q / 2); i++) {
    const x = newtonRoot(q, cos((Math.PI * (i + 0.75)) / (q + 0.5)));
    const dp = legendre(q, x)[1];
    const w = 2 / ((1 - x * x) * dp * dp);
    nodes[i] = -x;
    nodes[q - 1 - i] = x;
    weights[i] = w;
    weights[q - 1 - i] = w;
  }
  if (q % 2 === 1) {
    const mid = (q - 1) / 2;
    const dp = legendre(q, 0)[1];
    nodes[mid] = 0;
    weights[mid] = 2 / (dp * dp);
  }

  const rule = { nodes, weights };
  cache.set(q, rule);
  return rule;
}

/**
 * Writes the composite rule over the pieces [bᵢ, bᵢ₊₁] of sorted breakpoints
 * b₀ … b_{n−1} (empty pieces skipped) into `x` and `weight`, from index 0.
 *
 * @returns the number of nodes written
 */
export function fillCompositeGauss(
  breaks: Float64Array,
  count: number,
  rule: GaussRule,
  x: Float64Array,
  weight: Float64Array,
): number {
  const q = rule.nodes.length;
  let n = 0;
  for (let p = 0; p + 1 < count; p++) {
    const left = breaks[p];
    const right = breaks[p + 1];
    if (!(right > left)) continue;
    const half = 0.5 * (right - left);
    const mid = 0.5 * (left + right);
    for (let j = 0; j < q; j++) {
      x[n] = mid + half * rule.nodes[j];
      weight[n] = half * rule.weights[j];
      n++;
    }
  }
  return n;
}

/** Writes the N midpoint nodes (k + ½)/N with weight 1/N. */
export function fillMidpoint(
  nodes: number,
  x: Float64Array,
  weight: Float64Array,
): void {
  for (let k = 0; k < nodes; k++) {
    x[k] = (k + 0.5) / nodes;
    weight[k] = 1 / nodes;
  }
}

/**
 * Merges the uniform mesh j/M (j = 0 … M) with extra points, which must lie
 * in (0, 1) and be sorted, into `out`.
 *
 * @returns the number of breakpoints written (M + 1 + extraCount)
 */
export function mergeMesh(
  cells: number,
  extra: Float64Array,
  extraCount: number,
  out: Float64Array,
): number {
  let n = 0;
  let e = 0;
  for (let j = 0; j <= cells; j++) {
    const m = j / cells;
    while (e < extraCount && extra[e] < m) out[n++] = extra[e++];
    out[n++] = m;
  }
  return n;
}

/**
 * Sorts a[0 … count) ascending in place; the rest of `a` is overwritten with
 * +∞. Uses the engine's native numeric sort of typed arrays (O(n log n), no
 * allocation).
 */
export function sortPrefix(a: Float64Array, count: number): void {
  a.fill(Number.POSITIVE_INFINITY, count);
  a.sort();
}
