/**
 * Activation functions σ with σ′ and σ″, pointwise and over a whole layer.
 *
 * At a kink (z = 0 for the ReLU family) the derivatives follow the
 * conventions of reverse-mode AD frameworks (PyTorch): σ′_relu(0) = 0,
 * σ′_leaky(0) = slope, σ″ ≡ 0 for both. The Dirac delta that σ″ really has
 * there is what the `analytic` gradient adds back (deep-ritz.md).
 */
import type { Activation } from '../run-config.ts';
import {
  cos,
  exp,
  expClamped,
  log1p,
  sin,
  sinCosInto,
  tanh,
} from './elementary.ts';

/**
 * Fills σ(zᵢ), σ′(zᵢ), σ″(zᵢ) for zᵢ = wᵢ·x + aᵢ, i < width, at x = xs[k],
 * where θ is laid out as [w₀ … w_{W−1}, a₀ … a_{W−1}, …] (see params.ts).
 *
 * x travels as an array and an index because a double passed to a call the
 * JIT does not inline (this call site sees every activation) is boxed into a
 * fresh heap object: one allocation per node and step.
 */
export type LayerFn = (
  xs: Float64Array,
  k: number,
  theta: Float64Array,
  width: number,
  s0: Float64Array,
  s1: Float64Array,
  s2: Float64Array,
) => void;

/** One activation function and what the quadrature and gradients need. */
export interface ActivationFn {
  name: Activation;
  /** σ(z). */
  sigma(z: number): number;
  /** σ′(z), with the framework convention at a kink. */
  d1(z: number): number;
  /** σ″(z), 0 at a kink (the framework convention). */
  d2(z: number): number;
  /** σ′ jumps at z = 0 (relu, leaky-relu). */
  kinked: boolean;
  /** σ′(0⁺) − σ′(0⁻); 0 when σ′ is continuous. */
  jump: number;
  /**
   * σ is defined piecewise with its switch at z = 0 (relu, leaky-relu,
   * relu2): the kink-aware quadrature splits there.
   */
  piecewise: boolean;
  /** Mean of σ′(0⁻) and σ′(0⁺): σ′ at a kink for the Leibniz term. */
  slopeAtKink: number;
  /** The same σ, σ′, σ″ for a whole layer at one point x. */
  layer: LayerFn;
}

/**
 * max(z, 0) without a branch: ½(z + |z|) is exactly z for z > 0 and 0
 * otherwise. Hot loops avoid data-dependent branches, whose mispredictions
 * cost more than the arithmetic.
 */
function positivePart(z: number): number {
  return 0.5 * (z + Math.abs(z));
}

/** 1 for z > 0, else 0 (also at 0: the framework convention). */
function step(z: number): number {
  return +(z > 0);
}

/**
 * s = logistic(z) and r = 1 − s = e⁻ᶻ·s, r computed without cancellation so
 * that s·r = σ′ keeps its relative accuracy in both tails. The layers
 * inline the same three operations.
 */
function logisticPair(z: number): [number, number] {
  const e = expClamped(-z);
  const s = 1 / (1 + e);
  return [s, e * s];
}

/** Slope of `leaky-relu` for z < 0 (PyTorch's default). */
export const LEAKY_SLOPE = 0.01;

/** √(2/π) and the cubic coefficient of the tanh form of GELU. */
const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

const relu: ActivationFn = {
  name: 'relu',
  sigma: (z) => Math.max(z, 0),
  d1: (z) => (z > 0 ? 1 : 0),
  d2: () => 0,
  kinked: true,
  jump: 1,
  piecewise: true,
  slopeAtKink: 0.5,
  layer(xs, k, theta, width, s0, s1, s2) {
    const x = xs[k];
    for (let i = 0; i < width; i++) {
      const z = theta[i] * x + theta[width + i];
      s0[i] = positivePart(z);
      s1[i] = step(z);
      s2[i] = 0;
    }
  },
};

const leakyRelu: ActivationFn = {
  name: 'leaky-relu',
  sigma: (z) => (z > 0 ? z : LEAKY_SLOPE * z),
  d1: (z) => (z > 0 ? 1 : LEAKY_SLOPE),
  d2: () => 0,
  kinked: true,
  jump: 1 - LEAKY_SLOPE,
  piecewise: true,
  slopeAtKink: (1 + LEAKY_SLOPE) / 2,
  layer(xs, k, theta, width, s0, s1, s2) {
    const x = xs[k];
    for (let i = 0; i < width; i++) {
      const z = theta[i] * x + theta[width + i];
      // slope + (1 − slope) is exactly 1, so σ′z is exactly z or slope·z.
      const d = LEAKY_SLOPE + (1 - LEAKY_SLOPE) * step(z);
      s0[i] = d * z;
      s1[i] = d;
      s2[i] = 0;
    }
  },
};

// relu(z)² as a framework differentiates it: σ′ = 2·relu(z)·1[z > 0],
// σ″ = 2·1[z > 0], so σ″(0) = 0.
const relu2: ActivationFn = {
  name: 'relu2',
  sigma: (z) => (z > 0 ? z * z : 0),
  d1: (z) => (z > 0 ? 2 * z : 0),
  d2: (z) => (z > 0 ? 2 : 0),
  kinked: false,
  jump: 0,
  piecewise: true,
  slopeAtKink: 0,
  layer(xs, k, theta, width, s0, s1, s2) {
    const x = xs[k];
    for (let i = 0; i < width; i++) {
      const z = theta[i] * x + theta[width + i];
      const p = positivePart(z);
      s0[i] = p * p;
      s1[i] = 2 * p;
      s2[i] = 2 * step(z);
    }
  },
};

const tanhActivation: ActivationFn = {
  name: 'tanh',
  sigma: (z) => tanh(z),
  d1: (z) => {
    const t = tanh(z);
    return 1 - t * t;
  },
  d2: (z) => {
    const t = tanh(z);
    return -2 * t * (1 - t * t);
  },
  ...smooth(),
  layer(xs, k, theta, width, s0, s1, s2) {
    const x = xs[k];
    for (let i = 0; i < width; i++) {
      const t = tanh(theta[i] * x + theta[width + i]);
      const d = 1 - t * t;
      s0[i] = t;
      s1[i] = d;
      s2[i] = -2 * t * d;
    }
  },
};

const sigmoid: ActivationFn = {
  name: 'sigmoid',
  sigma: (z) => logisticPair(z)[0],
  d1: (z) => {
    const [s, r] = logisticPair(z);
    return s * r;
  },
  d2: (z) => {
    const [s, r] = logisticPair(z);
    return s * r * (r - s);
  },
  ...smooth(),
  layer(xs, k, theta, width, s0, s1, s2) {
    const x = xs[k];
    for (let i = 0; i < width; i++) {
      const e = expClamped(-(theta[i] * x + theta[width + i]));
      const s = 1 / (1 + e);
      const r = e * s;
      const d = s * r;
      s0[i] = s;
      s1[i] = d;
      s2[i] = d * (r - s);
    }
  },
};

// swish = z·s with s = logistic(z).
const swish: ActivationFn = {
  name: 'swish',
  sigma: (z) => z * logisticPair(z)[0],
  d1: (z) => {
    const [s, r] = logisticPair(z);
    return s + z * (s * r);
  },
  d2: (z) => {
    const [s, r] = logisticPair(z);
    return s * r * (2 + z * (r - s));
  },
  ...smooth(),
  layer(xs, k, theta, width, s0, s1, s2) {
    const x = xs[k];
    for (let i = 0; i < width; i++) {
      const z = theta[i] * x + theta[width + i];
      const e = expClamped(-z);
      const s = 1 / (1 + e);
      const r = e * s;
      const d = s * r;
      s0[i] = z * s;
      s1[i] = s + z * d;
      s2[i] = d * (2 + z * (r - s));
    }
  },
};

// log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|): no overflow, no cancellation.
function softplusValue(z: number): number {
  return Math.max(z, 0) + log1p(exp(-Math.abs(z)));
}

const softplus: ActivationFn = {
  name: 'softplus',
  sigma: softplusValue,
  d1: (z) => logisticPair(z)[0],
  d2: (z) => {
    const [s, r] = logisticPair(z);
    return s * r;
  },
  ...smooth(),
  layer(xs, k, theta, width, s0, s1, s2) {
    const x = xs[k];
    for (let i = 0; i < width; i++) {
      const z = theta[i] * x + theta[width + i];
      const e = expClamped(-z);
      const s = 1 / (1 + e);
      s0[i] = softplusValue(z);
      s1[i] = s;
      s2[i] = s * (e * s);
    }
  },
};

/**
 * GELU, tanh form: ½ z (1 + tanh v), v = √(2/π)(z + 0.044715 z³).
 * Returns [σ, σ′, σ″].
 */
function geluTerms(z: number): [number, number, number] {
  const z2 = z * z;
  const v = GELU_K * (z + GELU_C * z2 * z);
  const dv = GELU_K * (1 + 3 * GELU_C * z2);
  const ddv = GELU_K * 6 * GELU_C * z;
  const t = tanh(v);
  const sech2 = 1 - t * t;
  return [
    0.5 * z * (1 + t),
    0.5 * (1 + t) + 0.5 * z * sech2 * dv,
    sech2 * (dv + 0.5 * z * (ddv - 2 * t * dv * dv)),
  ];
}

const gelu: ActivationFn = {
  name: 'gelu',
  sigma: (z) => geluTerms(z)[0],
  d1: (z) => geluTerms(z)[1],
  d2: (z) => geluTerms(z)[2],
  ...smooth(),
  // The layer repeats geluTerms inline: no array per node and neuron.
  layer(xs, k, theta, width, s0, s1, s2) {
    const x = xs[k];
    for (let i = 0; i < width; i++) {
      const z = theta[i] * x + theta[width + i];
      const z2 = z * z;
      const v = GELU_K * (z + GELU_C * z2 * z);
      const dv = GELU_K * (1 + 3 * GELU_C * z2);
      const ddv = GELU_K * 6 * GELU_C * z;
      const t = tanh(v);
      const sech2 = 1 - t * t;
      s0[i] = 0.5 * z * (1 + t);
      s1[i] = 0.5 * (1 + t) + 0.5 * z * sech2 * dv;
      s2[i] = sech2 * (dv + 0.5 * z * (ddv - 2 * t * dv * dv));
    }
  },
};

const sine: ActivationFn = {
  name: 'sin',
  sigma: (z) => sin(z),
  d1: (z) => cos(z),
  d2: (z) => -sin(z),
  ...smooth(),
  layer(xs, k, theta, width, s0, s1, s2) {
    const x = xs[k];
    for (let i = 0; i < width; i++) s2[i] = theta[i] * x + theta[width + i];
    sinCosInto(s2, width, s0, s1);
    for (let i = 0; i < width; i++) s2[i] = -s0[i];
  },
};

function smooth() {
  return { kinked: false, jump: 0, piecewise: false, slopeAtKink: 0 };
}

const ACTIVATION_FNS: Record<Activation, ActivationFn> = {
  relu,
  'leaky-relu': leakyRelu,
  relu2,
  tanh: tanhActivation,
  sigmoid,
  swish,
  softplus,
  gelu,
  sin: sine,
};

/** The activation function of that name (names as in run-config.ts). */
export function getActivation(name: Activation): ActivationFn {
  return ACTIVATION_FNS[name];
}
