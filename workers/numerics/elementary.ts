/**
 * exp, expm1, log, log1p, sin, cos, tanh and the logistic function in plain
 * IEEE arithmetic.
 *
 * The hot loop of every smooth activation needs one of these per node and
 * neuron. Written out here they are inlined by the JIT (faster than a call
 * to `Math.tanh` or `Math.exp`), and, being made of `+ − × ÷`, exact
 * rounding to an integer and exact bit access only, they give the same bits
 * on every machine and every Node.js version, which `Math.*` (left to each
 * engine and platform) does not promise.
 *
 * Accuracy: a few units in the last place (tested against `Math.*`).
 */

/** High part of ln 2: its last 21 bits are zero, so k·LN2_HI is exact. */
const LN2_HI = 0.6931471803691238;
/** ln 2 − LN2_HI. */
const LN2_LO = 1.9082149292705877e-10;
const INV_LN2 = Math.LOG2E;
/** Beyond these, exp overflows to ∞ or underflows to 0. */
const EXP_MAX = 709.782712893384;
const EXP_MIN = -745.1332191019412;

/** 2ᵏ for k = −1074 … 1023, exact, built by repeated doubling/halving. */
const POW2_BIAS = 1074;
const POW2 = buildPowersOfTwo();

function buildPowersOfTwo(): Float64Array {
  const table = new Float64Array(POW2_BIAS + 1024);
  table[POW2_BIAS] = 1;
  for (let k = 1; k <= 1023; k++)
    table[POW2_BIAS + k] = 2 * table[POW2_BIAS + k - 1];
  for (let k = 1; k <= POW2_BIAS; k++)
    table[POW2_BIAS - k] = 0.5 * table[POW2_BIAS - k + 1];
  return table;
}

// Taylor coefficients 1/(n+1)! of expm1(r)/r; each a correctly rounded
// quotient of exact integers.
const C1 = 1 / 2;
const C2 = 1 / 6;
const C3 = 1 / 24;
const C4 = 1 / 120;
const C5 = 1 / 720;
const C6 = 1 / 5040;
const C7 = 1 / 40320;
const C8 = 1 / 362880;
const C9 = 1 / 3628800;
const C10 = 1 / 39916800;
const C11 = 1 / 479001600;
const C12 = 1 / 6227020800;

/**
 * expm1(r) for |r| ≤ ln 2 / 2: its Taylor series to r¹³, truncation below
 * 2e-17 relative. exp(x) = 2ᵏ (1 + expm1(r)) with x = k·ln 2 + r (Cody–Waite
 * split of ln 2). Estrin's scheme keeps the dependency chain short.
 */
function expm1Reduced(r: number): number {
  const r2 = r * r;
  const r4 = r2 * r2;
  const r8 = r4 * r4;
  const p01 = 1 + C1 * r;
  const p23 = C2 + C3 * r;
  const p45 = C4 + C5 * r;
  const p67 = C6 + C7 * r;
  const p89 = C8 + C9 * r;
  const p1011 = C10 + C11 * r;
  const low = p01 + p23 * r2 + (p45 + p67 * r2) * r4;
  const high = p89 + p1011 * r2 + C12 * r4;
  return r * (low + high * r8);
}

/**
 * Adding and then subtracting 1.5·2⁵² rounds any |v| < 2⁵¹ to the nearest
 * integer (ties to even) with two IEEE additions: no branch, unlike
 * `Math.round`, whose data-dependent branch costs more than the rest of
 * `tanh` when signs vary.
 */
const ROUNDER = 6755399441055744;

/** Arguments of the branch-free exp stay where 2ᵏ is a normal number. */
const EXP_CLAMP = 708;

/** m·2ᵏ with one rounding, also where 2ᵏ alone would overflow. */
function scale(m: number, k: number): number {
  if (k > 1023) return m * 2 * POW2[POW2_BIAS + k - 1];
  // m·2⁻¹⁰⁰⁰ is exact and normal; the second product rounds once.
  if (k < -1022) {
    return m * POW2[POW2_BIAS - 1000] * POW2[POW2_BIAS + k + 1000];
  }
  return m * POW2[POW2_BIAS + k];
}

/**
 * eˣ with x first clamped to [−708, 708]: no branch, for hot loops whose
 * arguments never need the extremes (e^±708 ≈ 3e±307).
 */
export function expClamped(x: number): number {
  const c = Math.min(Math.max(x, -EXP_CLAMP), EXP_CLAMP);
  const k = c * INV_LN2 + ROUNDER - ROUNDER;
  const r = c - k * LN2_HI - k * LN2_LO;
  return POW2[POW2_BIAS + (k | 0)] * (expm1Reduced(r) + 1);
}

/**
 * eˣ, deterministic on every platform.
 *
 * @returns ∞ above ≈ 709.78, 0 below ≈ −745.13, NaN for NaN
 */
export function exp(x: number): number {
  if (Math.abs(x) <= EXP_CLAMP) return expClamped(x);
  if (!(x <= EXP_MAX)) return x > EXP_MAX ? Number.POSITIVE_INFINITY : x;
  if (x < EXP_MIN) return 0;
  const k = Math.round(x * INV_LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  return scale(expm1Reduced(r) + 1, k);
}

/**
 * eˣ − 1, accurate to a few ulp also for tiny |x|: for |x| ≤ ln 2 / 2,
 * k = 0 and the result is expm1Reduced(x) itself.
 *
 * @returns ∞ above ≈ 709.78, −1 far below 0, NaN for NaN
 */
export function expm1(x: number): number {
  // e⁷⁰⁸ − 1 rounds to e⁷⁰⁸; NaN fails both tests and goes on to NaN.
  if (x > EXP_CLAMP) return exp(x);
  if (x < -40) return -1;
  const k = x * INV_LN2 + ROUNDER - ROUNDER;
  const r = x - k * LN2_HI - k * LN2_LO;
  const s = POW2[POW2_BIAS + (k | 0)];
  return s * expm1Reduced(r) + (s - 1);
}

/** tanh(±20) rounds to ±1, so 2z is clamped to [−40, 40]. */
const TANH_CLAMP = 40;

/**
 * Hyperbolic tangent e/(e + 2), e = expm1(2z), accurate to a few ulp.
 * Valid for both signs (for z < 0, e ∈ (−1, 0) and e + 2 > 1), so there is
 * no branch at all.
 */
export function tanh(z: number): number {
  const x = Math.min(Math.max(2 * z, -TANH_CLAMP), TANH_CLAMP);
  const k = x * INV_LN2 + ROUNDER - ROUNDER;
  const r = x - k * LN2_HI - k * LN2_LO;
  const s = POW2[POW2_BIAS + (k | 0)];
  const e = s * expm1Reduced(r) + (s - 1);
  return e / (e + 2);
}

/**
 * The logistic function 1 / (1 + e⁻ᶻ); below z = −708 it stays at
 * ≈ 3e−308 instead of decaying further.
 */
export function logistic(z: number): number {
  return 1 / (1 + expClamped(-z));
}

const BITS = new DataView(new ArrayBuffer(8));
const SQRT2 = Math.SQRT2;

/**
 * Natural logarithm: x = 2ᵉ·m with m in [√½, √2), then
 * log m = 2 atanh s, s = (m − 1)/(m + 1), |s| ≤ 0.172, by its series to s²³.
 *
 * @returns −∞ at 0, NaN below 0, ∞ at ∞
 */
export function log(x: number): number {
  if (!(x > 0 && x < Number.POSITIVE_INFINITY)) {
    if (x === 0) return Number.NEGATIVE_INFINITY;
    return x > 0 ? x : Number.NaN;
  }
  let e = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 2 ** 54;
    e = -54;
  }
  BITS.setFloat64(0, x);
  const high = BITS.getUint32(0);
  e += (high >>> 20) - 1023;
  BITS.setUint32(0, (high & 0x000fffff) | 0x3ff00000);
  let m = BITS.getFloat64(0);
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  const series =
    1 +
    s2 *
      (1 / 3 +
        s2 *
          (1 / 5 +
            s2 *
              (1 / 7 +
                s2 *
                  (1 / 9 +
                    s2 *
                      (1 / 11 +
                        s2 *
                          (1 / 13 +
                            s2 *
                              (1 / 15 +
                                s2 *
                                  (1 / 17 +
                                    s2 *
                                      (1 / 19 +
                                        s2 * (1 / 21 + s2 / 23))))))))));
  return e * LN2_HI + (2 * s * series + e * LN2_LO);
}

/** log(1 + y), accurate also for tiny |y|; NaN below −1. */
export function log1p(y: number): number {
  const u = 1 + y;
  if (u === 1) return y;
  // log u is exact for u; (u − 1) − y is the rounding of 1 + y, corrected
  // to first order.
  return log(u) - (u - 1 - y) / u;
}

// π/2 in three parts: the first two have ≤ 32 significant bits, so k·P1 and
// k·P2 are exact for |k| < 2²⁰ (Cody–Waite reduction).
const PIO2_1 = 1.5707963267341256;
const PIO2_2 = 6.077100506303966e-11;
const PIO2_3 = 2.0222662487959506e-21;
const TWO_OVER_PI = 0.6366197723675814;

// Taylor coefficients of sin and cos (|r| ≤ π/4: truncation below 1e-19).
const S1 = -1 / 6;
const S2 = 1 / 120;
const S3 = -1 / 5040;
const S4 = 1 / 362880;
const S5 = -1 / 39916800;
const S6 = 1 / 6227020800;
const S7 = -1 / 1307674368000;
const S8 = 1 / 355687428096000;
const S9 = -1 / 121645100408832000;
const K1 = 1 / 24;
const K2 = -1 / 720;
const K3 = 1 / 40320;
const K4 = -1 / 3628800;
const K5 = 1 / 479001600;
const K6 = -1 / 87178291200;
const K7 = 1 / 20922789888000;
const K8 = -1 / 6402373705728000;
const K9 = 1 / 2432902008176640000;

function sinReduced(r: number): number {
  const r2 = r * r;
  const tail =
    S1 +
    r2 *
      (S2 +
        r2 *
          (S3 +
            r2 *
              (S4 + r2 * (S5 + r2 * (S6 + r2 * (S7 + r2 * (S8 + r2 * S9)))))));
  return r + r * r2 * tail;
}

function cosReduced(r: number): number {
  const r2 = r * r;
  const tail =
    K1 +
    r2 *
      (K2 +
        r2 *
          (K3 +
            r2 *
              (K4 + r2 * (K5 + r2 * (K6 + r2 * (K7 + r2 * (K8 + r2 * K9)))))));
  return 1 - 0.5 * r2 + r2 * r2 * tail;
}

/**
 * sin(k·π/2 + r) = S[k mod 4]·sin r + C[k mod 4]·cos r: quadrant by table,
 * not by branch. cos z = sin(z + π/2) uses quadrant k + 1.
 */
const QUADRANT_SIN = new Float64Array([1, 0, -1, 0]);
const QUADRANT_COS = new Float64Array([0, 1, 0, -1]);

/**
 * sin z. Accurate to a few ulp for |z| < 2²⁰·π/2; beyond that the argument
 * reduction loses digits (still deterministic). NaN for ±∞ and NaN.
 */
export function sin(z: number): number {
  const k = z * TWO_OVER_PI + ROUNDER - ROUNDER;
  const r = z - k * PIO2_1 - k * PIO2_2 - k * PIO2_3;
  // ToInt32 keeps k's low bits, so `& 3` is k mod 4 for any integral k.
  const q = k & 3;
  return QUADRANT_SIN[q] * sinReduced(r) + QUADRANT_COS[q] * cosReduced(r);
}

/** cos z, with the accuracy of `sin`. */
export function cos(z: number): number {
  const k = z * TWO_OVER_PI + ROUNDER - ROUNDER;
  const r = z - k * PIO2_1 - k * PIO2_2 - k * PIO2_3;
  const q = (k + 1) & 3;
  return QUADRANT_SIN[q] * sinReduced(r) + QUADRANT_COS[q] * cosReduced(r);
}

/**
 * sin z[i] and cos z[i] for i < count, one reduction for both, bit for bit
 * what `sin` and `cos` give.
 */
export function sinCosInto(
  z: Float64Array,
  count: number,
  sinOut: Float64Array,
  cosOut: Float64Array,
): void {
  for (let i = 0; i < count; i++) {
    const zi = z[i];
    const k = zi * TWO_OVER_PI + ROUNDER - ROUNDER;
    const r = zi - k * PIO2_1 - k * PIO2_2 - k * PIO2_3;
    const sr = sinReduced(r);
    const cr = cosReduced(r);
    const q = k & 3;
    const p = (k + 1) & 3;
    sinOut[i] = QUADRANT_SIN[q] * sr + QUADRANT_COS[q] * cr;
    cosOut[i] = QUADRANT_SIN[p] * sr + QUADRANT_COS[p] * cr;
  }
}
