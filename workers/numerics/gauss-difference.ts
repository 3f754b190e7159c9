/**
 * The `finite-difference` gradient: central differences, step h, of the
 * loss by the run's kink-aware Gauss rule (its `cells` and
 * `gauss_points`), the definition of Model.gradient, at a cost of
 * O(W·nodes) instead of O(W²·nodes); nodes = (M + kinks)·q, so O(W²·q)
 * for a ReLU network much wider than M. Used by the training loop and by
 * the gradient check.
 *
 * Shifting one parameter changes one neuron, or d: at every node N changes
 * by c′σ(w′x + a′) − cσ(wx + a) and N′ by c′w′σ′(w′x + a′) − cwσ′(wx + a),
 * so one pass of that neuron over the nodes gives the shifted loss. The
 * nodes themselves change only where the neuron's kink moves: the pieces
 * that end at its kink before the shift merge, the piece that holds it
 * after the shift splits. Those pieces (three at most) are rebuilt and
 * evaluated in full; every other piece of their cells keeps its nodes,
 * which a piece's two ends fix, and is shifted as above. (Rebuilding the
 * whole cell would cost O(W/M) pieces of W neurons per shift, O(W³/M)
 * per gradient.) The shifted losses differ from a full evaluation by
 * rounding only, well below the truncation error of the differences.
 *
 * Once built for a run, `compute` allocates nothing, whatever the JIT
 * inlines: numbers travel in arrays and fields, never as arguments or
 * return values of a call.
 */
import { type ActivationFn, getActivation } from './activations.ts';
import { type Boundary, getBoundary } from './boundary.ts';
import { CellPieces, pieceNodes, UniformGauss } from './kink-grid.ts';
import type { ModelConfig } from './model.ts';
import { NetworkBatch } from './network-batch.ts';
import { getProblem, type ProblemFn } from './problems.ts';
import { problemKey, ThreadCache } from './thread-cache.ts';

/** Node data of the loss: node k adds ½kw·u′² − bw·u + ½pw·N². */
interface LossData {
  /** ω·κ(x). */
  kw: Float64Array;
  /** ω·b(x). */
  bw: Float64Array;
  g: Float64Array;
  dg: Float64Array;
  /** Penalty weight: β at the penalty nodes, else 0. */
  pw: Float64Array;
}

/** Grids, grid data and differences above this many nodes are not kept. */
const CACHED_NODES = 1 << 16;

const grids = new ThreadCache<UniformGauss>(4);
const gridData = new ThreadCache<LossData>(8);
const differences = new ThreadCache<GaussDifference>(4);

function lossData(size: number): LossData {
  const array = () => new Float64Array(size);
  return { kw: array(), bw: array(), g: array(), dg: array(), pw: array() };
}

/** κ, b, g, g′ at x[0 … count) weighted by ω, as NodeSet.fillData. */
function fillLossData(
  problem: ProblemFn,
  boundary: Boundary,
  x: Float64Array,
  weight: Float64Array,
  count: number,
  out: LossData,
): void {
  problem.coefficients(x, count, out.kw, out.bw);
  boundary.factors(x, count, out.g, out.dg);
  for (let k = 0; k < count; k++) {
    out.kw[k] *= weight[k];
    out.bw[k] *= weight[k];
    out.pw[k] = 0;
  }
}

/** The nodes of one part of the rule, N and N′ there at θ, and σ of one neuron. */
class Segment {
  readonly batch = new NetworkBatch();
  data: LossData;
  /** σ, σ′ of the neuron being shifted, at θ. */
  s0Old: Float64Array;
  s1Old: Float64Array;
  /** σ, σ′ of that neuron after the shift. */
  s0New: Float64Array;
  s1New: Float64Array;

  /** Room for `capacity` nodes. */
  constructor(capacity: number) {
    this.data = lossData(capacity);
    this.batch.setPoints(new Float64Array(capacity), 0, capacity);
    this.s0Old = new Float64Array(this.batch.capacity);
    this.s1Old = new Float64Array(this.batch.capacity);
    this.s0New = this.s0Old;
    this.s1New = this.s1Old;
  }

  /** Takes x[0 … count) as the nodes; `data` must be filled for them. */
  setPoints(x: Float64Array, count: number): void {
    this.batch.setPoints(x, 0, count);
    if (this.s0Old.length < this.batch.capacity) {
      this.s0Old = new Float64Array(this.batch.capacity);
      this.s1Old = new Float64Array(this.batch.capacity);
    }
  }

  /** Keeps σ, σ′ of neuron i of θ as the base of the next shifts. */
  keepNeuron(
    theta: Float64Array,
    i: number,
    width: number,
    activation: ActivationFn,
  ): void {
    const { batch, s0Old, s1Old } = this;
    batch.neuron(theta, i, width, activation);
    for (let k = 0; k < batch.count; k++) {
      s0Old[k] = batch.s0[k];
      s1Old[k] = batch.s1[k];
    }
  }

  /** Neuron i's σ after its w or a moved (θ the shifted parameters). */
  moveNeuron(
    theta: Float64Array,
    i: number,
    width: number,
    activation: ActivationFn,
  ): void {
    this.batch.neuron(theta, i, width, activation);
    this.s0New = this.batch.s0;
    this.s1New = this.batch.s1;
  }

  /** The neuron's σ unchanged (c or d shifted). */
  keepSigma(): void {
    this.s0New = this.s0Old;
    this.s1New = this.s1Old;
  }
}

/** Indices into the shift array: how the shifted parameter changes N, N′. */
const C_OLD = 0;
const CW_OLD = 1;
const C_NEW = 2;
const CW_NEW = 3;
const D = 4;

/** What one run's differences read. */
export interface DifferenceRun {
  problem: ProblemFn;
  boundary: Boundary;
  activation: ActivationFn;
  width: number;
  grid: UniformGauss;
  /** The loss data at the grid's nodes. */
  gridData: LossData;
  /** The step h. */
  h: number;
}

/** The differences of one run's loss; buffers for that run. */
export class GaussDifference {
  /** The uniform cells, the cut cells' pieces at θ, the penalty nodes. */
  private readonly cells: Segment;
  private readonly pieces: Segment;
  private readonly penalty: Segment;
  private readonly cut = new CellPieces();
  /** The pieces rebuilt for a moved kink: three at most. */
  private readonly rebuilt: Segment;
  private readonly rebuiltX: Float64Array;
  private readonly rebuiltWeight: Float64Array;
  /** Breakpoints at θ, sorted, and their neurons (−1: the problem's). */
  private readonly breaks: Float64Array;
  private readonly owners: Int32Array;
  private breakCount = 0;
  /** Where neuron i's kink is in `breaks`; −1: not inside (0, 1). */
  private readonly place: Int32Array;
  /**
   * The ends of a changed cell's pieces after the shift, and for each the
   * index it had among the cell's ends at θ (j/M, its breakpoints,
   * (j + 1)/M); −1 for the moved kink.
   */
  private readonly cellEnds: Float64Array;
  private readonly endAtTheta: Int32Array;
  /** The ends of one rebuilt piece. */
  private readonly span = new Float64Array(2);
  private readonly affected = new Int32Array(2);
  /** Neuron i's kink before and after the shift (see `affectedCells`). */
  private readonly kinks = new Float64Array(2);
  private readonly shifted: Float64Array;
  private readonly shift = new Float64Array(5);
  /** The sum of the last `shiftedLoss`, `plainLoss` or `changedCell` call. */
  private part = 0;
  /** The loss of the last `lossAt` call. */
  private loss = 0;
  /** Whether `prepare` has run. */
  private prepared = false;
  /** The neuron of the parameter shifted. */
  private movedNeuron = 0;

  constructor(private readonly run: DifferenceRun) {
    const { problem, boundary, width, grid } = run;
    const q = grid.points;
    const breaks = problem.breakpoints.length + width;
    this.breaks = new Float64Array(breaks);
    this.owners = new Int32Array(breaks);
    this.place = new Int32Array(width);
    this.cellEnds = new Float64Array(breaks + 3);
    this.endAtTheta = new Int32Array(breaks + 3);
    this.cut.reserve(breaks, q);
    this.shifted = new Float64Array(3 * width + 1);

    this.cells = new Segment(grid.x.length);
    this.cells.data = run.gridData;
    this.cells.setPoints(grid.x, grid.x.length);
    this.pieces = new Segment(this.cut.x.length);
    this.rebuiltX = new Float64Array(3 * q);
    this.rebuiltWeight = new Float64Array(3 * q);
    this.rebuilt = new Segment(3 * q);
    // Its buffers at their full size now: `compute` allocates nothing.
    this.rebuilt.setPoints(this.rebuiltX, 3 * q);
    this.rebuilt.batch.evaluateEachPoint(this.shifted, width, run.activation);
    this.penalty = new Segment(2);
    const beta = boundary.penalty;
    if (beta > 0) {
      this.penalty.data.g.fill(1);
      this.penalty.data.pw.fill(beta);
      this.penalty.setPoints(new Float64Array([0, 1]), 2);
    } else {
      this.penalty.setPoints(new Float64Array(0), 0);
    }
  }

  /** ∂L/∂θ by central differences with step h, into `out`. */
  compute(theta: Float64Array, out: Float64Array): void {
    const { width } = this.run;
    this.prepare(theta);
    for (let i = 0; i < width; i++) {
      this.keepNeuron(theta, i);
      this.difference(theta, i, out);
      this.difference(theta, width + i, out);
      this.difference(theta, 2 * width + i, out);
    }
    this.difference(theta, 3 * width, out);
  }

  /**
   * L at θ with θⱼ set to `value`, by the path `compute` takes to its
   * shifted losses: to check that path against a full evaluation. θ is
   * prepared only if it is not the θ of the last call.
   */
  lossWith(theta: Float64Array, j: number, value: number): number {
    const { width } = this.run;
    if (!this.preparedFor(theta)) this.prepare(theta);
    if (j < 3 * width) this.keepNeuron(theta, j % width);
    this.shifted[j] = value;
    this.lossAt(theta, j);
    this.shifted[j] = theta[j];
    return this.loss;
  }

  /** out[j] = (L(θ + h·eⱼ) − L(θ − h·eⱼ)) / (the step actually taken). */
  private difference(theta: Float64Array, j: number, out: Float64Array) {
    const t = theta[j];
    const up = t + this.run.h;
    const down = t - this.run.h;
    const shifted = this.shifted;
    shifted[j] = up;
    this.lossAt(theta, j);
    const lossUp = this.loss;
    shifted[j] = down;
    this.lossAt(theta, j);
    shifted[j] = t;
    out[j] = (lossUp - this.loss) / (up - down);
  }

  /** Whether the last `prepare` was at this θ (`shifted` holds it then). */
  private preparedFor(theta: Float64Array): boolean {
    if (!this.prepared) return false;
    for (let k = 0; k < theta.length; k++) {
      if (!Object.is(theta[k], this.shifted[k])) return false;
    }
    return true;
  }

  /** Nodes at θ, N and N′ there. */
  private prepare(theta: Float64Array): void {
    this.prepared = true;
    const { problem, boundary, activation, width, grid } = this.run;
    this.collectBreaks(theta);
    const cut = this.cut;
    cut.build(grid, this.breaks, this.breakCount);
    const pieces = this.pieces;
    fillLossData(problem, boundary, cut.x, cut.weight, cut.count, pieces.data);
    pieces.setPoints(cut.x, cut.count);

    this.cells.batch.evaluate(theta, width, activation);
    pieces.batch.evaluate(theta, width, activation);
    this.penalty.batch.evaluate(theta, width, activation);
    this.shifted.set(theta);
  }

  /**
   * The problem's breakpoints and the kinks inside (0, 1) with their
   * owners, sorted by position; equal positions keep this order (the
   * problem's first, then by neuron).
   */
  private collectBreaks(theta: Float64Array): void {
    const { problem, activation, width } = this.run;
    const { breaks, owners } = this;
    let n = 0;
    for (let k = 0; k < problem.breakpoints.length; k++) {
      const b = problem.breakpoints[k];
      if (b > 0 && b < 1) {
        breaks[n] = b;
        owners[n] = -1;
        n = this.sortLast(n);
      }
    }
    if (activation.piecewise) {
      for (let i = 0; i < width; i++) {
        const xi = -theta[width + i] / theta[i];
        if (xi > 0 && xi < 1) {
          breaks[n] = xi;
          owners[n] = i;
          n = this.sortLast(n);
        }
      }
    }
    this.breakCount = n;
    this.place.fill(-1);
    for (let k = 0; k < n; k++) {
      if (owners[k] >= 0) this.place[owners[k]] = k;
    }
  }

  /**
   * Moves breaks[n] down past the larger ones before it (insertion sort:
   * stable, allocation-free; kinks at θ come nearly sorted by neuron).
   * Returns n + 1.
   */
  private sortLast(n: number): number {
    const { breaks, owners } = this;
    const b = breaks[n];
    const owner = owners[n];
    let k = n;
    for (; k > 0 && breaks[k - 1] > b; k--) {
      breaks[k] = breaks[k - 1];
      owners[k] = owners[k - 1];
    }
    breaks[k] = b;
    owners[k] = owner;
    return n + 1;
  }

  private keepNeuron(theta: Float64Array, i: number): void {
    const { activation, width } = this.run;
    this.cells.keepNeuron(theta, i, width, activation);
    this.pieces.keepNeuron(theta, i, width, activation);
    this.penalty.keepNeuron(theta, i, width, activation);
  }

  /** L at the shifted θ (θⱼ moved), from N and N′ at θ, into `loss`. */
  private lossAt(theta: Float64Array, j: number): void {
    const { width, activation } = this.run;
    const i = j % width;
    this.movedNeuron = i;
    const shifted = this.shifted;
    const moved = j < 2 * width;
    if (moved) {
      this.cells.moveNeuron(shifted, i, width, activation);
      this.pieces.moveNeuron(shifted, i, width, activation);
      this.penalty.moveNeuron(shifted, i, width, activation);
    } else {
      this.cells.keepSigma();
      this.pieces.keepSigma();
      this.penalty.keepSigma();
    }
    const shift = this.shift;
    const isD = j === 3 * width;
    shift[C_OLD] = isD ? 0 : theta[2 * width + i];
    shift[CW_OLD] = isD ? 0 : theta[2 * width + i] * theta[i];
    shift[C_NEW] = isD ? 0 : shifted[2 * width + i];
    shift[CW_NEW] = isD ? 0 : shifted[2 * width + i] * shifted[i];
    shift[D] = isD ? shifted[j] - theta[j] : 0;

    this.sumCells(theta, i, moved && activation.piecewise);
  }

  /**
   * The shifted loss over the rule's nodes, into `loss`: uniform cells,
   * cut cells' pieces, and, where neuron i's kink was or now is, the
   * changed cell; then the penalty nodes.
   */
  private sumCells(theta: Float64Array, i: number, kinkMoved: boolean) {
    const { grid } = this.run;
    const q = grid.points;
    const cut = this.cut;
    const affected = kinkMoved ? this.affectedCells(theta, i) : 0;
    let loss = 0;
    let from = 0;
    let c = 0;
    let a = 0;
    while (c < cut.cutCount || a < affected) {
      const cutCell = c < cut.cutCount ? cut.cell[c] : grid.cells;
      const moved = a < affected ? this.affected[a] : grid.cells;
      const j = Math.min(cutCell, moved);
      this.shiftedLoss(this.cells, from, j * q);
      loss += this.part;
      if (moved === j) {
        this.changedCell(j, cutCell === j ? c : -1);
        a++;
      } else {
        this.shiftedLoss(this.pieces, cut.first[c], cut.first[c + 1]);
      }
      loss += this.part;
      if (cutCell === j) c++;
      from = (j + 1) * q;
    }
    this.shiftedLoss(this.cells, from, grid.x.length);
    loss += this.part;
    this.shiftedLoss(this.penalty, 0, this.penalty.batch.count);
    this.loss = loss + this.part;
  }

  /** Σ of the loss terms of nodes from … to − 1 with N, N′ shifted. */
  private shiftedLoss(segment: Segment, from: number, to: number): void {
    const { value, slope } = segment.batch;
    const { kw, bw, g, dg, pw } = segment.data;
    const { s0Old, s1Old, s0New, s1New } = segment;
    const shift = this.shift;
    const cOld = shift[C_OLD];
    const cwOld = shift[CW_OLD];
    const cNew = shift[C_NEW];
    const cwNew = shift[CW_NEW];
    const d = shift[D];
    let loss = 0;
    for (let k = from; k < to; k++) {
      const n = value[k] + (cNew * s0New[k] - cOld * s0Old[k]) + d;
      const np = slope[k] + (cwNew * s1New[k] - cwOld * s1Old[k]);
      const u = g[k] * n;
      const du = dg[k] * n + g[k] * np;
      loss += 0.5 * kw[k] * du * du - bw[k] * u + 0.5 * pw[k] * n * n;
    }
    this.part = loss;
  }

  /** Σ of the loss terms of nodes from … to − 1 as evaluated. */
  private plainLoss(segment: Segment, from: number, to: number): void {
    const { value, slope } = segment.batch;
    const { kw, bw, g, dg, pw } = segment.data;
    let loss = 0;
    for (let k = from; k < to; k++) {
      const n = value[k];
      const u = g[k] * n;
      const du = dg[k] * n + g[k] * slope[k];
      loss += 0.5 * kw[k] * du * du - bw[k] * u + 0.5 * pw[k] * n * n;
    }
    this.part = loss;
  }

  /** The cells of neuron i's kink at θ and after the shift, ascending. */
  private affectedCells(theta: Float64Array, i: number): number {
    const { width, grid } = this.run;
    const { kinks, affected } = this;
    kinks[0] = -theta[width + i] / theta[i];
    kinks[1] = -this.shifted[width + i] / this.shifted[i];
    let count = 0;
    for (let k = 0; k < 2; k++) {
      if (!(kinks[k] > 0 && kinks[k] < 1)) continue;
      const j = grid.cellAt(kinks, k);
      if (count === 0 || affected[count - 1] !== j) affected[count++] = j;
    }
    if (count === 2 && affected[0] > affected[1]) {
      const first = affected[0];
      affected[0] = affected[1];
      affected[1] = first;
    }
    return count;
  }

  /**
   * The shifted loss of cell j, whose pieces the moved kink changes, into
   * `part`; c is its index among the cells cut at θ, −1 if none. Pieces
   * whose two ends were neighbours at θ keep their nodes and are shifted;
   * the others are rebuilt and evaluated at the shifted θ.
   */
  private changedCell(j: number, c: number): void {
    const { grid } = this.run;
    const ends = this.changedEnds(j, c);
    if (ends === 2) {
      // No breakpoint left: the uniform cell.
      this.shiftedLoss(this.cells, j * grid.points, (j + 1) * grid.points);
      return;
    }
    const { cellEnds, endAtTheta, span } = this;
    let loss = 0;
    let from = 0;
    let to = 0;
    let rebuiltNodes = 0;
    for (let p = 0; p + 1 < ends; p++) {
      const end = endAtTheta[p];
      if (end >= 0 && endAtTheta[p + 1] === end + 1) {
        const first = this.pieceStart(c, end);
        if (first !== to) {
          this.shiftedLoss(this.pieces, from, to);
          loss += this.part;
          from = first;
        }
        to = this.pieceStart(c, end + 1);
      } else {
        span[0] = cellEnds[p];
        span[1] = cellEnds[p + 1];
        rebuiltNodes = pieceNodes(
          grid.rule,
          span,
          this.rebuiltX,
          this.rebuiltWeight,
          rebuiltNodes,
        );
      }
    }
    this.shiftedLoss(this.pieces, from, to);
    loss += this.part;
    this.rebuiltLoss(rebuiltNodes);
    this.part += loss;
  }

  /**
   * The ends of cell j's pieces after the moved neuron's kink went from
   * its place in `breaks` to kinks[1], into `cellEnds` and `endAtTheta`;
   * returns how many. c as in `changedCell`.
   */
  private changedEnds(j: number, c: number): number {
    const { grid } = this.run;
    const { breaks, cellEnds, endAtTheta, kinks } = this;
    const first = c < 0 ? 0 : this.cut.breakFirst[c];
    const last = c < 0 ? 0 : this.cut.breakFirst[c + 1];
    const old = this.place[this.movedNeuron];
    const xi = kinks[1];
    let added = !(xi > 0 && xi < 1 && grid.cellAt(kinks, 1) === j);
    cellEnds[0] = j / grid.cells;
    endAtTheta[0] = 0;
    let n = 1;
    for (let k = first; k < last; k++) {
      if (k === old) continue;
      if (!added && xi < breaks[k]) {
        cellEnds[n] = xi;
        endAtTheta[n++] = -1;
        added = true;
      }
      cellEnds[n] = breaks[k];
      endAtTheta[n++] = k - first + 1;
    }
    if (!added) {
      cellEnds[n] = xi;
      endAtTheta[n++] = -1;
    }
    cellEnds[n] = (j + 1) / grid.cells;
    endAtTheta[n++] = last - first + 1;
    return n;
  }

  /**
   * The first node at θ of the piece of cut cell c that starts at its end
   * e (0: j/M, then its breakpoints); e past the last piece: the end of
   * the cell's nodes.
   */
  private pieceStart(c: number, e: number): number {
    const cut = this.cut;
    const first = cut.breakFirst[c];
    if (e === 0) return cut.first[c];
    if (first + e - 1 < cut.breakFirst[c + 1]) return cut.after[first + e - 1];
    return cut.first[c + 1];
  }

  /** The loss of the rebuilt nodes 0 … count − 1 at the shifted θ, into `part`. */
  private rebuiltLoss(count: number): void {
    const { problem, boundary, activation, width } = this.run;
    const rebuilt = this.rebuilt;
    if (count === 0) {
      this.part = 0;
      return;
    }
    const { rebuiltX, rebuiltWeight } = this;
    fillLossData(
      problem,
      boundary,
      rebuiltX,
      rebuiltWeight,
      count,
      rebuilt.data,
    );
    rebuilt.setPoints(rebuiltX, count);
    // A few points of W neurons: one call per point, not per neuron.
    rebuilt.batch.evaluateEachPoint(this.shifted, width, activation);
    this.plainLoss(rebuilt, 0, count);
  }
}

/** The differences of a run with these settings (a thread's own, or new). */
export function createGaussDifference(config: ModelConfig): GaussDifference {
  const nodes = config.cells * config.gauss_points;
  const cached = nodes <= CACHED_NODES;
  const makeGrid = () => new UniformGauss(config.cells, config.gauss_points);
  const grid = cached
    ? grids.get(`${config.cells}x${config.gauss_points}`, makeGrid)
    : makeGrid();
  const problem = getProblem(config);
  const boundary = getBoundary(config);
  const makeData = () => {
    const data = lossData(grid.x.length);
    fillLossData(problem, boundary, grid.x, grid.weight, grid.x.length, data);
    return data;
  };
  const dataKey = `${grid.cells}x${grid.points} ${problemKey(config)} ${boundary.mode}`;
  return new GaussDifference({
    problem,
    boundary,
    activation: getActivation(config.activation),
    width: config.width,
    grid,
    gridData: cached ? gridData.get(dataKey, makeData) : makeData(),
    h: config.fd_h,
  });
}

/**
 * Writes the `finite-difference` gradient of the run's kink-aware Gauss
 * loss at θ into `out` (length 3W + 1): (L(θ + h eⱼ) − L(θ − h eⱼ)) divided
 * by the step actually taken, h = `fd_h`.
 */
export function gaussDifference(
  config: ModelConfig,
  theta: Float64Array,
  out: Float64Array,
): void {
  const make = () => createGaussDifference(config);
  const nodes = config.cells * config.gauss_points;
  const differ =
    nodes > CACHED_NODES ? make() : differences.get(shapeKey(config), make);
  differ.compute(theta, out);
}

/** The settings the differences depend on, in a fixed order. */
function shapeKey(config: ModelConfig): string {
  return JSON.stringify([
    problemKey(config),
    config.bc,
    config.beta,
    config.activation,
    config.width,
    config.cells,
    config.gauss_points,
    config.fd_h,
  ]);
}
