/**
 * One model per run shape, kept per thread. Building a model (its nodes,
 * κ and b at every node) costs more than training a one-step run, and a
 * sweep trains many runs of one shape with different seeds. A model's
 * results depend on θ alone, never on earlier calls, so sharing it
 * between runs changes no result.
 */
import { createModel, type Model, type ModelConfig } from './model.ts';
import { ThreadCache } from './thread-cache.ts';

/** Models above this many nodes are built per run (their memory). */
const CACHED_NODES = 1 << 16;

const models = new ThreadCache<Model>(4);

/** The settings that make a model, in a fixed order. */
function shapeKey(config: ModelConfig): string {
  return JSON.stringify([
    config.problem,
    config.interface_k,
    config.activation,
    config.width,
    config.bc,
    config.beta,
    config.quadrature,
    config.cells,
    config.gauss_points,
    config.nodes,
    config.fd_h,
  ]);
}

/**
 * The model of these settings: `createModel(config)`, or the one this
 * thread built for equal settings.
 */
export function sharedModel(config: ModelConfig): Model {
  const gauss = config.cells * config.gauss_points;
  const nodes = config.quadrature === 'midpoint' ? config.nodes : gauss;
  if (nodes > CACHED_NODES || gauss > CACHED_NODES) return createModel(config);
  return models.get(shapeKey(config), () => createModel(config));
}
