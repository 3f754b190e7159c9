/**
 * The kink-aware composite Gauss rule (gauss-rule.ts, `gaussRule`) split in
 * two: the uniform cells [j/M, (j+1)/M], whose nodes never change and can
 * be kept with everything computed at them, and the few cells that a kink
 * or a breakpoint cuts, whose pieces are rebuilt for each θ.
 *
 * The nodes are those of `gaussRule` to the bit: the same breakpoints j/M
 * and ξ, the same pieces, the same arithmetic (that of
 * `fillCompositeGauss`). Taking the uniform cells' nodes in order and, in
 * place of each cut cell, its pieces' nodes gives the rule's node list.
 */
import type { ActivationFn } from './activations.ts';
import {
  fillCompositeGauss,
  type GaussRule,
  gaussLegendre,
  mergeMesh,
  sortPrefix,
} from './quadrature.ts';

/** M uniform cells with q Gauss points each: node m of cell j is jq + m. */
export class UniformGauss {
  readonly rule: GaussRule;
  /** Node positions, M·q. */
  readonly x: Float64Array;
  /** Node weights, M·q. */
  readonly weight: Float64Array;

  constructor(
    readonly cells: number,
    readonly points: number,
  ) {
    this.rule = gaussLegendre(points);
    const breaks = new Float64Array(cells + 1);
    mergeMesh(cells, breaks, 0, breaks);
    this.x = new Float64Array(cells * points);
    this.weight = new Float64Array(cells * points);
    fillCompositeGauss(breaks, cells + 1, this.rule, this.x, this.weight);
  }

  /** The cell j with j/M ≤ x < (j + 1)/M, for x in (0, 1). */
  cellOf(x: number): number {
    const cells = this.cells;
    let j = Math.min(Math.floor(x * cells), cells - 1);
    while (j > 0 && x < j / cells) j--;
    while (j + 1 < cells && x >= (j + 1) / cells) j++;
    return j;
  }

  /** `cellOf(points[k])`, for loops that must not box a double per call. */
  cellAt(points: Float64Array, k: number): number {
    const cells = this.cells;
    const x = points[k];
    let j = Math.min(Math.floor(x * cells), cells - 1);
    while (j > 0 && x < j / cells) j--;
    while (j + 1 < cells && x >= (j + 1) / cells) j++;
    return j;
  }
}

/**
 * The cells cut by sorted breakpoints inside (0, 1), and the Gauss nodes
 * of their pieces. Buffers grow as needed and are reused.
 */
export class CellPieces {
  /** Cut cells in use. */
  cutCount = 0;
  /** Piece nodes in use. */
  count = 0;
  /** The cut cells, ascending. */
  cell = new Int32Array(0);
  /** Cut cell c has the piece nodes first[c] … first[c + 1] − 1. */
  first = new Int32Array(1);
  /** Cut cell c holds the breakpoints breakFirst[c] … breakFirst[c + 1] − 1. */
  breakFirst = new Int32Array(1);
  /**
   * The piece right of breakpoint e has its nodes from after[e] on (up to
   * the next breakpoint's, or the end of its cell's): an empty piece has
   * none, so after[e] may equal the next.
   */
  after = new Int32Array(0);
  /** Piece node positions. */
  x = new Float64Array(0);
  /** Piece node weights. */
  weight = new Float64Array(0);
  /** The ends of one piece (see pieceNodes). */
  private readonly span = new Float64Array(2);

  /**
   * Splits the cells of `grid` at breaks[0 … count), which must be sorted
   * and lie in (0, 1). A cell's pieces lie between j/M, its breakpoints
   * and (j + 1)/M; empty pieces (repeated points) have no nodes.
   */
  build(grid: UniformGauss, breaks: Float64Array, count: number): void {
    this.reserve(count, grid.points);
    const cells = grid.cells;
    let e = 0;
    let cut = 0;
    let n = 0;
    const { span, x, weight } = this;
    while (e < count) {
      const j = grid.cellAt(breaks, e);
      const right = (j + 1) / cells;
      span[0] = j / cells;
      this.cell[cut] = j;
      this.first[cut] = n;
      this.breakFirst[cut] = e;
      // As in mergeMesh: a point goes before (j + 1)/M when it is less.
      for (; e < count && breaks[e] < right; e++) {
        span[1] = breaks[e];
        n = pieceNodes(grid.rule, span, x, weight, n);
        this.after[e] = n;
        span[0] = breaks[e];
      }
      span[1] = right;
      n = pieceNodes(grid.rule, span, x, weight, n);
      cut++;
    }
    this.first[cut] = n;
    this.breakFirst[cut] = count;
    this.cutCount = cut;
    this.count = n;
  }

  /**
   * Room for `breaks` points with q = `points` (as many cut cells, one
   * more piece each): `build` allocates nothing up to that many.
   */
  reserve(breaks: number, points: number): void {
    if (breaks > this.cell.length) {
      this.cell = new Int32Array(breaks);
      this.first = new Int32Array(breaks + 1);
      this.breakFirst = new Int32Array(breaks + 1);
      this.after = new Int32Array(breaks);
    }
    const nodes = 2 * breaks * points;
    if (nodes > this.x.length) {
      this.x = new Float64Array(nodes);
      this.weight = new Float64Array(nodes);
    }
  }
}

/**
 * The Gauss nodes of the piece [span[0], span[1]] into x and weight from
 * index n, as fillCompositeGauss computes them; none if the piece is
 * empty. Returns the index after the last node written. (The ends come in
 * an array: a double passed to a call the JIT does not inline is boxed.)
 */
export function pieceNodes(
  rule: GaussRule,
  span: Float64Array,
  x: Float64Array,
  weight: Float64Array,
  n: number,
): number {
  const left = span[0];
  const right = span[1];
  if (!(right > left)) return n;
  const half = 0.5 * (right - left);
  const mid = 0.5 * (left + right);
  let k = n;
  for (let m = 0; m < rule.nodes.length; m++, k++) {
    x[k] = mid + half * rule.nodes[m];
    weight[k] = half * rule.weights[m];
  }
  return k;
}

/**
 * Where the rule splits at θ: the problem's breakpoints inside (0, 1) and,
 * for a piecewise σ, every kink ξᵢ = −aᵢ/wᵢ inside (0, 1), sorted, into
 * `out` (length ≥ breakpoints + W). Returns how many.
 */
export function splitPoints(
  theta: Float64Array,
  width: number,
  activation: ActivationFn,
  breakpoints: readonly number[],
  out: Float64Array,
): number {
  let n = 0;
  // Indexed, not for…of: no iterator per call, whatever the JIT inlines.
  for (let k = 0; k < breakpoints.length; k++) {
    const b = breakpoints[k];
    if (b > 0 && b < 1) out[n++] = b;
  }
  if (activation.piecewise) {
    for (let i = 0; i < width; i++) {
      const xi = -theta[width + i] / theta[i];
      if (xi > 0 && xi < 1) out[n++] = xi;
    }
  }
  sortPrefix(out, n);
  return n;
}
