/**
 * The seeded random numbers of a run's initialisation.
 *
 * SplitMix64 (Steele, Lea and Flood, 2014) in exact 64-bit integer
 * arithmetic. The seed (any integer 0 … 2⁵³ − 1) is first passed through the
 * generator's output mix, so seeds that differ by one start far apart in the
 * Weyl sequence and give unrelated streams. Only a run's 3W + 1 initial
 * parameters are drawn, so exact BigInt arithmetic costs nothing that
 * matters.
 */
import { MAX_SEED } from '../run-config.ts';
import { cos, log } from './elementary.ts';

const MASK64 = (1n << 64n) - 1n;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;
const TWO_POW_53 = 2 ** 53;

/** The SplitMix64 output function: a bijective mix of 64 bits. */
function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** A stream of random numbers, reproducible bit for bit from its seed. */
export interface Rng {
  /** The next 64 random bits. */
  bits64(): bigint;
  /** Uniform in [0, 1), a multiple of 2⁻⁵³. */
  uniform(): number;
  /** Uniform in [low, high). */
  between(low: number, high: number): number;
  /** Standard normal, by Box–Muller (one value per two uniforms). */
  normal(): number;
}

/**
 * A generator seeded with an exact integer.
 *
 * @param seed integer 0 … 2⁵³ − 1
 * @throws RangeError for any other seed
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(
      `seed must be an integer 0 … ${MAX_SEED}, got ${seed}`,
    );
  }
  let state = mix64(BigInt(seed) ^ GOLDEN_GAMMA);

  const bits64 = (): bigint => {
    state = (state + GOLDEN_GAMMA) & MASK64;
    return mix64(state);
  };
  const uniform = (): number => Number(bits64() >> 11n) / TWO_POW_53;
  return {
    bits64,
    uniform,
    between: (low, high) => low + (high - low) * uniform(),
    normal: () => {
      // 1 − U lies in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * log(1 - uniform()));
      return radius * cos(2 * Math.PI * uniform());
    },
  };
}
