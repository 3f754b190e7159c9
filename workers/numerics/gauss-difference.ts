/**
 * The `finite-difference` gradient of the gradient check: central
 * differences, step h, of the loss by the run's kink-aware Gauss rule (its
 * `cells` and `gauss_points`), the definition of Model.gradient, at a cost
 * of O(W·nodes) (and of the cells rebuilt) instead of O(W²·nodes).
 *
 * Shifting one parameter changes one neuron, or d: at every node N changes
 * by c′σ(w′x + a′) − cσ(wx + a) and N′ by c′w′σ′(w′x + a′) − cwσ′(wx + a),
 * so one pass of that neuron over the nodes gives the shifted loss. The
 * nodes themselves change only where the neuron's kink moves: the cells
 * that hold its kink before or after the shift are rebuilt and evaluated
 * in full. The shifted losses differ from a full evaluation by rounding
 * only, well below the truncation error of the differences.
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

/** Grids and grid data above this many nodes are built per call. */
const CACHED_NODES = 1 << 16;

const grids = new ThreadCache<UniformGauss>(4);
const gridData = new ThreadCache<LossData>(8);

function lossData(size: number): LossData {
  const array = () => new Float64Array(size);
  return { kw: array(), bw: array(), g: array(), dg: array(), pw: array() };
}

/** κ, b, g, g′ at x[0 … count) weighted by ω, as NodeSet.complete. */
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
  data = lossData(0);
  /** σ, σ′ of the neuron being shifted, at θ. */
  s0Old = new Float64Array(0);
  s1Old = new Float64Array(0);
  /** σ, σ′ of that neuron after the shift. */
  s0New = this.s0Old;
  s1New = this.s1Old;

  /** Takes x[0 … count) as the nodes; `data` must be filled for them. */
  setPoints(x: Float64Array, count: number): void {
    this.batch.setPoints(x, 0, count);
    if (this.s0Old.length < count) {
      this.s0Old = new Float64Array(this.batch.capacity);
      this.s1Old = new Float64Array(this.batch.capacity);
    }
  }

  /** Keeps σ, σ′ of the neuron (w, a) as the base of the next shifts. */
  keepNeuron(w: number, a: number, activation: ActivationFn): void {
    const { batch } = this;
    batch.neuron(w, a, activation);
    this.s0Old.set(batch.s0.subarray(0, batch.count));
    this.s1Old.set(batch.s1.subarray(0, batch.count));
  }

  /** The neuron's σ after its w or a moved to (w, a). */
  moveNeuron(w: number, a: number, activation: ActivationFn): void {
    this.batch.neuron(w, a, activation);
    this.s0New = this.batch.s0;
    this.s1New = this.batch.s1;
  }

  /** The neuron's σ unchanged (c or d shifted). */
  keepSigma(): void {
    this.s0New = this.s0Old;
    this.s1New = this.s1Old;
  }
}

/** How the shifted parameter changes N and N′ (see the file comment). */
interface Shift {
  /** c and cw before and after. */
  cOld: number;
  cwOld: number;
  cNew: number;
  cwNew: number;
  /** Change of d. */
  d: number;
}

/** Σ of the loss terms of nodes from … to − 1 with N, N′ shifted. */
function shiftedLoss(
  segment: Segment,
  shift: Shift,
  from: number,
  to: number,
): number {
  const { value, slope } = segment.batch;
  const { kw, bw, g, dg, pw } = segment.data;
  const { s0Old, s1Old, s0New, s1New } = segment;
  const { cOld, cwOld, cNew, cwNew, d } = shift;
  let loss = 0;
  for (let k = from; k < to; k++) {
    const n = value[k] + (cNew * s0New[k] - cOld * s0Old[k]) + d;
    const np = slope[k] + (cwNew * s1New[k] - cwOld * s1Old[k]);
    const u = g[k] * n;
    const du = dg[k] * n + g[k] * np;
    loss += 0.5 * kw[k] * du * du - bw[k] * u + 0.5 * pw[k] * n * n;
  }
  return loss;
}

/** Σ of the loss terms of nodes from … to − 1 as evaluated. */
function plainLoss(segment: Segment, from: number, to: number): number {
  const { value, slope } = segment.batch;
  const { kw, bw, g, dg, pw } = segment.data;
  let loss = 0;
  for (let k = from; k < to; k++) {
    const n = value[k];
    const u = g[k] * n;
    const du = dg[k] * n + g[k] * slope[k];
    loss += 0.5 * kw[k] * du * du - bw[k] * u + 0.5 * pw[k] * n * n;
  }
  return loss;
}

/** What one run's differences read. */
interface Run {
  problem: ProblemFn;
  boundary: Boundary;
  activation: ActivationFn;
  width: number;
  grid: UniformGauss;
  /** See `problemKey`. */
  problemKey: string;
}

class GaussDifference {
  private run!: Run;
  /** The uniform cells, the cut cells' pieces at θ, the penalty nodes. */
  private readonly cells = new Segment();
  private readonly pieces = new Segment();
  private readonly penalty = new Segment();
  private readonly cut = new CellPieces();
  /** A cell rebuilt for a moved kink. */
  private readonly rebuilt = new Segment();
  private readonly rebuiltCut = new CellPieces();
  /** Breakpoints at θ, sorted, and their neurons (−1: the problem's). */
  private breaks = new Float64Array(0);
  private owners = new Int32Array(0);
  private breakCount = 0;
  /** Breakpoints of the rebuilt cell. */
  private cellBreaks = new Float64Array(0);
  private readonly affected = new Int32Array(2);
  private shifted = new Float64Array(0);
  private readonly shift: Shift = {
    cOld: 0,
    cwOld: 0,
    cNew: 0,
    cwNew: 0,
    d: 0,
  };

  /** ∂L/∂θ by central differences with step h, into `out`. */
  compute(run: Run, theta: Float64Array, h: number, out: Float64Array) {
    this.run = run;
    this.prepare(theta);
    const width = run.width;
    for (let i = 0; i < width; i++) {
      this.keepNeuron(theta[i], theta[width + i]);
      for (const j of [i, width + i, 2 * width + i]) {
        out[j] = this.difference(theta, j, h);
      }
    }
    out[3 * width] = this.difference(theta, 3 * width, h);
  }

  /** (L(θ + h·eⱼ) − L(θ − h·eⱼ)) / (the step actually taken). */
  private difference(theta: Float64Array, j: number, h: number): number {
    const t = theta[j];
    const up = t + h;
    const down = t - h;
    return (
      (this.lossAt(theta, j, up) - this.lossAt(theta, j, down)) / (up - down)
    );
  }

  /** Nodes at θ, N and N′ there. */
  private prepare(theta: Float64Array): void {
    const { problem, boundary, activation, width, grid } = this.run;
    const nodes = grid.x.length;
    this.cells.data = this.gridData();
    this.cells.setPoints(grid.x, nodes);

    this.collectBreaks(theta);
    const cut = this.cut;
    cut.build(grid, this.breaks, this.breakCount);
    if (this.pieces.data.kw.length < cut.count) {
      this.pieces.data = lossData(cut.x.length);
    }
    fillLossData(
      problem,
      boundary,
      cut.x,
      cut.weight,
      cut.count,
      this.pieces.data,
    );
    this.pieces.setPoints(cut.x, cut.count);

    const beta = boundary.penalty;
    this.penalty.data = lossData(beta > 0 ? 2 : 0);
    if (beta > 0) {
      this.penalty.data.g.fill(1);
      this.penalty.data.pw.fill(beta);
      this.penalty.setPoints(new Float64Array([0, 1]), 2);
    } else {
      this.penalty.setPoints(new Float64Array(0), 0);
    }
    for (const segment of [this.cells, this.pieces, this.penalty]) {
      segment.batch.evaluate(theta, width, activation);
    }
    if (this.shifted.length !== theta.length) {
      this.shifted = new Float64Array(theta.length);
    }
    this.shifted.set(theta);
  }

  private gridData(): LossData {
    const { problem, boundary, grid } = this.run;
    const make = () => {
      const data = lossData(grid.x.length);
      fillLossData(problem, boundary, grid.x, grid.weight, grid.x.length, data);
      return data;
    };
    if (grid.x.length > CACHED_NODES) return make();
    const key = `${grid.cells}x${grid.points} ${this.run.problemKey} ${boundary.mode}`;
    return gridData.get(key, make);
  }

  /** The problem's breakpoints and the kinks inside (0, 1), sorted. */
  private collectBreaks(theta: Float64Array): void {
    const { problem, activation, width } = this.run;
    const size = problem.breakpoints.length + width;
    if (this.breaks.length < size) {
      this.breaks = new Float64Array(size);
      this.owners = new Int32Array(size);
      this.cellBreaks = new Float64Array(size + 1);
    }
    const points: [number, number][] = [];
    for (const b of problem.breakpoints)
      if (b > 0 && b < 1) points.push([b, -1]);
    if (activation.piecewise) {
      for (let i = 0; i < width; i++) {
        const xi = -theta[width + i] / theta[i];
        if (xi > 0 && xi < 1) points.push([xi, i]);
      }
    }
    points.sort((p, q) => p[0] - q[0]);
    points.forEach(([x, owner], k) => {
      this.breaks[k] = x;
      this.owners[k] = owner;
    });
    this.breakCount = points.length;
  }

  private keepNeuron(w: number, a: number): void {
    const { activation } = this.run;
    for (const segment of [this.cells, this.pieces, this.penalty]) {
      segment.keepNeuron(w, a, activation);
    }
  }

  /** L at θ with θⱼ = value, from N and N′ at θ. */
  private lossAt(theta: Float64Array, j: number, value: number): number {
    const { width, activation } = this.run;
    const i = j % width;
    const shifted = this.shifted;
    shifted[j] = value;
    const w = shifted[i];
    const a = shifted[width + i];
    const c = shifted[2 * width + i];
    const moved = j < 2 * width;
    for (const segment of [this.cells, this.pieces, this.penalty]) {
      if (moved) segment.moveNeuron(w, a, activation);
      else segment.keepSigma();
    }
    const shift = this.shift;
    const isD = j === 3 * width;
    shift.cOld = isD ? 0 : theta[2 * width + i];
    shift.cwOld = isD ? 0 : theta[2 * width + i] * theta[i];
    shift.cNew = isD ? 0 : c;
    shift.cwNew = isD ? 0 : c * w;
    shift.d = isD ? value - theta[j] : 0;

    const loss = this.sumCells(theta, i, moved && activation.piecewise);
    shifted[j] = theta[j];
    return loss;
  }

  /**
   * The shifted loss over the rule's nodes: uniform cells, cut cells'
   * pieces, and, where neuron i's kink was or now is, the rebuilt cell;
   * then the penalty nodes.
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
      loss += shiftedLoss(this.cells, this.shift, from, j * q);
      if (moved === j) {
        loss += this.rebuiltCell(j, i);
        a++;
      } else {
        loss += shiftedLoss(
          this.pieces,
          this.shift,
          cut.first[c],
          cut.first[c + 1],
        );
      }
      if (cutCell === j) c++;
      from = (j + 1) * q;
    }
    loss += shiftedLoss(this.cells, this.shift, from, grid.x.length);
    return (
      loss + shiftedLoss(this.penalty, this.shift, 0, this.penalty.batch.count)
    );
  }

  /** The cells of neuron i's kink at θ and after the shift, ascending. */
  private affectedCells(theta: Float64Array, i: number): number {
    const { width, grid } = this.run;
    const before = -theta[width + i] / theta[i];
    const after = -this.shifted[width + i] / this.shifted[i];
    let count = 0;
    for (const xi of [before, after]) {
      if (!(xi > 0 && xi < 1)) continue;
      const j = grid.cellOf(xi);
      if (count === 0 || this.affected[count - 1] !== j)
        this.affected[count++] = j;
    }
    if (count === 2 && this.affected[0] > this.affected[1]) {
      this.affected.reverse();
    }
    return count;
  }

  /** The loss of cell j split at its breakpoints after neuron i's kink moved. */
  private rebuiltCell(j: number, i: number): number {
    const { problem, boundary, activation, width, grid } = this.run;
    const count = this.cellBreakpoints(j, i);
    if (count === 0) {
      return shiftedLoss(
        this.cells,
        this.shift,
        j * grid.points,
        (j + 1) * grid.points,
      );
    }
    const cut = this.rebuiltCut;
    cut.build(grid, this.cellBreaks, count);
    if (this.rebuilt.data.kw.length < cut.count) {
      this.rebuilt.data = lossData(cut.x.length);
    }
    fillLossData(
      problem,
      boundary,
      cut.x,
      cut.weight,
      cut.count,
      this.rebuilt.data,
    );
    this.rebuilt.setPoints(cut.x, cut.count);
    this.rebuilt.batch.evaluate(this.shifted, width, activation);
    return plainLoss(this.rebuilt, 0, cut.count);
  }

  /**
   * Cell j's breakpoints after neuron i's kink moved, sorted, into
   * `cellBreaks`: those at θ but neuron i's, and its new kink if in cell j.
   */
  private cellBreakpoints(j: number, i: number): number {
    const { width, grid } = this.run;
    const xi = -this.shifted[width + i] / this.shifted[i];
    const inside = xi > 0 && xi < 1 && grid.cellOf(xi) === j;
    let added = !inside;
    let n = 0;
    for (
      let k = this.firstBreakFrom(j / grid.cells);
      k < this.breakCount;
      k++
    ) {
      const b = this.breaks[k];
      if (!(b < (j + 1) / grid.cells)) break;
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

  /** Index of the first breakpoint at θ that is ≥ x (binary search). */
  private firstBreakFrom(x: number): number {
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

let differences: GaussDifference | undefined;

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
  differences ??= new GaussDifference();
  const nodes = config.cells * config.gauss_points;
  const make = () => new UniformGauss(config.cells, config.gauss_points);
  const grid =
    nodes > CACHED_NODES
      ? make()
      : grids.get(`${config.cells}x${config.gauss_points}`, make);
  const run: Run = {
    problem: getProblem(config),
    boundary: getBoundary(config),
    activation: getActivation(config.activation),
    width: config.width,
    grid,
    problemKey: problemKey(config),
  };
  differences.compute(run, theta, config.fd_h, out);
}
