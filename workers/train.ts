/**
 * One training run: the entry point a worker thread calls.
 */

import {
  gradientCheck,
  solutionMetrics,
  solutionSamples,
} from './numerics/metrics.ts';
import type { Model } from './numerics/model.ts';
import { sharedModel } from './numerics/model-cache.ts';
import { createOptimizer } from './numerics/optimizers.ts';
import { initParams } from './numerics/params.ts';
import type { TrainProgress, TrainResult } from './result.ts';
import { parseRunConfig, type RunConfig } from './run-config.ts';

export type { TrainProgress } from './result.ts';

/** Options of `train` that do not change its result. */
export interface TrainOptions {
  /** Steps between two progress reports (default 100). */
  progressEvery?: number;
}

/** Most points of the loss curve a result carries. */
export const CURVE_POINTS = 200;

const DEFAULT_PROGRESS_EVERY = 100;

/**
 * Trains one network and measures it.
 *
 * Synchronous and deterministic: the same settings give the same result bit
 * for bit (apart from `wall_ms` and `steps_per_s`). Step s evaluates the
 * loss at θₛ₋₁ and updates θₛ₋₁ to θₛ. Divergence is a result, not an
 * error: as soon as θₛ or the loss at θₛ is NaN/±∞ the run ends with
 * `outcome: diverged` and `diverged_step` = `steps_done` = s (0 when the
 * initial θ already has a non-finite loss).
 *
 * @param config the run's settings (validated again here; missing settings
 *   take their defaults)
 * @param onProgress called every `options.progressEvery` steps and after
 *   the last, with the loss of that step
 * @throws ConfigError if the settings do not validate
 */
export function train(
  config: RunConfig,
  onProgress?: (progress: TrainProgress) => void,
  options: TrainOptions = {},
): TrainResult {
  const settings = parseRunConfig(config);
  const model = sharedModel(settings);
  const theta = initParams(settings);
  const check = gradientCheck(settings, theta);

  const curve = new LossCurve(settings.steps);
  const loop = trainingLoop(settings, model, theta, curve, {
    onProgress,
    every: Math.max(
      1,
      Math.floor(options.progressEvery ?? DEFAULT_PROGRESS_EVERY),
    ),
  });
  const finalLoss = model.loss(theta);
  curve.finish(loop.stepsDone, finalLoss);
  const divergedStep =
    loop.divergedStep ?? (Number.isFinite(finalLoss) ? null : loop.stepsDone);

  return {
    outcome: divergedStep === null ? 'trained' : 'diverged',
    metrics: {
      ...solutionMetrics(settings, theta),
      final_loss: finalLoss,
      ...check,
      steps_done: loop.stepsDone,
      wall_ms: loop.wallMs,
      steps_per_s: loop.wallMs > 0 ? (1000 * loop.stepsDone) / loop.wallMs : 0,
      diverged_step: divergedStep,
    },
    curve: curve.toPlain(),
    samples: solutionSamples(settings, theta),
  };
}

interface LoopResult {
  stepsDone: number;
  divergedStep: number | null;
  wallMs: number;
}

interface Reporting {
  onProgress: ((progress: TrainProgress) => void) | undefined;
  every: number;
}

/** The optimisation loop: no allocation per step. */
function trainingLoop(
  config: RunConfig,
  model: Model,
  theta: Float64Array,
  curve: LossCurve,
  reporting: Reporting,
): LoopResult {
  const optimizer = createOptimizer(config, model.size);
  const gradient = new Float64Array(model.size);
  const { steps, gradient: method } = config;
  const { onProgress, every } = reporting;
  let stepsDone = 0;
  let divergedStep: number | null = null;

  const start = performance.now();
  for (let step = 1; step <= steps; step++) {
    model.computeGradient(theta, gradient, method);
    const loss = model.lastLoss;
    if (!Number.isFinite(loss)) {
      divergedStep = step - 1;
      break;
    }
    curve.record(step - 1, loss);
    const finite = optimizer.step(theta, gradient);
    stepsDone = step;
    if (!finite) {
      divergedStep = step;
      break;
    }
    if (onProgress && (step % every === 0 || step === steps)) {
      onProgress({ step, steps, loss });
    }
  }
  const wallMs = performance.now() - start;
  return { stepsDone, divergedStep, wallMs };
}

/**
 * The loss curve, downsampled as it is recorded: the loss at θ_k for k a
 * multiple of the stride, and at the end. Non-finite losses are left out.
 */
class LossCurve {
  private readonly stride: number;
  private readonly steps = new Float64Array(CURVE_POINTS);
  private readonly losses = new Float64Array(CURVE_POINTS);
  private count = 0;

  constructor(totalSteps: number) {
    // ⌈steps/stride⌉ multiples of the stride below `steps`, plus the end.
    this.stride = Math.max(1, Math.ceil(totalSteps / (CURVE_POINTS - 1)));
  }

  record(step: number, loss: number): void {
    if (step % this.stride !== 0 || !Number.isFinite(loss)) return;
    this.steps[this.count] = step;
    this.losses[this.count] = loss;
    this.count++;
  }

  finish(step: number, loss: number): void {
    const last = this.count > 0 ? this.steps[this.count - 1] : -1;
    if (step !== last && Number.isFinite(loss)) {
      this.steps[this.count] = step;
      this.losses[this.count] = loss;
      this.count++;
    }
  }

  toPlain(): { step: number[]; loss: number[] } {
    return {
      step: Array.from(this.steps.subarray(0, this.count)),
      loss: Array.from(this.losses.subarray(0, this.count)),
    };
  }
}
