/**
 * The network N(x) = Σᵢ cᵢσ(wᵢx + aᵢ) + d and N′(x) at many points at once:
 * one `activation.layer` call per neuron over every point, instead of one
 * call per point over every neuron. For the narrow networks of most runs
 * this removes the call per point, which costs more than the arithmetic.
 *
 * `layer` computes σ(θ[i]·x + θ[W + i]) for i < W at one x. Called with the
 * points in the place of the weights and the neuron's weight in the place
 * of x, it computes σ(xₚ·wᵢ + aᵢ) for every point p: the same products
 * (multiplication commutes exactly), the same sums, the same σ.
 */
import type { ActivationFn } from './activations.ts';

/**
 * Points whose σ `layers` should hold at once for a width-W network: 256
 * (the buffers stay in the processor's first-level cache), fewer for wide
 * networks so that σ and σ′ of all neurons take at most 1 MiB.
 */
export function blockSize(width: number): number {
  return Math.max(16, Math.min(256, Math.floor(65536 / width)));
}

/** N and N′ at a set of points, for any θ; buffers grow as needed. */
export class NetworkBatch {
  /** Points in use. */
  count = 0;
  /** N(xₚ) after `evaluate`. */
  value = new Float64Array(0);
  /** N′(xₚ) after `evaluate`. */
  slope = new Float64Array(0);
  /** N and N′ at the point of the last `networkAt` call. */
  pointValue = 0;
  pointSlope = 0;
  /** σ, σ′, σ″ of one neuron at every point, after `neuron`. */
  s0 = new Float64Array(0);
  s1 = new Float64Array(0);
  s2 = new Float64Array(0);

  /** The points, then the neuron's bias once per point: `layer`'s θ. */
  private transposed = new Float64Array(0);
  /** The neuron's weight, where `layer` reads x. */
  private readonly weight = new Float64Array(1);
  /** σ and σ′ of neuron i at point p, at i·capacity + p, after `layers`. */
  sigma = new Float64Array(0);
  sigmaSlope = new Float64Array(0);
  /** cᵢwᵢ at the θ of `layers`. */
  cw = new Float64Array(0);
  /** Neuron i's rows of `sigma` and `sigmaSlope`, for `layer` to fill. */
  private rows: Float64Array[] = [];
  private slopeRows: Float64Array[] = [];
  /** The points of one block at a time, for `evaluate`. */
  private block: NetworkBatch | undefined;
  /** σ, σ′, σ″ of every neuron at one point, for `evaluateEachPoint`. */
  private pointSigma = new Float64Array(0);
  private pointSlopeSigma = new Float64Array(0);
  private pointCurvature = new Float64Array(0);

  /** Points the buffers hold. */
  get capacity(): number {
    return this.value.length;
  }

  /** Takes `count` points from x[from …] (copied). */
  setPoints(x: Float64Array, from: number, count: number): void {
    if (count > this.capacity) this.grow(count);
    this.count = count;
    for (let p = 0; p < count; p++) this.transposed[p] = x[from + p];
  }

  /**
   * σ(wᵢxₚ + aᵢ), σ′, σ″ of neuron i of the width-W network θ at every
   * point, into s0, s1, s2.
   */
  neuron(
    theta: Float64Array,
    i: number,
    width: number,
    activation: ActivationFn,
  ): void {
    this.layer(theta, i, width, activation, this.s0, this.s1);
  }

  /**
   * N and N′ of the width-W network θ at every point, into `value` and
   * `slope` (see `networkAt`), a block of points at a time.
   */
  evaluate(theta: Float64Array, width: number, activation: ActivationFn): void {
    this.block ??= new NetworkBatch();
    const { block, count, value, slope } = this;
    const size = blockSize(width);
    for (let from = 0; from < count; from += size) {
      block.setPoints(this.transposed, from, Math.min(size, count - from));
      block.layers(theta, width, activation);
      for (let p = 0; p < block.count; p++) {
        block.networkAt(theta, width, p);
        value[from + p] = block.pointValue;
        slope[from + p] = block.pointSlope;
      }
    }
  }

  /**
   * `evaluate` one point at a time: one `layer` call per point over every
   * neuron, instead of one per neuron over the points, for a few points
   * of a wide network. The same σ, products and sums as `networkAt`, so
   * the same N and N′ to the bit. Buffers for W neurons are made on the
   * first call.
   */
  evaluateEachPoint(
    theta: Float64Array,
    width: number,
    activation: ActivationFn,
  ): void {
    if (this.pointSigma.length < width) {
      this.pointSigma = new Float64Array(width);
      this.pointSlopeSigma = new Float64Array(width);
      this.pointCurvature = new Float64Array(width);
    }
    const { pointSigma: s0, pointSlopeSigma: s1, value, slope } = this;
    const c = 2 * width;
    for (let p = 0; p < this.count; p++) {
      activation.layer(
        this.transposed,
        p,
        theta,
        width,
        s0,
        s1,
        this.pointCurvature,
      );
      let n = theta[3 * width];
      let n2 = 0;
      let np = 0;
      let np2 = 0;
      let i = 0;
      for (; i + 1 < width; i += 2) {
        n += theta[c + i] * s0[i];
        n2 += theta[c + i + 1] * s0[i + 1];
        np += theta[c + i] * theta[i] * s1[i];
        np2 += theta[c + i + 1] * theta[i + 1] * s1[i + 1];
      }
      if (i < width) {
        n += theta[c + i] * s0[i];
        np += theta[c + i] * theta[i] * s1[i];
      }
      value[p] = n + n2;
      slope[p] = np + np2;
    }
  }

  /**
   * σ and σ′ of every neuron of θ at every point, into `sigma` and
   * `sigmaSlope`, and cᵢwᵢ into `cw`: W·count numbers each, so for at most
   * `blockSize(W)` points.
   */
  layers(theta: Float64Array, width: number, activation: ActivationFn): void {
    if (this.rows.length < width || this.cw.length < width) {
      this.makeRows(width);
    }
    for (let i = 0; i < width; i++) {
      this.cw[i] = theta[2 * width + i] * theta[i];
      this.layer(theta, i, width, activation, this.rows[i], this.slopeRows[i]);
    }
  }

  /**
   * N and N′ at point p from the σ and σ′ of `layers`, into `pointValue`
   * and `pointSlope`, summed as `Workspace.networkAt` sums them: d and the
   * even neurons in one sum, the odd neurons in another, the two added at
   * the end; likewise for N′ with cᵢwᵢ. So each is, to the bit, what the
   * kernel computes at that point. Small enough to be inlined where it is
   * called: nothing is stored per point but the two results.
   */
  networkAt(theta: Float64Array, width: number, p: number): void {
    const { sigma, sigmaSlope, cw, capacity: stride } = this;
    const c = 2 * width;
    let n = theta[3 * width];
    let n2 = 0;
    let np = 0;
    let np2 = 0;
    let i = 0;
    let k = p;
    for (; i + 1 < width; i += 2, k += 2 * stride) {
      n += theta[c + i] * sigma[k];
      n2 += theta[c + i + 1] * sigma[k + stride];
      np += cw[i] * sigmaSlope[k];
      np2 += cw[i + 1] * sigmaSlope[k + stride];
    }
    if (i < width) {
      n += theta[c + i] * sigma[k];
      np += cw[i] * sigmaSlope[k];
    }
    this.pointValue = n + n2;
    this.pointSlope = np + np2;
  }

  /**
   * Neuron i of θ at every point. wᵢ and aᵢ are read here, not passed in:
   * a double passed to a call the JIT does not inline is boxed.
   */
  private layer(
    theta: Float64Array,
    i: number,
    width: number,
    activation: ActivationFn,
    s0: Float64Array,
    s1: Float64Array,
  ): void {
    const { count, transposed } = this;
    const a = theta[width + i];
    this.weight[0] = theta[i];
    for (let p = count; p < 2 * count; p++) transposed[p] = a;
    activation.layer(this.weight, 0, transposed, count, s0, s1, this.s2);
  }

  private grow(count: number): void {
    const size = Math.max(count, 2 * this.capacity);
    this.transposed = new Float64Array(2 * size);
    this.value = new Float64Array(size);
    this.slope = new Float64Array(size);
    this.s0 = new Float64Array(size);
    this.s1 = new Float64Array(size);
    this.s2 = new Float64Array(size);
    this.makeRows(this.rows.length);
  }

  private makeRows(width: number): void {
    const size = this.capacity;
    this.sigma = new Float64Array(width * size);
    this.sigmaSlope = new Float64Array(width * size);
    this.cw = new Float64Array(width);
    this.rows = [];
    this.slopeRows = [];
    for (let i = 0; i < width; i++) {
      this.rows.push(this.sigma.subarray(i * size, (i + 1) * size));
      this.slopeRows.push(this.sigmaSlope.subarray(i * size, (i + 1) * size));
    }
  }
}
