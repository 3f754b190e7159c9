/**
 * The settings of one training run: names, allowed values and defaults.
 *
 * This is the single definition shared by `train()`, the CLI flags of
 * `sweep train`/`gradcheck`, the sweep spec's `settings` and `grid`, the run
 * identity hash and the store's `runs` columns.
 */
import { z } from 'zod';

/** Problems of deep-ritz.md: −(κu′)′ = b on [0, 1], u(0) = u(1) = 0. */
export const PROBLEMS = [
  'sine',
  'variable-kappa',
  'multiscale',
  'interface',
] as const;

/** Activation functions σ of the hidden layer. */
export const ACTIVATIONS = [
  'relu',
  'leaky-relu',
  'relu2',
  'tanh',
  'sigmoid',
  'swish',
  'softplus',
  'gelu',
  'sin',
] as const;

/** How ∂L/∂θ is computed (deep-ritz.md, "Gradient methods"). */
export const GRADIENTS = ['autodiff', 'analytic', 'finite-difference'] as const;

/** Boundary handling: multiply by x(1−x), by sin πx, or a penalty term. */
export const BOUNDARY_MODES = ['ansatz', 'sine-ansatz', 'penalty'] as const;

/** Parameter initialisation schemes. */
export const INITS = ['spread', 'torch'] as const;

/** Training quadrature rules. */
export const QUADRATURES = ['gauss', 'midpoint'] as const;

/** Optimisers. */
export const OPTIMIZERS = ['adam', 'sgd'] as const;

export type Problem = (typeof PROBLEMS)[number];
export type Activation = (typeof ACTIVATIONS)[number];
export type GradientMethod = (typeof GRADIENTS)[number];
export type BoundaryMode = (typeof BOUNDARY_MODES)[number];
export type Init = (typeof INITS)[number];
export type Quadrature = (typeof QUADRATURES)[number];
export type Optimizer = (typeof OPTIMIZERS)[number];

/** Largest integer seed: seeds are exact integers, never rounded. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A number, or a string that spells one ("1e-3", "0.001"): both are the same
 * value once parsed, which is what makes run identity independent of how a
 * spec or a flag wrote it.
 */
function numeric() {
  return z.union([
    z.number(),
    z.string().trim().regex(NUMBER_TEXT, 'expected a number').transform(Number),
  ]);
}

function positive() {
  return numeric().pipe(
    z.number().finite().gt(0, 'must be a finite number > 0'),
  );
}

/**
 * Steps `fd_h` of the central differences (L(θ + h eⱼ) − L(θ − h eⱼ)) / 2h
 * that still approximate ∂L/∂θⱼ in float64 (ε ≈ 2.2e-16) on [0, 1]:
 * - rounding error grows as ε/h: at the defaults (tanh, W 20) the
 *   difference agrees with autodiff to 8e-10 relative at h = 1e-6, 8e-8
 *   at 1e-8 and 8e-6 at 1e-10, so tenfold per decade below that: past
 *   1e-10 rounding swamps it (at 1e-300 the step vanishes against θⱼ and
 *   the gradients are NaN);
 * - truncation error grows as h²: 6e-4 relative at h = 0.1 (7e-3 for
 *   relu, whose kinks ξ = −a/w of unit-slope neurons then move by a tenth of the domain, across
 *   several cells of the default 64-cell rule); a larger step spans a
 *   good part of [0, 1] and the quotient is a secant, not a derivative
 *   (at 1e300 θ ± h overflows and the gradients are NaN).
 * The default 1e-6 is near the float64 optimum ε^(1/3) ≈ 6e-6.
 */
export const FD_H_RANGE = { min: 1e-10, max: 0.1 } as const;

function numberIn(range: { min: number; max: number }) {
  const message = `must be a number from ${range.min} to ${range.max}`;
  return numeric().pipe(
    z.number().finite(message).min(range.min, message).max(range.max, message),
  );
}

function intIn(min: number, max: number) {
  return numeric().pipe(
    z
      .number()
      .int(`must be an integer from ${min} to ${max}`)
      .min(min, `must be an integer from ${min} to ${max}`)
      .max(max, `must be an integer from ${min} to ${max}`),
  );
}

/**
 * Zod schema of a run's settings. Every field has its default, so `{}` is a
 * valid input; unknown keys are rejected.
 */
export const runConfigSchema = z
  .object({
    /** Model problem (default `sine`). */
    problem: z.enum(PROBLEMS).default('sine'),
    /** κ on [½, 1] for the `interface` problem (default 10). */
    interface_k: positive().default(10),
    /** Hidden activation (default `tanh`). */
    activation: z.enum(ACTIVATIONS).default('tanh'),
    /** Hidden width W, neurons (default 20). */
    width: intIn(1, 4096).default(20),
    /** Boundary handling (default `ansatz`). */
    bc: z.enum(BOUNDARY_MODES).default('ansatz'),
    /** Penalty weight β for `bc: penalty` (default 100). */
    beta: positive().default(100),
    /** Initialisation (default `spread`). */
    init: z.enum(INITS).default('spread'),
    /** Training quadrature (default `gauss`). */
    quadrature: z.enum(QUADRATURES).default('gauss'),
    /** Uniform mesh cells M of the `gauss` rule (default 64). */
    cells: intIn(1, 100000).default(64),
    /** Gauss–Legendre points per piece (default 4). */
    gauss_points: intIn(1, 10).default(4),
    /** Nodes N of the `midpoint` rule (default 256). */
    nodes: intIn(1, 1000000).default(256),
    /** Gradient method (default `autodiff`). */
    gradient: z.enum(GRADIENTS).default('autodiff'),
    /** Central-difference step h, within FD_H_RANGE (default 1e-6). */
    fd_h: numberIn(FD_H_RANGE).default(1e-6),
    /** Optimiser (default `adam`). */
    optimizer: z.enum(OPTIMIZERS).default('adam'),
    /** Learning rate (default 1e-3). */
    lr: positive().default(1e-3),
    /** Optimiser steps (default 3000). */
    steps: intIn(0, 10000000).default(3000),
    /** PRNG seed, an exact integer (default 0). */
    seed: intIn(0, MAX_SEED).default(0),
  })
  .strict();

/** A run's complete, validated settings. */
export type RunConfig = z.output<typeof runConfigSchema>;

/** The names of every run setting, in schema order. */
export const SETTING_NAMES = Object.keys(
  runConfigSchema.shape,
) as (keyof RunConfig)[];

/** Thrown when settings do not validate; `issues` name path and problem. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * Formats zod issues as "path: message (got VALUE)" lines.
 *
 * @param prefix path prepended to every issue, e.g. `settings`
 */
export function formatIssues(
  error: z.ZodError,
  input: unknown,
  prefix = '',
): string[] {
  const lines = error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    const got = valueAt(input, issue.path);
    const known = got === undefined || issue.code === 'unrecognized_keys';
    // JSON would write Infinity and NaN as null.
    const text = typeof got === 'number' ? String(got) : JSON.stringify(got);
    const shown = known ? '' : ` (got ${text})`;
    return `${path || '(root)'}: ${describe(issue)}${shown}`;
  });
  // One value can break several checks that say the same thing.
  return [...new Set(lines)];
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map(String).join(', ')}`;
  }
  if (issue.code === 'unrecognized_keys') {
    const allowed = SETTING_NAMES.join(', ');
    return `unknown setting ${issue.keys.join(', ')}; allowed: ${allowed}`;
  }
  if (issue.code === 'invalid_union') return 'expected a number';
  if (issue.code === 'invalid_type' && issue.expected === 'number') {
    return 'must be a finite number';
  }
  return issue.message;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Validates and completes run settings.
 *
 * @param input settings object; missing keys take their defaults, numeric
 *   strings are read as numbers
 * @throws ConfigError naming every bad setting and what is allowed
 */
export function parseRunConfig(input: unknown, prefix = ''): RunConfig {
  const parsed = runConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(formatIssues(parsed.error, input, prefix));
  }
  return parsed.data;
}

let defaults: RunConfig | undefined;

/**
 * Settings that a run ignores: `nodes` unless the rule is `midpoint`, `beta`
 * unless `bc` is `penalty`, `interface_k` unless the problem is `interface`.
 * They are reset to their defaults so that runs which train identically
 * have one identity.
 */
export function canonicalRunConfig(config: RunConfig): RunConfig {
  // Parsed once: grid expansion calls this for every run of a sweep.
  defaults ??= runConfigSchema.parse({});
  return {
    ...config,
    nodes: config.quadrature === 'midpoint' ? config.nodes : defaults.nodes,
    beta: config.bc === 'penalty' ? config.beta : defaults.beta,
    interface_k:
      config.problem === 'interface'
        ? config.interface_k
        : defaults.interface_k,
  };
}
