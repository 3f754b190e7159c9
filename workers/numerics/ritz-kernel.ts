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
 * The loops over nodes run in WebAssembly with SIMD, two neurons per
 * instruction (wasm-kernel.ts, wasm/assembly/kernel.ts). A single point,
 * as the metrics and the kink terms need, is evaluated here in JavaScript
 * by `Workspace.networkAt`, with the same sums in the same order (σ of the
 * smooth activations may differ from the kernel's by a few ulp).
 *
 * Results that are numbers are left in Workspace fields rather than
 * returned: a double returned from a call the JIT does not inline is boxed
 * into a fresh heap object, which would be an allocation per step.
 */
import type { ActivationFn } from './activations.ts';
import type { NodeSet } from './node-set.ts';
import { wasmRitzGradient, wasmRitzLoss } from './wasm-kernel.ts';

/** Scratch buffers of length W for one network width. */
export class Workspace {
  /** σᵢ, σᵢ′, σᵢ″ at the point of the last `networkAt` call. */
  readonly s0: Float64Array;
  readonly s1: Float64Array;
  readonly s2: Float64Array;
  /** cᵢwᵢ at the current θ. */
  readonly cw: Float64Array;
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
  wasmRitzLoss(nodes, theta, ws.width, activation.name, ws);
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
  wasmRitzGradient(nodes, theta, ws.width, activation.name, out, ws);
}
