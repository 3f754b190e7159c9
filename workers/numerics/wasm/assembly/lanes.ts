/**
 * exp, expm1, tanh, log1p, sin and cos on both lanes of an f64x2 vector
 * (AssemblyScript, compiled to WebAssembly SIMD).
 *
 * Like ../../elementary.ts, these use IEEE + − × ÷ and exact bit
 * operations only, so they give the same bits on every machine. Unlike it,
 * exp needs no table: a gather from a table costs more per lane than the
 * longer polynomial below. log1p, sin and cos follow elementary.ts
 * operation for operation and give its bits (up to the sign of a zero).
 *
 * Accuracy: a few units in the last place (tested against Math.*).
 */

/**
 * Every constant lives in linear memory: loading one into both lanes
 * (v128.load64_splat) is one instruction, while V8 rebuilds a v128.const
 * inside a loop from a general register with three.
 */
@inline
export function constant(at: usize): v128 {
  return v128.load64_splat(at);
}

export const ONE = memory.data<f64>([1.0]);
export const TWO = memory.data<f64>([2.0]);
export const HALF = memory.data<f64>([0.5]);

/** Adding then subtracting 1.5·2⁵² rounds |v| < 2⁵¹ to an integer. */
const ROUNDER = memory.data<f64>([6755399441055744.0]);

/** ln 2 in two parts: LN2_HI has 32 significant bits, k·LN2_HI is exact. */
const LN2_HI = memory.data<f64>([0.6931471803691238]);
const LN2_LO = memory.data<f64>([1.9082149292705877e-10]);
const INV_LN2 = memory.data<f64>([1.4426950408889634]);

/** Arguments of exp stay where 2ᵏ is a normal number. */
const EXP_MAX = memory.data<f64>([708.0]);
const EXP_MIN = memory.data<f64>([-708.0]);

/** tanh(±20) rounds to ±1, so 2z is clamped to [−40, 40]. */
const TANH_MAX = memory.data<f64>([40.0]);
const TANH_MIN = memory.data<f64>([-40.0]);

// 1/n! for the Taylor series of e^r − 1.
const C2 = memory.data<f64>([1.0 / 2.0]);
const C3 = memory.data<f64>([1.0 / 6.0]);
const C4 = memory.data<f64>([1.0 / 24.0]);
const C5 = memory.data<f64>([1.0 / 120.0]);
const C6 = memory.data<f64>([1.0 / 720.0]);
const C7 = memory.data<f64>([1.0 / 5040.0]);
const C8 = memory.data<f64>([1.0 / 40320.0]);
const C9 = memory.data<f64>([1.0 / 362880.0]);
const C10 = memory.data<f64>([1.0 / 3628800.0]);
const C11 = memory.data<f64>([1.0 / 39916800.0]);
const C12 = memory.data<f64>([1.0 / 479001600.0]);
const C13 = memory.data<f64>([1.0 / 6227020800.0]);

/** a + b·r */
@inline
function linear(a: usize, b: usize, r: v128): v128 {
  return f64x2.add(constant(a), f64x2.mul(r, constant(b)));
}

/**
 * e^r − 1 for |r| ≤ ln 2 / 2 by its Taylor series to r¹³: the truncation,
 * below r¹⁴/14! ≈ 4e-18, is under 0.2 ulp of the result. r + r²·q(r) with
 * q of degree 11 by Estrin's scheme (pairs, then r², r⁴, r⁸): a chain of
 * four multiply-adds instead of Horner's eleven, which would leave the
 * core waiting on each.
 */
@inline
function expm1Reduced(r: v128): v128 {
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const q0 = f64x2.add(linear(C2, C3, r), f64x2.mul(r2, linear(C4, C5, r)));
  const q1 = f64x2.add(linear(C6, C7, r), f64x2.mul(r2, linear(C8, C9, r)));
  const q2 = f64x2.add(
    linear(C10, C11, r),
    f64x2.mul(r2, linear(C12, C13, r)),
  );
  const q = f64x2.add(f64x2.add(q0, f64x2.mul(r4, q1)), f64x2.mul(r8, q2));
  return f64x2.add(r, f64x2.mul(r2, q));
}

/**
 * k + 1.5·2⁵² for k = round(x / ln 2): the integer k sits in the low bits
 * of the result's significand.
 */
@inline
function shiftedQuotient(x: v128): v128 {
  return f64x2.add(f64x2.mul(x, constant(INV_LN2)), constant(ROUNDER));
}

/** x − k·ln 2, exact in its first part (Cody–Waite). */
@inline
function remainder(x: v128, k: v128): v128 {
  return f64x2.sub(
    f64x2.sub(x, f64x2.mul(k, constant(LN2_HI))),
    f64x2.mul(k, constant(LN2_LO)),
  );
}

/**
 * 2ᵏ from k + 1.5·2⁵² (see shiftedQuotient), for −1022 ≤ k ≤ 1023: the
 * significand's low bits plus the bias, moved into the exponent field.
 * Bits above the low 12 are shifted out.
 */
@inline
function powerOfTwo(shifted: v128): v128 {
  return i64x2.shl(i64x2.add(shifted, i64x2.splat(1023)), 52);
}

/**
 * eˣ with x first clamped to [−708, 708] (e^±708 ≈ 3e±307), as
 * expClamped in elementary.ts: eˣ = 2ᵏ(1 + (e^r − 1)).
 */
@inline
export function expClamped(x: v128): v128 {
  const c = f64x2.pmin(f64x2.pmax(x, constant(EXP_MIN)), constant(EXP_MAX));
  const shifted = shiftedQuotient(c);
  const k = f64x2.sub(shifted, constant(ROUNDER));
  const p = expm1Reduced(remainder(c, k));
  return f64x2.mul(powerOfTwo(shifted), f64x2.add(constant(ONE), p));
}

/**
 * eˣ − 1 = (2ᵏ − 1) + 2ᵏ(e^r − 1) for |x| ≤ 708: for k ∈ {−1, 0, 1} the
 * first difference is exact, so tiny |x| keeps its relative accuracy;
 * otherwise the result is at least ½ in size and loses nothing there.
 */
@inline
function expm1Bounded(x: v128): v128 {
  const shifted = shiftedQuotient(x);
  const k = f64x2.sub(shifted, constant(ROUNDER));
  const p = expm1Reduced(remainder(x, k));
  const s = powerOfTwo(shifted);
  return f64x2.add(f64x2.sub(s, constant(ONE)), f64x2.mul(s, p));
}

/**
 * tanh z = e/(e + 2), e = e^(2z) − 1, 2z clamped to [−40, 40]: valid for
 * both signs, no branch. NaN stays NaN (pmax/pmin keep a NaN first
 * operand).
 */
@inline
export function tanh(z: v128): v128 {
  const x = f64x2.pmin(
    f64x2.pmax(f64x2.add(z, z), constant(TANH_MIN)),
    constant(TANH_MAX),
  );
  const e = expm1Bounded(x);
  return f64x2.div(e, f64x2.add(e, constant(TWO)));
}

const SQRT2 = memory.data<f64>([1.4142135623730951]);

/** 1/3, 1/5, … 1/21, then 23: the series of log in elementary.ts. */
const ATANH_TERMS = memory.data<f64>([
  1.0 / 3.0,
  1.0 / 5.0,
  1.0 / 7.0,
  1.0 / 9.0,
  1.0 / 11.0,
  1.0 / 13.0,
  1.0 / 15.0,
  1.0 / 17.0,
  1.0 / 19.0,
  1.0 / 21.0,
  23.0,
]);

@inline
function atanhTerm(j: usize): v128 {
  return constant(ATANH_TERMS + (j << 3));
}

/**
 * log(1 + y) for 0 ≤ y ≤ 1, as log1p and log in elementary.ts compute it
 * there: u = 1 + y = 2ᵉ·m with m in [√½, √2) (e is 0 or 1 here),
 * log m = 2 atanh s, s = (m − 1)/(m + 1), by its series to s²³ (Horner,
 * the same operations), then the rounding of 1 + y corrected to first
 * order. For tiny y (u = 1) that gives y itself.
 */
@inline
export function log1pUnit(y: v128): v128 {
  const one = constant(ONE);
  const u = f64x2.add(one, y);
  const big = f64x2.gt(u, constant(SQRT2));
  const m = v128.bitselect(f64x2.mul(u, constant(HALF)), u, big);
  const e = v128.and(big, one);
  const s = f64x2.div(f64x2.sub(m, one), f64x2.add(m, one));
  const s2 = f64x2.mul(s, s);
  let q = f64x2.add(atanhTerm(9), f64x2.div(s2, atanhTerm(10)));
  q = f64x2.add(atanhTerm(8), f64x2.mul(s2, q));
  q = f64x2.add(atanhTerm(7), f64x2.mul(s2, q));
  q = f64x2.add(atanhTerm(6), f64x2.mul(s2, q));
  q = f64x2.add(atanhTerm(5), f64x2.mul(s2, q));
  q = f64x2.add(atanhTerm(4), f64x2.mul(s2, q));
  q = f64x2.add(atanhTerm(3), f64x2.mul(s2, q));
  q = f64x2.add(atanhTerm(2), f64x2.mul(s2, q));
  q = f64x2.add(atanhTerm(1), f64x2.mul(s2, q));
  q = f64x2.add(atanhTerm(0), f64x2.mul(s2, q));
  const series = f64x2.add(one, f64x2.mul(s2, q));
  const logU = f64x2.add(
    f64x2.mul(e, constant(LN2_HI)),
    f64x2.add(
      f64x2.mul(f64x2.mul(constant(TWO), s), series),
      f64x2.mul(e, constant(LN2_LO)),
    ),
  );
  const rounding = f64x2.sub(f64x2.sub(u, one), y);
  return f64x2.sub(logU, f64x2.div(rounding, u));
}

// π/2 in three parts (Cody–Waite), as in elementary.ts.
const PIO2_1 = memory.data<f64>([1.5707963267341256]);
const PIO2_2 = memory.data<f64>([6.077100506303966e-11]);
const PIO2_3 = memory.data<f64>([2.0222662487959506e-21]);
const TWO_OVER_PI = memory.data<f64>([0.6366197723675814]);

/** S1 … S9 of sinReduced in elementary.ts. */
const SIN_TERMS = memory.data<f64>([
  -1.0 / 6.0,
  1.0 / 120.0,
  -1.0 / 5040.0,
  1.0 / 362880.0,
  -1.0 / 39916800.0,
  1.0 / 6227020800.0,
  -1.0 / 1307674368000.0,
  1.0 / 355687428096000.0,
  -1.0 / 121645100408832000.0,
]);

/** K1 … K9 of cosReduced in elementary.ts. */
const COS_TERMS = memory.data<f64>([
  1.0 / 24.0,
  -1.0 / 720.0,
  1.0 / 40320.0,
  -1.0 / 3628800.0,
  1.0 / 479001600.0,
  -1.0 / 87178291200.0,
  1.0 / 20922789888000.0,
  -1.0 / 6402373705728000.0,
  1.0 / 2432902008176640000.0,
]);

/** Horner's scheme in r² over nine terms, nested as in elementary.ts. */
@inline
function series9(t: usize, r2: v128): v128 {
  let q = f64x2.add(constant(t + 56), f64x2.mul(r2, constant(t + 64)));
  q = f64x2.add(constant(t + 48), f64x2.mul(r2, q));
  q = f64x2.add(constant(t + 40), f64x2.mul(r2, q));
  q = f64x2.add(constant(t + 32), f64x2.mul(r2, q));
  q = f64x2.add(constant(t + 24), f64x2.mul(r2, q));
  q = f64x2.add(constant(t + 16), f64x2.mul(r2, q));
  q = f64x2.add(constant(t + 8), f64x2.mul(r2, q));
  return f64x2.add(constant(t), f64x2.mul(r2, q));
}

/**
 * sin z and cos z into sinOut and cosOut. z = kπ/2 + r; by the quadrant
 * q = k mod 4, sin z is sin r, cos r, −sin r or −cos r, and cos z is the
 * same for q + 1. k's low bits sit in k + 1.5·2⁵², so bit 0 of that picks
 * sin r or cos r and bit 1, shifted into the sign, negates.
 */
@inline
export function sinCos(z: v128, sinOut: usize, cosOut: usize): void {
  const shifted = f64x2.add(
    f64x2.mul(z, constant(TWO_OVER_PI)),
    constant(ROUNDER),
  );
  const k = f64x2.sub(shifted, constant(ROUNDER));
  const r = f64x2.sub(
    f64x2.sub(
      f64x2.sub(z, f64x2.mul(k, constant(PIO2_1))),
      f64x2.mul(k, constant(PIO2_2)),
    ),
    f64x2.mul(k, constant(PIO2_3)),
  );
  const r2 = f64x2.mul(r, r);
  const sr = f64x2.add(r, f64x2.mul(f64x2.mul(r, r2), series9(SIN_TERMS, r2)));
  const cr = f64x2.add(
    f64x2.sub(constant(ONE), f64x2.mul(constant(HALF), r2)),
    f64x2.mul(f64x2.mul(r2, r2), series9(COS_TERMS, r2)),
  );
  const odd = i64x2.shr_s(i64x2.shl(shifted, 63), 63);
  const sign = i64x2.splat(0x8000000000000000);
  const sinSign = v128.and(i64x2.shl(shifted, 62), sign);
  const next = i64x2.add(shifted, i64x2.splat(1));
  const cosSign = v128.and(i64x2.shl(next, 62), sign);
  v128.store(sinOut, v128.xor(v128.bitselect(cr, sr, odd), sinSign));
  v128.store(cosOut, v128.xor(v128.bitselect(sr, cr, odd), cosSign));
}
