/**
 * Boundary handling: u = g·N with g = x(1 − x), sin πx or 1, and for
 * `penalty` the term (β/2)(u(0)² + u(1)²) added to the energy.
 */
import type { BoundaryMode, RunConfig } from '../run-config.ts';
import { cos, sin } from './elementary.ts';

/** How the network output N becomes the trial function u = g·N. */
export interface Boundary {
  mode: BoundaryMode;
  /** The factor g(x). */
  g(x: number): number;
  /** Its derivative g′(x). */
  dg(x: number): number;
  /**
   * g(x[k]) and g′(x[k]) for from ≤ k < count (`from` default 0), into `g`
   * and `dg`: the batch form the node rules use (no boxed number per node).
   */
  factors(
    x: Float64Array,
    count: number,
    g: Float64Array,
    dg: Float64Array,
    from?: number,
  ): void;
  /** β of the penalty term; 0 for the ansatz modes. */
  penalty: number;
}

/**
 * The boundary handling of a run.
 *
 * @param config `bc`, and `beta` (penalty weight β, default 100)
 */
export function getBoundary(config: Pick<RunConfig, 'bc' | 'beta'>): Boundary {
  switch (config.bc) {
    case 'ansatz':
      return {
        mode: 'ansatz',
        g: (x) => x * (1 - x),
        dg: (x) => 1 - 2 * x,
        factors(x, count, g, dg, from = 0) {
          for (let k = from; k < count; k++) {
            g[k] = x[k] * (1 - x[k]);
            dg[k] = 1 - 2 * x[k];
          }
        },
        penalty: 0,
      };
    case 'sine-ansatz':
      return {
        mode: 'sine-ansatz',
        g: (x) => sin(Math.PI * x),
        dg: (x) => Math.PI * cos(Math.PI * x),
        factors(x, count, g, dg, from = 0) {
          for (let k = from; k < count; k++) {
            g[k] = sin(Math.PI * x[k]);
            dg[k] = Math.PI * cos(Math.PI * x[k]);
          }
        },
        penalty: 0,
      };
    case 'penalty':
      return {
        mode: 'penalty',
        g: () => 1,
        dg: () => 0,
        factors(_x, count, g, dg, from = 0) {
          g.fill(1, from, count);
          dg.fill(0, from, count);
        },
        penalty: config.beta,
      };
  }
}
