/**
 * The `finite-difference` gradient: central differences, step h, of the
 * loss by the run's kink-aware Gauss rule (its `cells` and
 * `gauss_points`), the definition of Model.gradient, at a cost of
 * O(W·nodes) (and of the cells rebuilt) instead of O(W²·nodes). Used by
 * the training loop and by the gradient check.
 *
 * Shifting one parameter changes one neuron, or d: at every node N changes
 * by c′σ(w′x + a′) − cσ(wx + a) and N′ by c′w′σ′(w′x + a′) − cwσ′(wx + a),
 * so one pass of that neuron over the nodes gives the shifted loss. The
 * nodes themselves change only where the neuron's kink moves: the cells
 * that hold its kink before or after the shift are rebuilt and evaluated
 * in full. The shifted losses differ from a full evaluation by rounding
 * only, well below the truncation error of the differences.
 *
 * Once built for a run, `compute` allocates nothing, whatever the JIT
 * inlines: numbers travel in arrays and fields, never as arguments or
 * return values of a call.
 */
import { type ActivationFn, getActivation } from './activations.ts';
import { type Boundary, getBoundary } from './boundary.ts';
import { CellPieces, UniformGauss } from './kink-grid.ts';
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
  /** A cell rebuilt for a moved kink. */
  private readonly rebuilt: Segment;
  private readonly rebuiltCut = new CellPieces();
  /** Breakpoints at θ, sorted, and their neurons (−1: the problem's). */
  private readonly breaks: Float64Array;
  private readonly owners: Int32Array;
  private breakCount = 0;
  /** Breakpoints of the rebuilt cell. */
  private readonly cellBreaks: Float64Array;
  private readonly affected = new Int32Array(2);
  /** Neuron i's kink before and after the shift (see `affectedCells`). */
  private readonly kinks = new Float64Array(2);
  private readonly shifted: Float64Array;
  private readonly shift = new Float64Array(5);
  /** The sum of the last `shiftedLoss` or `plainLoss` call. */
  private part = 0;
  /** The loss of the last `lossAt` call. */
  private loss = 0;

  constructor(private readonly run: DifferenceRun) {
    const { problem, boundary, width, grid } = run;
    const q = grid.points;
    const breaks = problem.breakpoints.length + width;
    this.breaks = new Float64Array(breaks);
    this.owners = new Int32Array(breaks);
    this.cellBreaks = new Float64Array(breaks + 1);
    this.cut.reserve(breaks, q);
    this.rebuiltCut.reserve(breaks + 1, q);
    this.shifted = new Float64Array(3 * width + 1);

    this.cells = new Segment(grid.x.length);
    this.cells.data = run.gridData;
    this.cells.setPoints(grid.x, grid.x.length);
    this.pieces = new Segment(this.cut.x.length);
    this.rebuilt = new Segment(this.rebuiltCut.x.length);
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

  /** Nodes at θ, N and N′ there. */
  private prepare(theta: Float64Array): void {
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
   * rebuilt cell; then the penalty nodes.
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
        this.rebuiltCell(j, i);
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
   * The loss of cell j split at its breakpoints after neuron i's kink
   * moved, into `part`.
   */
  private rebuiltCell(j: number, i: number): void {
    const { problem, boundary, activation, width, grid } = this.run;
    const count = this.cellBreakpoints(j, i);
    if (count === 0) {
      this.shiftedLoss(this.cells, j * grid.points, (j + 1) * grid.points);
      return;
    }
    const cut = this.rebuiltCut;
    const rebuilt = this.rebuilt;
    cut.build(grid, this.cellBreaks, count);
    fillLossData(problem, boundary, cut.x, cut.weight, cut.count, rebuilt.data);
    rebuilt.setPoints(cut.x, cut.count);
    rebuilt.batch.evaluate(this.shifted, width, activation);
    this.plainLoss(rebuilt, 0, cut.count);
  }

  /**
   * Cell j's breakpoints after neuron i's kink moved, sorted, into
   * `cellBreaks`: those at θ but neuron i's, and its new kink if in cell j.
   */
  private cellBreakpoints(j: number, i: number): number {
    const { width, grid } = this.run;
    const kinks = this.kinks;
    kinks[1] = -this.shifted[width + i] / this.shifted[i];
    const xi = kinks[1];
    const inside = xi > 0 && xi < 1 && grid.cellAt(kinks, 1) === j;
    const right = (j + 1) / grid.cells;
    let added = !inside;
    let n = 0;
    for (let k = this.firstBreakOf(j); k < this.breakCount; k++) {
      const b = this.breaks[k];
      if (!(b < right)) break;
      if (this.owners[k] === i) continue;
      if (!added && xi < b) {
        this.cellBreaks[n++] = xi;
        added = true;
      }
      this.cellBreaks[n++] = b;
    }
    if (!added) this.cellBreaks[n++] = xi;
    return n;
  }

  /** Index of the first breakpoint at θ that is ≥ j/M (binary search). */
  private firstBreakOf(j: number): number {
    const x = j / this.run.grid.cells;
    let lo = 0;
    let hi = this.breakCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.breaks[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
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
