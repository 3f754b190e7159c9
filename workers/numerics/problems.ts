/**
 * The model problems −(κ u′)′ = b on [0, 1], u(0) = u(1) = 0, with their
 * exact solutions and exact Ritz energies (deep-ritz.md, "Problem").
 */
import type { Problem, RunConfig } from '../run-config.ts';
import { cos, sin } from './elementary.ts';

/** One problem: coefficients, exact solution and where they are not smooth. */
export interface ProblemFn {
  name: Problem;
  /** Diffusion coefficient κ(x) > 0. */
  kappa(x: number): number;
  /** Right-hand side b(x). */
  b(x: number): number;
  /** Exact solution u*(x). */
  u(x: number): number;
  /** Its derivative u*′(x) (the right-hand limit at a breakpoint). */
  du(x: number): number;
  /**
   * κ(x[k]) and b(x[k]) for from ≤ k < count (`from` default 0), into
   * `kappa` and `b`: the batch form the node rules use (no boxed number per
   * node, whatever the JIT inlines).
   */
  coefficients(
    x: Float64Array,
    count: number,
    kappa: Float64Array,
    b: Float64Array,
    from?: number,
  ): void;
  /** Points in (0, 1) where κ, b, u*′ are not smooth; sorted. */
  breakpoints: readonly number[];
  /** Π[u*] = ∫ ½κu*′² − b u* = −½ ∫ b u*, the minimal energy. */
  energy: number;
}

const PI = Math.PI;
const PI2 = PI * PI;

const sine: ProblemFn = {
  name: 'sine',
  kappa: () => 1,
  b: (x) => PI2 * sin(PI * x),
  u: (x) => sin(PI * x),
  du: (x) => PI * cos(PI * x),
  coefficients(x, count, kappa, b, from = 0) {
    for (let k = from; k < count; k++) {
      kappa[k] = 1;
      b[k] = PI2 * sin(PI * x[k]);
    }
  },
  breakpoints: [],
  // −½ ∫ π² sin² πx dx = −π²/4.
  energy: -PI2 / 4,
};

const variableKappa: ProblemFn = {
  name: 'variable-kappa',
  kappa: (x) => 1 + x,
  b: (x) => PI2 * (1 + x) * sin(PI * x) - PI * cos(PI * x),
  u: (x) => sin(PI * x),
  du: (x) => PI * cos(PI * x),
  coefficients(x, count, kappa, b, from = 0) {
    for (let k = from; k < count; k++) {
      const xk = x[k];
      kappa[k] = 1 + xk;
      b[k] = PI2 * (1 + xk) * sin(PI * xk) - PI * cos(PI * xk);
    }
  },
  breakpoints: [],
  // −½ ∫ (1 + x) π² cos² πx dx with ∫ cos² = ½, ∫ x cos² = ¼: −3π²/8.
  energy: (-3 * PI2) / 8,
};

const multiscale: ProblemFn = {
  name: 'multiscale',
  kappa: () => 1,
  b: (x) => PI2 * sin(PI * x) + 6.4 * PI2 * sin(8 * PI * x),
  u: (x) => sin(PI * x) + 0.1 * sin(8 * PI * x),
  du: (x) => PI * cos(PI * x) + 0.8 * PI * cos(8 * PI * x),
  coefficients(x, count, kappa, b, from = 0) {
    for (let k = from; k < count; k++) {
      const xk = x[k];
      kappa[k] = 1;
      b[k] = PI2 * sin(PI * xk) + 6.4 * PI2 * sin(8 * PI * xk);
    }
  },
  breakpoints: [],
  // −½ ∫ u*′² with cos πx ⟂ cos 8πx: −½ (π²/2 + 0.64 π²/2) = −0.41 π².
  energy: -0.41 * PI2,
};

/**
 * κ = 1 on [0, ½), k on [½, 1], b = 1. From κu′ = C − x and u(0) = 0,
 * u(1) = 0: C = (k + 3) / (4(k + 1)), u = Cx − x²/2 left of ½ and
 * u(½) + (C(x − ½) − (x² − ¼)/2)/k right of it.
 */
function interfaceProblem(k: number): ProblemFn {
  const c = (k + 3) / (4 * (k + 1));
  const uHalf = c / 2 - 1 / 8;
  const integralU = (3 * c) / 8 - 1 / 12 + (c / 8 - 1 / 12) / k;
  return {
    name: 'interface',
    kappa: (x) => (x < 0.5 ? 1 : k),
    b: () => 1,
    u: (x) =>
      x < 0.5
        ? c * x - (x * x) / 2
        : uHalf + (c * (x - 0.5) - (x * x - 0.25) / 2) / k,
    du: (x) => (x < 0.5 ? c - x : (c - x) / k),
    coefficients(x, count, kappa, b, from = 0) {
      for (let j = from; j < count; j++) {
        kappa[j] = x[j] < 0.5 ? 1 : k;
        b[j] = 1;
      }
    },
    breakpoints: [0.5],
    energy: -integralU / 2,
  };
}

/**
 * The problem a run solves.
 *
 * @param config `problem`, and `interface_k` (κ right of ½, default 10)
 */
export function getProblem(
  config: Pick<RunConfig, 'problem' | 'interface_k'>,
): ProblemFn {
  switch (config.problem) {
    case 'sine':
      return sine;
    case 'variable-kappa':
      return variableKappa;
    case 'multiscale':
      return multiscale;
    case 'interface':
      return interfaceProblem(config.interface_k);
  }
}
