/**
 * The hot loop: the Ritz loss at a set of nodes and its pointwise
 * chain-rule gradient (what reverse-mode AD computes with the nodes held
 * fixed). Allocation-free: every buffer lives in a Workspace.
 *
 * At node x with N = Σ cᵢσᵢ + d, N′ = Σ cᵢwᵢσᵢ′, u = gN, u′ = g′N + gN′,
 * the loss term is F = ωκu′²/2 − ωbu + pN²/2. With
 * A = ∂F/∂N = ωκu′g′ − ωbg + pN and B = ∂F/∂N′ = ωκu′g:
 *
 *     ∂F/∂cᵢ = Aσᵢ + Bwᵢσᵢ′          ∂F/∂d = A
 *     ∂F/∂aᵢ = cᵢ Pᵢ                  Pᵢ = Aσᵢ′ + Bwᵢσᵢ″
 *     ∂F/∂wᵢ = cᵢ (x Pᵢ + Bσᵢ′)
 *
 * cᵢ is the same at every node, so Σ Pᵢ and Σ (xPᵢ + Bσᵢ′) are accumulated
 * and multiplied by cᵢ once at the end.
 *
 * Results that are numbers are left in Workspace fields rather than
 * returned: a double returned from a call the JIT does not inline is boxed
 * into a fresh heap object, which would be an allocation per step.
 */
import type { ActivationFn } from './activations.ts';
import type { NodeSet } from './node-set.ts';

/** Scratch buffers of length W for one network width. */
export class Workspace {
  readonly s0: Float64Array;
  readonly s1: Float64Array;
  readonly s2: Float64Array;
  /** cᵢwᵢ at the current θ. */
  readonly cw: Float64Array;
  /** Σ over nodes of Aσᵢ + Bwᵢσᵢ′ (= ∂L/∂cᵢ). */
  readonly sumC: Float64Array;
  /** Σ over nodes of Pᵢ. */
  readonly sumP: Float64Array;
  /** Σ over nodes of xPᵢ + Bσᵢ′. */
  readonly sumW: Float64Array;
  /** N of the last `networkAt` call. */
  value = 0;
  /** N′ of the last `networkAt` call. */
  slope = 0;
  /** Loss of the last `ritzLoss` or `ritzGradient` call. */
  loss = 0;

  constructor(readonly width: number) {
    this.s0 = new Float64Array(width);
    this.s1 = new Float64Array(width);
    this.s2 = new Float64Array(width);
    this.cw = new Float64Array(width);
    this.sumC = new Float64Array(width);
    this.sumP = new Float64Array(width);
    this.sumW = new Float64Array(width);
  }

  /** Sets cw = cᵢwᵢ for θ; call once per θ before `networkAt`. */
  load(theta: Float64Array): void {
    const width = this.width;
    for (let i = 0; i < width; i++)
      this.cw[i] = theta[2 * width + i] * theta[i];
  }

  /**
   * Evaluates the layer at x = xs[k] into s0, s1, s2, and N(x), N′(x) into
   * `value` and `slope`.
   */
  networkAt(
    xs: Float64Array,
    k: number,
    theta: Float64Array,
    activation: ActivationFn,
  ): void {
    const width = this.width;
    const { s0, s1, cw } = this;
    activation.layer(xs, k, theta, width, s0, s1, this.s2);
    let n = theta[3 * width];
    let np = 0;
    let n2 = 0;
    let np2 = 0;
    let i = 0;
    // Two neurons per pass, each sum split in two: the JIT does not unroll,
    // and one chain of dependent additions would wait on every add.
    for (; i + 1 < width; i += 2) {
      n += theta[2 * width + i] * s0[i];
      n2 += theta[2 * width + i + 1] * s0[i + 1];
      np += cw[i] * s1[i];
      np2 += cw[i + 1] * s1[i + 1];
    }
    for (; i < width; i++) {
      n += theta[2 * width + i] * s0[i];
      np += cw[i] * s1[i];
    }
    this.value = n + n2;
    this.slope = np + np2;
  }
}

/** Σₖ Fₖ over the node set: the loss at θ, left in `ws.loss`. */
export function ritzLoss(
  nodes: NodeSet,
  theta: Float64Array,
  activation: ActivationFn,
  ws: Workspace,
): void {
  const { x, kw, bw, g, dg, pw } = nodes;
  ws.load(theta);
  let loss = 0;
  for (let k = 0; k < nodes.count; k++) {
    ws.networkAt(x, k, theta, activation);
    const n = ws.value;
    const u = g[k] * n;
    const du = dg[k] * n + g[k] * ws.slope;
    loss += 0.5 * kw[k] * du * du - bw[k] * u + 0.5 * pw[k] * n * n;
  }
  ws.loss = loss;
}

/**
 * The pointwise chain-rule gradient at θ, written to `out` (layout of
 * params.ts), and the loss, left in `ws.loss`.
 */
export function ritzGradient(
  nodes: NodeSet,
  theta: Float64Array,
  activation: ActivationFn,
  ws: Workspace,
  out: Float64Array,
): void {
  const width = ws.width;
  const { x, kw, bw, g, dg, pw } = nodes;
  const { s0, s1, s2, sumC, sumP, sumW } = ws;
  ws.load(theta);
  sumC.fill(0);
  sumP.fill(0);
  sumW.fill(0);
  let loss = 0;
  let sumD = 0;

  for (let k = 0; k < nodes.count; k++) {
    const xk = x[k];
    ws.networkAt(x, k, theta, activation);
    const n = ws.value;
    const gk = g[k];
    const dgk = dg[k];
    const u = gk * n;
    const du = dgk * n + gk * ws.slope;
    loss += 0.5 * kw[k] * du * du - bw[k] * u + 0.5 * pw[k] * n * n;

    const r = kw[k] * du;
    const a = r * dgk - bw[k] * gk + pw[k] * n;
    const b = r * gk;
    sumD += a;
    let i = 0;
    // Two neurons per pass (the JIT does not unroll): 7–13% fewer cycles.
    for (; i + 1 < width; i += 2) {
      const d1 = s1[i];
      const e1 = s1[i + 1];
      const bwi = b * theta[i];
      const bwj = b * theta[i + 1];
      const p = a * d1 + bwi * s2[i];
      const q = a * e1 + bwj * s2[i + 1];
      sumC[i] += a * s0[i] + bwi * d1;
      sumC[i + 1] += a * s0[i + 1] + bwj * e1;
      sumP[i] += p;
      sumP[i + 1] += q;
      sumW[i] += xk * p + b * d1;
      sumW[i + 1] += xk * q + b * e1;
    }
    for (; i < width; i++) {
      const d1 = s1[i];
      const bwi = b * theta[i];
      const p = a * d1 + bwi * s2[i];
      sumC[i] += a * s0[i] + bwi * d1;
      sumP[i] += p;
      sumW[i] += xk * p + b * d1;
    }
  }

  for (let i = 0; i < width; i++) {
    const c = theta[2 * width + i];
    out[i] = c * sumW[i];
    out[width + i] = c * sumP[i];
    out[2 * width + i] = sumC[i];
  }
  out[3 * width] = sumD;
  ws.loss = loss;
}
