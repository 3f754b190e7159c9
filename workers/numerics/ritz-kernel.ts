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
 */
import type { ActivationFn } from './activations.ts';
import type { NodeSet } from './node-set.ts';

/** Scratch buffers of length W for one network width. */
export class Workspace {
  readonly s0: Float64Array;
  readonly s1: Float64Array;
  readonly s2: Float64Array;
  /** Σ over nodes of Aσᵢ + Bwᵢσᵢ′ (= ∂L/∂cᵢ). */
  readonly sumC: Float64Array;
  /** Σ over nodes of Pᵢ. */
  readonly sumP: Float64Array;
  /** Σ over nodes of xPᵢ + Bσᵢ′. */
  readonly sumW: Float64Array;

  constructor(readonly width: number) {
    this.s0 = new Float64Array(width);
    this.s1 = new Float64Array(width);
    this.s2 = new Float64Array(width);
    this.sumC = new Float64Array(width);
    this.sumP = new Float64Array(width);
    this.sumW = new Float64Array(width);
  }
}

/** N(x) and N′(x) after `activation.layer` filled s0, s1 at x. */
function forward(theta: Float64Array, ws: Workspace): number {
  const width = ws.width;
  const { s0 } = ws;
  let n = theta[3 * width];
  for (let i = 0; i < width; i++) n += theta[2 * width + i] * s0[i];
  return n;
}

function forwardSlope(theta: Float64Array, ws: Workspace): number {
  const width = ws.width;
  const { s1 } = ws;
  let np = 0;
  for (let i = 0; i < width; i++) np += theta[2 * width + i] * theta[i] * s1[i];
  return np;
}

/** Σₖ Fₖ over the node set: the loss at θ. */
export function ritzLoss(
  nodes: NodeSet,
  theta: Float64Array,
  activation: ActivationFn,
  ws: Workspace,
): number {
  const { x, kw, bw, g, dg, pw } = nodes;
  const { s0, s1, s2 } = ws;
  let loss = 0;
  for (let k = 0; k < nodes.count; k++) {
    activation.layer(x[k], theta, ws.width, s0, s1, s2);
    const n = forward(theta, ws);
    const np = forwardSlope(theta, ws);
    const u = g[k] * n;
    const du = dg[k] * n + g[k] * np;
    loss += 0.5 * kw[k] * du * du - bw[k] * u + 0.5 * pw[k] * n * n;
  }
  return loss;
}

/**
 * The loss at θ and its pointwise chain-rule gradient, written to `out`
 * (layout of params.ts).
 */
export function ritzGradient(
  nodes: NodeSet,
  theta: Float64Array,
  activation: ActivationFn,
  ws: Workspace,
  out: Float64Array,
): number {
  const width = ws.width;
  const { x, kw, bw, g, dg, pw } = nodes;
  const { s0, s1, s2, sumC, sumP, sumW } = ws;
  sumC.fill(0);
  sumP.fill(0);
  sumW.fill(0);
  let loss = 0;
  let sumD = 0;

  for (let k = 0; k < nodes.count; k++) {
    const xk = x[k];
    activation.layer(xk, theta, width, s0, s1, s2);
    const n = forward(theta, ws);
    const np = forwardSlope(theta, ws);
    const gk = g[k];
    const dgk = dg[k];
    const u = gk * n;
    const du = dgk * n + gk * np;
    loss += 0.5 * kw[k] * du * du - bw[k] * u + 0.5 * pw[k] * n * n;

    const r = kw[k] * du;
    const a = r * dgk - bw[k] * gk + pw[k] * n;
    const b = r * gk;
    sumD += a;
    for (let i = 0; i < width; i++) {
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
  return loss;
}
