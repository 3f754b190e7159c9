/**
 * The sums behind a run's error metrics, by the metric rule: the
 * kink-aware composite Gauss rule on 1024 uniform cells with 8 points each
 * (deep-ritz.md, "Metrics stored per run").
 *
 * What does not depend on θ is kept per thread: the uniform cells' nodes,
 * and u*, u*′, κ, b, g, g′ there, for each problem and boundary mode seen.
 * Per θ only the cells that a kink or breakpoint cuts are rebuilt, and the
 * network is evaluated at every node with one pass per neuron
 * (network-batch.ts). Each term is computed as it would be node by node,
 * and the terms are added in the rule's node order, so the sums do not
 * depend on what the thread has cached.
 */
import type { ActivationFn } from './activations.ts';
import type { Boundary } from './boundary.ts';
import { CellPieces, splitPoints, UniformGauss } from './kink-grid.ts';
import { blockSize, NetworkBatch } from './network-batch.ts';
import type { ProblemFn } from './problems.ts';
import { ThreadCache } from './thread-cache.ts';

/** Uniform cells of the metric rule. */
export const METRIC_CELLS = 1024;
/** Gauss points per piece of the metric rule. */
export const METRIC_GAUSS_POINTS = 8;

/** Sums over the metric rule's nodes (ω the node weight). */
export interface MetricSums {
  /** Σ ω (u − u*)². */
  errorL2: number;
  /** Σ ω u*². */
  normL2: number;
  /** Σ ω (u′ − u*′)². */
  errorH1: number;
  /** Σ ω u*′². */
  normH1: number;
  /** Σ ω (½κu′² − bu) = Π[u]. */
  energy: number;
}

/** What the problem gives at a run's nodes. */
interface ProblemAt {
  uStar: Float64Array;
  duStar: Float64Array;
  kappa: Float64Array;
  b: Float64Array;
}

/** What the boundary handling gives at a run's nodes: u = gN. */
interface BoundaryAt {
  g: Float64Array;
  dg: Float64Array;
}

/** Everything the sums read at a node besides N and N′. */
type NodeData = ProblemAt &
  BoundaryAt & { x: Float64Array; weight: Float64Array };

/** Problems kept per thread (each 4 arrays of 8192 numbers). */
const PROBLEMS_KEPT = 8;

/** The run's problem and boundary handling, for the sums. */
export interface MetricRun {
  problem: ProblemFn;
  boundary: Boundary;
  activation: ActivationFn;
  width: number;
  /** Names the problem and its settings: equal keys, equal problems. */
  problemKey: string;
}

class MetricRule {
  private readonly grid = new UniformGauss(METRIC_CELLS, METRIC_GAUSS_POINTS);
  private readonly problems = new ThreadCache<ProblemAt>(PROBLEMS_KEPT);
  private readonly boundaries = new ThreadCache<BoundaryAt>(3);
  private readonly pieces = new CellPieces();
  private pieceData = nodeData(0);
  private breaks = new Float64Array(0);
  private readonly batch = new NetworkBatch();
  private readonly total = new Float64Array(5);

  sums(run: MetricRun, theta: Float64Array): MetricSums {
    const gridData = this.gridData(run);
    const pieceData = this.cutCells(run, theta);

    // The rule's node order: uniform cells, each cut cell's pieces in place.
    const { total, pieces } = this;
    const q = this.grid.points;
    total.fill(0);
    let from = 0;
    for (let c = 0; c < pieces.cutCount; c++) {
      const j = pieces.cell[c];
      this.addRange(run, theta, gridData, from, j * q);
      this.addRange(
        run,
        theta,
        pieceData,
        pieces.first[c],
        pieces.first[c + 1],
      );
      from = (j + 1) * q;
    }
    this.addRange(run, theta, gridData, from, this.grid.x.length);
    const [errorL2, normL2, errorH1, normH1, energy] = total;
    return { errorL2, normL2, errorH1, normH1, energy };
  }

  /** Adds nodes from … to − 1 of `data` to the sums, a block at a time. */
  private addRange(
    run: MetricRun,
    theta: Float64Array,
    data: NodeData,
    from: number,
    to: number,
  ): void {
    const batch = this.batch;
    const size = blockSize(run.width);
    for (let k = from; k < to; k += size) {
      const count = Math.min(size, to - k);
      batch.setPoints(data.x, k, count);
      batch.layers(theta, run.width, run.activation);
      add(this.total, data, k, batch, theta, run.width);
    }
  }

  /** The uniform cells' data for the run, cached. */
  private gridData(run: MetricRun): NodeData {
    const { x, weight } = this.grid;
    const problem = this.problems.get(run.problemKey, () => {
      const at = problemAt(x.length);
      fillProblem(run.problem, x, 0, x.length, at);
      return at;
    });
    const boundary = this.boundaries.get(run.boundary.mode, () => {
      const g = new Float64Array(x.length);
      const dg = new Float64Array(x.length);
      fillBoundary(run.boundary, x, 0, x.length, { g, dg });
      return { g, dg };
    });
    const { uStar, duStar, kappa, b } = problem;
    const { g, dg } = boundary;
    return { x, weight, uStar, duStar, kappa, b, g, dg };
  }

  /** Pieces of the cells cut at θ, their data and their points. */
  private cutCells(run: MetricRun, theta: Float64Array): NodeData {
    const size = run.problem.breakpoints.length + run.width;
    if (this.breaks.length < size) this.breaks = new Float64Array(size);
    const { breaks, pieces } = this;
    const count = splitPoints(
      theta,
      run.width,
      run.activation,
      run.problem.breakpoints,
      breaks,
    );
    pieces.build(this.grid, breaks, count);
    if (this.pieceData.weight.length < pieces.count) {
      this.pieceData = nodeData(pieces.x.length);
    }
    const data = this.pieceData;
    data.x.set(pieces.x.subarray(0, pieces.count));
    data.weight.set(pieces.weight.subarray(0, pieces.count));
    fillProblem(run.problem, pieces.x, 0, pieces.count, data);
    fillBoundary(run.boundary, pieces.x, 0, pieces.count, data);
    return data;
  }
}

function problemAt(size: number): ProblemAt {
  const array = () => new Float64Array(size);
  return { uStar: array(), duStar: array(), kappa: array(), b: array() };
}

function nodeData(size: number): NodeData {
  const array = () => new Float64Array(size);
  const { uStar, duStar, kappa, b } = problemAt(size);
  const [x, weight, g, dg] = [array(), array(), array(), array()];
  return { x, weight, uStar, duStar, kappa, b, g, dg };
}

function fillProblem(
  problem: ProblemFn,
  x: Float64Array,
  from: number,
  to: number,
  out: ProblemAt,
): void {
  for (let k = from; k < to; k++) {
    const xk = x[k];
    out.uStar[k] = problem.u(xk);
    out.duStar[k] = problem.du(xk);
    out.kappa[k] = problem.kappa(xk);
    out.b[k] = problem.b(xk);
  }
}

function fillBoundary(
  boundary: Boundary,
  x: Float64Array,
  from: number,
  to: number,
  out: BoundaryAt,
): void {
  for (let k = from; k < to; k++) {
    out.g[k] = boundary.g(x[k]);
    out.dg[k] = boundary.dg(x[k]);
  }
}

let rule: MetricRule | undefined;

/** The metric sums of the network θ of a run, by the metric rule. */
export function metricSums(run: MetricRun, theta: Float64Array): MetricSums {
  rule ??= new MetricRule();
  return rule.sums(run, theta);
}

/**
 * Adds `batch.count` nodes of `data` from index `from` to the running sums
 * in `total` (the order of MetricSums): N and N′ from the neurons' σ in
 * `batch` (`layers`), u = gN and u′ = g′N + gN′ as the model computes
 * them. N and N′ are summed here, node by node, rather than stored first.
 */
function add(
  total: Float64Array,
  data: NodeData,
  from: number,
  batch: NetworkBatch,
  theta: Float64Array,
  width: number,
): void {
  const { weight, uStar, duStar, kappa, b, g, dg } = data;
  const count = batch.count;
  let errorL2 = total[0];
  let normL2 = total[1];
  let errorH1 = total[2];
  let normH1 = total[3];
  let energy = total[4];
  for (let p = 0; p < count; p++) {
    batch.networkAt(theta, width, p);
    const n = batch.pointValue;
    const k = from + p;
    const gk = g[k];
    const u = gk * n;
    const du = dg[k] * n + gk * batch.pointSlope;
    const w = weight[k];
    const exact = uStar[k];
    const exactSlope = duStar[k];
    errorL2 += w * (u - exact) ** 2;
    normL2 += w * exact ** 2;
    errorH1 += w * (du - exactSlope) ** 2;
    normH1 += w * exactSlope ** 2;
    energy += w * (0.5 * kappa[k] * du * du - b[k] * u);
  }
  total[0] = errorL2;
  total[1] = normL2;
  total[2] = errorH1;
  total[3] = normH1;
  total[4] = energy;
}
