/**
 * `autodiff` against an independent computation of the same quantity:
 * forward-mode hyper-dual numbers a + b·ε₁ + c·ε₂ + d·ε₁ε₂ (ε₁² = ε₂² = 0).
 * Seeding x with ε₁ and one parameter θⱼ with ε₂ gives, in one pass through
 * the plain formula u = g(x)·(Σ cᵢσ(wᵢx + aᵢ) + d), the value u, u′ (ε₁),
 * ∂u/∂θⱼ (ε₂) and ∂u′/∂θⱼ (ε₁ε₂): no reverse sweep, no hand-derived
 * chain rule. Same nodes, same σ conventions at kinks (σ″_relu ≡ 0).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ActivationFn,
  getActivation,
} from '../../workers/numerics/activations.ts';
import { createModel } from '../../workers/numerics/model.ts';
import { initParams } from '../../workers/numerics/params.ts';
import { getProblem } from '../../workers/numerics/problems.ts';
import {
  ACTIVATIONS,
  BOUNDARY_MODES,
  parseRunConfig,
  type RunConfig,
} from '../../workers/run-config.ts';

class HyperDual {
  constructor(
    readonly a: number,
    readonly b = 0,
    readonly c = 0,
    readonly d = 0,
  ) {}

  add(o: HyperDual): HyperDual {
    return new HyperDual(
      this.a + o.a,
      this.b + o.b,
      this.c + o.c,
      this.d + o.d,
    );
  }

  mul(o: HyperDual): HyperDual {
    return new HyperDual(
      this.a * o.a,
      this.a * o.b + this.b * o.a,
      this.a * o.c + this.c * o.a,
      this.a * o.d + this.b * o.c + this.c * o.b + this.d * o.a,
    );
  }

  scale(k: number): HyperDual {
    return new HyperDual(k * this.a, k * this.b, k * this.c, k * this.d);
  }

  /** f(self) from f, f′, f″ at the real part. */
  apply(f: number, df: number, ddf: number): HyperDual {
    return new HyperDual(
      f,
      df * this.b,
      df * this.c,
      df * this.d + ddf * this.b * this.c,
    );
  }
}

const constant = (v: number) => new HyperDual(v);

function network(
  theta: HyperDual[],
  width: number,
  x: HyperDual,
  act: ActivationFn,
): HyperDual {
  let n = theta[3 * width];
  for (let i = 0; i < width; i++) {
    const z = theta[i].mul(x).add(theta[width + i]);
    const s = z.apply(act.sigma(z.a), act.d1(z.a), act.d2(z.a));
    n = n.add(theta[2 * width + i].mul(s));
  }
  return n;
}

function boundaryFactor(bc: RunConfig['bc'], x: HyperDual): HyperDual {
  if (bc === 'ansatz') return x.mul(constant(1).add(x.scale(-1)));
  if (bc === 'sine-ansatz') {
    const t = x.scale(Math.PI);
    return t.apply(Math.sin(t.a), Math.cos(t.a), -Math.sin(t.a));
  }
  return constant(1);
}

/**
 * ∂L/∂θⱼ and the scale Σ|terms| of that sum, for every j, at the given
 * nodes: Σₖ ωₖ(κu′ ∂u′/∂θⱼ − b ∂u/∂θⱼ) + β Σ_{x∈{0,1}} N ∂N/∂θⱼ.
 */
function hyperDualGradient(
  config: RunConfig,
  theta: Float64Array,
  nodes: { x: Float64Array; weight: Float64Array },
) {
  const act = getActivation(config.activation);
  const problem = getProblem(config);
  const gradient = new Float64Array(theta.length);
  const scale = new Float64Array(theta.length);
  for (let j = 0; j < theta.length; j++) {
    const seeded = Array.from(
      theta,
      (v, i) => new HyperDual(v, 0, i === j ? 1 : 0),
    );
    let sum = 0;
    let size = 0;
    for (let k = 0; k < nodes.x.length; k++) {
      const x = new HyperDual(nodes.x[k], 1);
      const u = boundaryFactor(config.bc, x).mul(
        network(seeded, config.width, x, act),
      );
      const term =
        nodes.weight[k] *
        (problem.kappa(x.a) * u.b * u.d - problem.b(x.a) * u.c);
      sum += term;
      size += Math.abs(term);
    }
    if (config.bc === 'penalty') {
      for (const end of [0, 1]) {
        const n = network(seeded, config.width, constant(end), act);
        sum += config.beta * n.a * n.c;
        size += Math.abs(config.beta * n.a * n.c);
      }
    }
    gradient[j] = sum;
    scale[j] = size;
  }
  return { gradient, scale };
}

/**
 * The two sides sum the same ~300 node terms in different orders after
 * different ~20-operation chains: each is within ~(20 + 300)·ε·Σ|terms|
 * ≈ 7e-14 Σ|terms| of the exact sum. 1e-12 Σ|terms| leaves a margin of 7;
 * one wrong term or convention moves a component by O(Σ|terms|/nodes).
 */
const TOLERANCE = 1e-12;

for (const activation of ACTIVATIONS) {
  for (const bc of BOUNDARY_MODES) {
    test(`autodiff = hyper-dual forward mode: ${activation}, ${bc}`, () => {
      for (const quadrature of ['gauss', 'midpoint'] as const) {
        const config = parseRunConfig({
          activation,
          bc,
          quadrature,
          nodes: 64,
          cells: 16,
          width: 5,
          problem: bc === 'penalty' ? 'interface' : 'variable-kappa',
          seed: 17,
        });
        const model = createModel(config);
        const theta = initParams(config);
        const ours = new Float64Array(model.size);
        model.gradient(theta, ours, 'autodiff');
        const reference = hyperDualGradient(config, theta, model.nodes(theta));
        for (let j = 0; j < ours.length; j++) {
          const error = Math.abs(ours[j] - reference.gradient[j]);
          assert.ok(
            error <= TOLERANCE * reference.scale[j],
            `${quadrature}, ∂L/∂θ[${j}]: ${ours[j]} vs ${reference.gradient[j]}`,
          );
        }
      }
    });
  }
}

test('at a node exactly on a kink both sides use σ′(0) = 0 for relu', () => {
  const config = parseRunConfig({
    activation: 'relu',
    quadrature: 'midpoint',
    nodes: 8,
    width: 2,
  });
  // z = 2x − 2·(5.5/8) is exactly 0 at the node x = 5.5/8.
  const theta = new Float64Array([2, -1, -2 * (5.5 / 8), 0.4, 0.8, -0.6, 0.2]);
  const model = createModel(config);
  const ours = new Float64Array(model.size);
  model.gradient(theta, ours, 'autodiff');
  const reference = hyperDualGradient(config, theta, model.nodes(theta));
  for (let j = 0; j < ours.length; j++) {
    assert.ok(Math.abs(ours[j] - reference.gradient[j]) <= 1e-14);
  }
});
