/**
 * The Ritz loss and gradient loops in plain JavaScript, on the pointwise
 * layer of activations.ts: the reference the WebAssembly kernel is tested
 * against (same maths, same order of operations; see ritz-kernel.ts).
 */
import type { ActivationFn } from '../../workers/numerics/activations.ts';
import type { NodeSet } from '../../workers/numerics/node-set.ts';
import { Workspace } from '../../workers/numerics/ritz-kernel.ts';

/** Σₖ Fₖ over the node set at θ. */
export function referenceLoss(
  nodes: NodeSet,
  theta: Float64Array,
  activation: ActivationFn,
  width: number,
): number {
  const { x, kw, bw, g, dg, pw } = nodes;
  const ws = new Workspace(width);
  ws.load(theta);
  let loss = 0;
  for (let k = 0; k < nodes.count; k++) {
    ws.networkAt(x, k, theta, activation);
    const n = ws.value;
    const u = g[k] * n;
    const du = dg[k] * n + g[k] * ws.slope;
    loss += 0.5 * kw[k] * du * du - bw[k] * u + 0.5 * pw[k] * n * n;
  }
  return loss;
}

/** The pointwise chain-rule gradient at θ (layout of params.ts). */
export function referenceGradient(
  nodes: NodeSet,
  theta: Float64Array,
  activation: ActivationFn,
  width: number,
): Float64Array {
  const { x, kw, bw, g, dg, pw } = nodes;
  const ws = new Workspace(width);
  const { s0, s1, s2 } = ws;
  const sumC = new Float64Array(width);
  const sumP = new Float64Array(width);
  const sumW = new Float64Array(width);
  ws.load(theta);
  let sumD = 0;
  for (let k = 0; k < nodes.count; k++) {
    ws.networkAt(x, k, theta, activation);
    const n = ws.value;
    const du = dg[k] * n + g[k] * ws.slope;
    const r = kw[k] * du;
    const a = r * dg[k] - bw[k] * g[k] + pw[k] * n;
    const b = r * g[k];
    sumD += a;
    for (let i = 0; i < width; i++) {
      const bwi = b * theta[i];
      const p = a * s1[i] + bwi * s2[i];
      sumC[i] += a * s0[i] + bwi * s1[i];
      sumP[i] += p;
      sumW[i] += x[k] * p + b * s1[i];
    }
  }
  const out = new Float64Array(3 * width + 1);
  for (let i = 0; i < width; i++) {
    out[i] = theta[2 * width + i] * sumW[i];
    out[width + i] = theta[2 * width + i] * sumP[i];
    out[2 * width + i] = sumC[i];
  }
  out[3 * width] = sumD;
  return out;
}
