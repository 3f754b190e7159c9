/**
 * The kink-aware composite Gauss–Legendre rule of the training loss
 * (deep-ritz.md, "Quadrature"): [0, 1] split at j/M, at the problem's
 * breakpoints and, for a piecewise σ, at every kink ξᵢ = −aᵢ/wᵢ in (0, 1);
 * q points on every piece.
 *
 * The rule is kept as the uniform cells of kink-grid.ts, whose nodes and
 * data (ω, ωκ, ωb, g, g′) are computed once, plus the cells that a kink or
 * breakpoint cuts, rebuilt for each θ. The node set lists the nodes in the
 * order of the whole rule (uniform cells in order, each cut cell's pieces
 * in its place), and every node and its data are computed by the same
 * arithmetic as when the rule is built in one piece: the node set is the
 * same to the bit, and so are the loss and gradient the kernel computes.
 */
import { pieceNodes, splitPoints, UniformGauss } from './kink-grid.ts';
import { type NodeRule, NodeSet, type RuleContext } from './node-set.ts';

/**
 * The training rule of a run with M = `cells` uniform cells and q =
 * `points` Gauss points per piece. Without kinks (a smooth σ) the nodes
 * never change and `prepare` does nothing.
 */
export function gaussRule(
  cells: number,
  points: number,
  run: RuleContext,
): NodeRule {
  const rule = new CutCellRule(cells, points, run);
  // θ = 0 has no kink (ξ = −0/0 is NaN): the problem's breakpoints only.
  rule.prepare(new Float64Array(3 * run.width + 1));
  if (run.activation.piecewise) return rule;
  return { nodes: rule.nodes, prepare() {} };
}

/** The rule as fixed uniform cells plus the cells cut at θ. */
class CutCellRule implements NodeRule {
  readonly nodes: NodeSet;
  private readonly grid: UniformGauss;
  /** The uniform cells' nodes and their data, computed once. */
  private readonly uniform: NodeSet;
  /** Where the rule splits at θ, sorted. */
  private readonly breaks: Float64Array;
  /** The ends of one piece. */
  private readonly span = new Float64Array(2);
  /** Where `nodes` holds each uniform cell's nodes; −1: not at all. */
  private readonly placed: Int32Array;

  constructor(
    cells: number,
    points: number,
    private readonly run: RuleContext,
  ) {
    const grid = new UniformGauss(cells, points);
    this.grid = grid;
    this.uniform = new NodeSet(grid.x.length);
    this.uniform.x.set(grid.x);
    this.uniform.weight.set(grid.weight);
    this.uniform.fillData(run.problem, run.boundary, grid.x.length);

    const breaks =
      run.problem.breakpoints.length +
      (run.activation.piecewise ? run.width : 0);
    this.breaks = new Float64Array(breaks);
    this.placed = new Int32Array(cells).fill(-1);
    // Each breakpoint adds at most one piece; 2 penalty nodes.
    this.nodes = new NodeSet(points * (cells + breaks) + 2);
  }

  /**
   * The node set at θ in the rule's order, then the penalty nodes. Cells
   * are walked as CellPieces.build walks them; the nodes are written in
   * ascending order, so a uniform cell found where it was at the last θ
   * has not been overwritten and is left in place.
   */
  prepare(theta: Float64Array): void {
    const { run, breaks, nodes } = this;
    const count = splitPoints(
      theta,
      run.width,
      run.activation,
      run.problem.breakpoints,
      breaks,
    );
    const cells = this.grid.cells;
    let n = 0;
    let next = 0;
    let e = 0;
    while (e < count) {
      const j = this.grid.cellAt(breaks, e);
      // As in mergeMesh: a point goes before (j + 1)/M when it is less.
      const right = (j + 1) / cells;
      let last = e;
      while (last < count && breaks[last] < right) last++;
      n = this.placeUniform(next, j, n);
      n = this.cutCell(j, e, last, n);
      e = last;
      next = j + 1;
    }
    n = this.placeUniform(next, cells, n);
    nodes.quadratureCount = n;
    nodes.count = n;
    if (run.boundary.penalty > 0) nodes.addPenaltyNodes(run.boundary);
  }

  /**
   * Uniform cells from … to − 1 at index n on; returns the index after.
   * The copy is written out here, in a loop that runs at every θ, rather
   * than in a helper called only when cells move: such a helper would
   * run unoptimised for long, boxing every number it copies.
   */
  private placeUniform(from: number, to: number, n: number): number {
    const { placed, nodes, uniform } = this;
    const q = this.grid.points;
    for (let j = from; j < to; j++, n += q) {
      if (placed[j] === n) continue;
      for (let k = j * q, m = n; m < n + q; k++, m++) {
        nodes.x[m] = uniform.x[k];
        nodes.weight[m] = uniform.weight[k];
        nodes.kw[m] = uniform.kw[k];
        nodes.bw[m] = uniform.bw[k];
        nodes.g[m] = uniform.g[k];
        nodes.dg[m] = uniform.dg[k];
        nodes.pw[m] = uniform.pw[k];
      }
      placed[j] = n;
    }
    return n;
  }

  /**
   * Cell j split at breaks[from … to − 1], its pieces' nodes and their
   * data written from index n on. Returns the index after them.
   */
  private cutCell(j: number, from: number, to: number, n: number): number {
    const { breaks, nodes, run, span } = this;
    const { cells, rule } = this.grid;
    const { x, weight } = nodes;
    span[0] = j / cells;
    let end = n;
    for (let e = from; e < to; e++) {
      span[1] = breaks[e];
      end = pieceNodes(rule, span, x, weight, end);
      span[0] = breaks[e];
    }
    span[1] = (j + 1) / cells;
    end = pieceNodes(rule, span, x, weight, end);

    // NodeSet.fillData, on nodes n … end − 1.
    run.problem.coefficients(x, end, nodes.kw, nodes.bw, n);
    run.boundary.factors(x, end, nodes.g, nodes.dg, n);
    for (let k = n; k < end; k++) {
      nodes.kw[k] *= weight[k];
      nodes.bw[k] *= weight[k];
      nodes.pw[k] = 0;
    }
    this.placed[j] = -1;
    return end;
  }
}
