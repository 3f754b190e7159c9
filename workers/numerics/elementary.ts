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

/** High part of ln 2: 32 significant bits, so k·LN2_HI is exact. */
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

/**
 * 2^(j/64) for j = 0 … 63 as hi + lo: hi is the value rounded to a double,
 * lo the rest. Computed exactly at load in 120-bit fixed point (six integer
 * square roots of 2 and their products), so the table is the same on every
 * machine and needs no literal constants.
 */
const TABLE_BITS = 6;
const TABLE_SIZE = 1 << TABLE_BITS;
const [TABLE_HI, TABLE_LO] = buildExpTable();

function isqrt(n: bigint): bigint {
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

function buildExpTable(): [Float64Array, Float64Array] {
  const bits = 120n;
  const one = 2 ** 120;
  const roots: bigint[] = [];
  let root = 2n << bits;
  for (let m = 0; m < TABLE_BITS; m++) {
    root = isqrt(root << bits);
    roots.push(root); // 2^(1/2^(m+1))
  }
  const hi = new Float64Array(TABLE_SIZE);
  const lo = new Float64Array(TABLE_SIZE);
  for (let j = 0; j < TABLE_SIZE; j++) {
    let value = 1n << bits;
    for (let m = 0; m < TABLE_BITS; m++) {
      if (j & (TABLE_SIZE >> (m + 1))) value = (value * roots[m]) >> bits;
    }
    hi[j] = Number(value) / one;
    lo[j] = Number(value - BigInt(hi[j] * one)) / one;
  }
  return [hi, lo];
}

/** ln 2 / 64 in two parts; |k|·L64_HI is exact for |k| < 2²¹. */
const L64_HI = LN2_HI / TABLE_SIZE;
const L64_LO = LN2_LO / TABLE_SIZE;
const INV_L64 = TABLE_SIZE * INV_LN2;

const D2 = 1 / 2;
const D3 = 1 / 6;
const D4 = 1 / 24;
const D5 = 1 / 120;
const D6 = 1 / 720;

/**
 * e^r − 1 for |r| ≤ ln 2 / 128 by its Taylor series to r⁶: the truncation
 * r⁷/7! is below 5e-18·|r|.
 *
 * With x = k·ln 2/64 + r and k = 64m + j:
 * eˣ = 2ᵐ · 2^(j/64) · e^r, one table entry and this short polynomial.
 */
function expm1Small(r: number): number {
  const r2 = r * r;
  return r + r2 * (D2 + r * D3 + r2 * (D4 + r * D5 + r2 * D6));
}

/**
 * Adding and then subtracting 1.5·2⁵² rounds any |v| < 2⁵¹ to the nearest
 * integer (ties to even) with two IEEE additions: no branch, unlike
 * `Math.round`, whose data-dependent branch costs more than the rest of
 * `tanh` when signs vary.
 */
const ROUNDER = 6755399441055744;

/** Arguments of the branch-free exp stay where 2ᵐ is a normal number. */
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
  const k = c * INV_L64 + ROUNDER - ROUNDER;
  const r = c - k * L64_HI - k * L64_LO;
  const i = k | 0;
  const j = i & (TABLE_SIZE - 1);
  const hi = TABLE_HI[j];
  const s = POW2[POW2_BIAS + (i >> TABLE_BITS)];
  return s * (hi + (hi * expm1Small(r) + TABLE_LO[j]));
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
  const k = Math.round(x * INV_L64);
  const r = x - k * L64_HI - k * L64_LO;
  const j = k & (TABLE_SIZE - 1);
  const hi = TABLE_HI[j];
  return scale(hi + (hi * expm1Small(r) + TABLE_LO[j]), k >> TABLE_BITS);
}

/**
 * eˣ − 1 = (2ᵐ·hi − 1) + 2ᵐ·(hi·(e^r − 1) + lo), accurate to a few ulp also
 * for tiny |x| (where m = j = 0 and the result is e^r − 1 itself). For
 * m ∈ {0, −1} the first difference is exact (Sterbenz); otherwise the
 * result is at least ½ in size and loses nothing there.
 */
function expm1Core(x: number): number {
  const k = x * INV_L64 + ROUNDER - ROUNDER;
  const r = x - k * L64_HI - k * L64_LO;
  const i = k | 0;
  const j = i & (TABLE_SIZE - 1);
  const hi = TABLE_HI[j];
  const s = POW2[POW2_BIAS + (i >> TABLE_BITS)];
  return s * hi - 1 + s * (hi * expm1Small(r) + TABLE_LO[j]);
}

/**
 * eˣ − 1, accurate to a few ulp also for tiny |x|.
 *
 * @returns ∞ above ≈ 709.78, −1 far below 0, NaN for NaN
 */
export function expm1(x: number): number {
  // e⁷⁰⁸ − 1 rounds to e⁷⁰⁸; NaN fails both tests and goes on to NaN.
  if (x > EXP_CLAMP) return exp(x);
  if (x < -40) return -1;
  return expm1Core(x);
}

/** tanh(±20) rounds to ±1, so 2z is clamped to [−40, 40]. */
const TANH_CLAMP = 40;

/**
 * Hyperbolic tangent e/(e + 2), e = expm1(2z), accurate to a few ulp.
 * Valid for both signs (for z < 0, e ∈ (−1, 0) and e + 2 > 1), so there is
 * no branch at all.
 */
export function tanh(z: number): number {
  const e = expm1Core(Math.min(Math.max(2 * z, -TANH_CLAMP), TANH_CLAMP));
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
