/**
 * The Ritz loss and its pointwise chain-rule gradient at a set of nodes,
 * two neurons per f64x2 vector (AssemblyScript, compiled to WebAssembly
 * SIMD). The maths is that of ../../ritz-kernel.ts, and every operation
 * comes in the order of the JavaScript it replaced (the layers of
 * activations.ts, Workspace.networkAt, the accumulation loop), so the
 * results are the same bits, except where σ of a smooth activation comes
 * from the (equally deterministic) series of lanes.ts: a few ulp.
 *
 * The caller lays everything out in linear memory and passes byte offsets
 * (all multiples of 16):
 *
 *   theta   3W + 1 doubles, [w, a, c, d] as in params.ts
 *   nodes   six arrays of `stride` doubles: x, ωκ, ωb, g, g′, p
 *   scratch 10·Wp doubles, Wp = W rounded up to even
 *   out     3W + 2 doubles: the gradient, then the loss
 *
 * Neurons are padded to an even count with w = a = c = 0, which adds
 * exactly zero to every sum.
 */
import {
  constant,
  expClamped,
  HALF,
  log1pUnit,
  ONE,
  sinCos,
  TWO,
  tanh,
} from './lanes';

// Activation ids, in the order of ACTIVATION_IDS in ../../wasm-kernel.ts.
const RELU = 0;
const LEAKY_RELU = 1;
const RELU2 = 2;
const TANH = 3;
const SIGMOID = 4;
const SWISH = 5;
const SOFTPLUS = 6;
const GELU = 7;
// 8 is sin, the default case.

const LEAKY_SLOPE = memory.data<f64>([0.01]);
const LEAKY_REST = memory.data<f64>([1.0 - 0.01]);
/** √(2/π), 0.044715 and their products in activations.ts's GELU. */
const GELU_K = memory.data<f64>([0.7978845608028654]);
const GELU_C = memory.data<f64>([0.044715]);
const GELU_3C = memory.data<f64>([3.0 * 0.044715]);
const GELU_6KC = memory.data<f64>([0.7978845608028654 * 6.0 * 0.044715]);
const MINUS_TWO = memory.data<f64>([-2.0]);

// Where the parts of the scratch area start (set by `unpack`), and the
// bytes per part, 8·Wp. Loops copy them into locals first.
let wAt: usize = 0;
let aAt: usize = 0;
let cAt: usize = 0;
let cwAt: usize = 0;
let s0At: usize = 0;
let s1At: usize = 0;
let s2At: usize = 0;
let sumCAt: usize = 0;
let sumPAt: usize = 0;
let sumWAt: usize = 0;
let partBytes: usize = 0;

/** First byte free for the caller's layout, 16-aligned. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** Splits θ into padded w, a, c and cw = c·w; returns d. */
function unpack(theta: usize, width: i32, base: usize): f64 {
  const bytes = <usize>((width + 1) & ~1) << 3;
  partBytes = bytes;
  wAt = base;
  aAt = base + bytes;
  cAt = base + 2 * bytes;
  cwAt = base + 3 * bytes;
  s0At = base + 4 * bytes;
  s1At = base + 5 * bytes;
  s2At = base + 6 * bytes;
  sumCAt = base + 7 * bytes;
  sumPAt = base + 8 * bytes;
  sumWAt = base + 9 * bytes;
  const W = <usize>width << 3;
  for (let o: usize = 0; o < W; o += 8) {
    const w = load<f64>(theta + o);
    const c = load<f64>(theta + 2 * W + o);
    store<f64>(base + o, w);
    store<f64>(aAt + o, load<f64>(theta + W + o));
    store<f64>(cAt + o, c);
    store<f64>(cwAt + o, c * w);
  }
  for (let o = W; o < bytes; o += 8) {
    store<f64>(wAt + o, 0);
    store<f64>(aAt + o, 0);
    store<f64>(cAt + o, 0);
    store<f64>(cwAt + o, 0);
  }
  return load<f64>(theta + 3 * W);
}

/** 1 where z > 0, else 0 (also at 0: the framework convention). */
@inline
function step(z: v128): v128 {
  return v128.and(f64x2.gt(z, f64x2.splat(0.0)), constant(ONE));
}

/** max(z, 0) as ½(z + |z|), bit for bit as in activations.ts. */
@inline
function positivePart(z: v128): v128 {
  return f64x2.mul(constant(HALF), f64x2.add(z, f64x2.abs(z)));
}

/** z = w·x + a for the neuron pair at byte offset o. */
@inline
function preActivation(w: usize, a: usize, o: usize, x: v128): v128 {
  return f64x2.add(f64x2.mul(v128.load(w + o), x), v128.load(a + o));
}

/*
 * σ, σ′, σ″ of one neuron pair with pre-activation z, stored at s (σ),
 * s + end (σ′) and s + 2·end (σ″), with the operations of the same
 * activation's `layer` in activations.ts.
 */

@inline
function put(s: usize, end: usize, s0: v128, s1: v128, s2: v128): void {
  v128.store(s, s0);
  v128.store(s + end, s1);
  v128.store(s + 2 * end, s2);
}

@inline
function reluAt(z: v128, s: usize, end: usize): void {
  put(s, end, positivePart(z), step(z), f64x2.splat(0.0));
}

@inline
function leakyReluAt(z: v128, s: usize, end: usize): void {
  const d = f64x2.add(
    constant(LEAKY_SLOPE),
    f64x2.mul(constant(LEAKY_REST), step(z)),
  );
  put(s, end, f64x2.mul(d, z), d, f64x2.splat(0.0));
}

@inline
function relu2At(z: v128, s: usize, end: usize): void {
  const p = positivePart(z);
  const two = constant(TWO);
  put(s, end, f64x2.mul(p, p), f64x2.mul(two, p), f64x2.mul(two, step(z)));
}

@inline
function tanhAt(t: v128, s: usize, end: usize): void {
  const d = f64x2.sub(constant(ONE), f64x2.mul(t, t));
  put(s, end, t, d, f64x2.mul(f64x2.mul(constant(MINUS_TWO), t), d));
}

@inline
function sigmoidAt(e: v128, s: usize, end: usize): void {
  const l = f64x2.div(constant(ONE), f64x2.add(constant(ONE), e));
  const r = f64x2.mul(e, l);
  const d = f64x2.mul(l, r);
  put(s, end, l, d, f64x2.mul(d, f64x2.sub(r, l)));
}

@inline
function swishAt(z: v128, e: v128, s: usize, end: usize): void {
  const l = f64x2.div(constant(ONE), f64x2.add(constant(ONE), e));
  const r = f64x2.mul(e, l);
  const d = f64x2.mul(l, r);
  put(
    s,
    end,
    f64x2.mul(z, l),
    f64x2.add(l, f64x2.mul(z, d)),
    f64x2.mul(d, f64x2.add(constant(TWO), f64x2.mul(z, f64x2.sub(r, l)))),
  );
}

/**
 * softplus z = max(z, 0) + log1p(e^−|z|). e^−|z| is clamped at e^−708
 * where activations.ts lets it underflow further: the two differ there by
 * less than 3e-308, absolutely.
 */
@inline
function softplusAt(z: v128, s: usize, end: usize): void {
  const e = expClamped(f64x2.neg(z));
  const l = f64x2.div(constant(ONE), f64x2.add(constant(ONE), e));
  const tail = log1pUnit(expClamped(f64x2.neg(f64x2.abs(z))));
  put(
    s,
    end,
    f64x2.add(f64x2.pmax(z, f64x2.splat(0.0)), tail),
    l,
    f64x2.mul(l, f64x2.mul(e, l)),
  );
}

@inline
function geluAt(z: v128, s: usize, end: usize): void {
  const k = constant(GELU_K);
  const z2 = f64x2.mul(z, z);
  const v = f64x2.mul(
    k,
    f64x2.add(z, f64x2.mul(f64x2.mul(constant(GELU_C), z2), z)),
  );
  const dv = f64x2.mul(
    k,
    f64x2.add(constant(ONE), f64x2.mul(constant(GELU_3C), z2)),
  );
  const ddv = f64x2.mul(constant(GELU_6KC), z);
  const t = tanh(v);
  const sech2 = f64x2.sub(constant(ONE), f64x2.mul(t, t));
  const half = f64x2.mul(constant(HALF), z);
  const onePlus = f64x2.add(constant(ONE), t);
  const bend = f64x2.sub(
    ddv,
    f64x2.mul(f64x2.mul(f64x2.mul(constant(TWO), t), dv), dv),
  );
  put(
    s,
    end,
    f64x2.mul(half, onePlus),
    f64x2.add(
      f64x2.mul(constant(HALF), onePlus),
      f64x2.mul(f64x2.mul(half, sech2), dv),
    ),
    f64x2.mul(sech2, f64x2.add(dv, f64x2.mul(half, bend))),
  );
}

@inline
function sinAt(z: v128, s: usize, end: usize): void {
  sinCos(z, s, s + end);
  v128.store(s + 2 * end, f64x2.neg(v128.load(s)));
}

/*
 * The layer loops. The smooth activations take two pairs per pass: each
 * pair is a long chain of dependent operations, and two independent chains
 * side by side keep the core busy (about a quarter faster for tanh).
 */

function layerRelu(x: v128, w: usize, a: usize, s: usize, end: usize): void {
  for (let o: usize = 0; o < end; o += 16) {
    reluAt(preActivation(w, a, o, x), s + o, end);
  }
}

function layerLeakyRelu(
  x: v128,
  w: usize,
  a: usize,
  s: usize,
  end: usize,
): void {
  for (let o: usize = 0; o < end; o += 16) {
    leakyReluAt(preActivation(w, a, o, x), s + o, end);
  }
}

function layerRelu2(x: v128, w: usize, a: usize, s: usize, end: usize): void {
  for (let o: usize = 0; o < end; o += 16) {
    relu2At(preActivation(w, a, o, x), s + o, end);
  }
}

function layerTanh(x: v128, w: usize, a: usize, s: usize, end: usize): void {
  let o: usize = 0;
  for (; o + 16 < end; o += 32) {
    const t0 = tanh(preActivation(w, a, o, x));
    const t1 = tanh(preActivation(w, a, o + 16, x));
    tanhAt(t0, s + o, end);
    tanhAt(t1, s + o + 16, end);
  }
  if (o < end) tanhAt(tanh(preActivation(w, a, o, x)), s + o, end);
}

function layerSigmoid(
  x: v128,
  w: usize,
  a: usize,
  s: usize,
  end: usize,
): void {
  let o: usize = 0;
  for (; o + 16 < end; o += 32) {
    const e0 = expClamped(f64x2.neg(preActivation(w, a, o, x)));
    const e1 = expClamped(f64x2.neg(preActivation(w, a, o + 16, x)));
    sigmoidAt(e0, s + o, end);
    sigmoidAt(e1, s + o + 16, end);
  }
  if (o < end) {
    sigmoidAt(expClamped(f64x2.neg(preActivation(w, a, o, x))), s + o, end);
  }
}

function layerSwish(x: v128, w: usize, a: usize, s: usize, end: usize): void {
  let o: usize = 0;
  for (; o + 16 < end; o += 32) {
    const z0 = preActivation(w, a, o, x);
    const z1 = preActivation(w, a, o + 16, x);
    const e0 = expClamped(f64x2.neg(z0));
    const e1 = expClamped(f64x2.neg(z1));
    swishAt(z0, e0, s + o, end);
    swishAt(z1, e1, s + o + 16, end);
  }
  if (o < end) {
    const z = preActivation(w, a, o, x);
    swishAt(z, expClamped(f64x2.neg(z)), s + o, end);
  }
}

function layerSoftplus(
  x: v128,
  w: usize,
  a: usize,
  s: usize,
  end: usize,
): void {
  let o: usize = 0;
  for (; o + 16 < end; o += 32) {
    softplusAt(preActivation(w, a, o, x), s + o, end);
    softplusAt(preActivation(w, a, o + 16, x), s + o + 16, end);
  }
  if (o < end) softplusAt(preActivation(w, a, o, x), s + o, end);
}

function layerGelu(x: v128, w: usize, a: usize, s: usize, end: usize): void {
  let o: usize = 0;
  for (; o + 16 < end; o += 32) {
    geluAt(preActivation(w, a, o, x), s + o, end);
    geluAt(preActivation(w, a, o + 16, x), s + o + 16, end);
  }
  if (o < end) geluAt(preActivation(w, a, o, x), s + o, end);
}

function layerSin(x: v128, w: usize, a: usize, s: usize, end: usize): void {
  let o: usize = 0;
  for (; o + 16 < end; o += 32) {
    sinAt(preActivation(w, a, o, x), s + o, end);
    sinAt(preActivation(w, a, o + 16, x), s + o + 16, end);
  }
  if (o < end) sinAt(preActivation(w, a, o, x), s + o, end);
}

/** σ, σ′, σ″ of the whole layer at x into s0, s1, s2. */
function layer(activation: i32, xs: f64): void {
  const x = f64x2.splat(xs);
  const w = wAt;
  const a = aAt;
  const s = s0At;
  const end = partBytes;
  switch (activation) {
    case RELU:
      layerRelu(x, w, a, s, end);
      break;
    case LEAKY_RELU:
      layerLeakyRelu(x, w, a, s, end);
      break;
    case RELU2:
      layerRelu2(x, w, a, s, end);
      break;
    case TANH:
      layerTanh(x, w, a, s, end);
      break;
    case SIGMOID:
      layerSigmoid(x, w, a, s, end);
      break;
    case SWISH:
      layerSwish(x, w, a, s, end);
      break;
    case SOFTPLUS:
      layerSoftplus(x, w, a, s, end);
      break;
    case GELU:
      layerGelu(x, w, a, s, end);
      break;
    default:
      layerSin(x, w, a, s, end);
  }
}

/** N and N′ of the last layer (set by `network`). */
let networkValue: f64 = 0;
let networkSlope: f64 = 0;

/**
 * N = Σ cᵢσᵢ + d and N′ = Σ cᵢwᵢσᵢ′, even neurons summed in lane 0 and odd
 * ones in lane 1: the two partial sums of Workspace.networkAt, in its
 * order.
 */
function network(d: f64): void {
  const c = cAt;
  const cw = cwAt;
  const s0 = s0At;
  const s1 = s1At;
  const end = partBytes;
  let n = f64x2.replace_lane(f64x2.splat(0.0), 0, d);
  let np = f64x2.splat(0.0);
  for (let o: usize = 0; o < end; o += 16) {
    n = f64x2.add(n, f64x2.mul(v128.load(c + o), v128.load(s0 + o)));
    np = f64x2.add(np, f64x2.mul(v128.load(cw + o), v128.load(s1 + o)));
  }
  networkValue = f64x2.extract_lane(n, 0) + f64x2.extract_lane(n, 1);
  networkSlope = f64x2.extract_lane(np, 0) + f64x2.extract_lane(np, 1);
}

/**
 * Σₖ Fₖ over `count` nodes into out[3W + 1].
 *
 * @param activation id, see the constants above
 * @param stride doubles per node array
 */
export function loss(
  activation: i32,
  width: i32,
  count: i32,
  theta: usize,
  nodes: usize,
  stride: i32,
  base: usize,
  out: usize,
): void {
  const d = unpack(theta, width, base);
  const column = <usize>stride << 3;
  let total: f64 = 0;
  for (let k: usize = 0; k < <usize>count; k++) {
    const at = nodes + (k << 3);
    layer(activation, load<f64>(at));
    network(d);
    const n = networkValue;
    const g = load<f64>(at + 3 * column);
    const u = g * n;
    const du = load<f64>(at + 4 * column) * n + g * networkSlope;
    total +=
      0.5 * load<f64>(at + column) * du * du -
      load<f64>(at + 2 * column) * u +
      0.5 * load<f64>(at + 5 * column) * n * n;
  }
  store<f64>(out + ((3 * <usize>width + 1) << 3), total);
}

/**
 * Adds one node's terms to sumC, sumP, sumW (see ritz-kernel.ts), with
 * A = ∂F/∂N, B = ∂F/∂N′ there.
 */
function accumulate(av: f64, bv: f64, xv: f64): void {
  const a = f64x2.splat(av);
  const b = f64x2.splat(bv);
  const x = f64x2.splat(xv);
  const w = wAt;
  const s0 = s0At;
  const s1 = s1At;
  const s2 = s2At;
  const sumC = sumCAt;
  const sumP = sumPAt;
  const sumW = sumWAt;
  const end = partBytes;
  for (let o: usize = 0; o < end; o += 16) {
    accumulatePair(a, b, x, o, w, s0, s1, s2, sumC, sumP, sumW);
  }
}

@inline
function accumulatePair(
  a: v128,
  b: v128,
  x: v128,
  o: usize,
  w: usize,
  s0: usize,
  s1: usize,
  s2: usize,
  sumC: usize,
  sumP: usize,
  sumW: usize,
): void {
  const d1 = v128.load(s1 + o);
  const bw = f64x2.mul(b, v128.load(w + o));
  const p = f64x2.add(f64x2.mul(a, d1), f64x2.mul(bw, v128.load(s2 + o)));
  const c = f64x2.add(f64x2.mul(a, v128.load(s0 + o)), f64x2.mul(bw, d1));
  const q = f64x2.add(f64x2.mul(x, p), f64x2.mul(b, d1));
  v128.store(sumC + o, f64x2.add(v128.load(sumC + o), c));
  v128.store(sumP + o, f64x2.add(v128.load(sumP + o), p));
  v128.store(sumW + o, f64x2.add(v128.load(sumW + o), q));
}

/**
 * The gradient at θ into out[0 … 3W] (layout of params.ts) and the loss
 * into out[3W + 1]. Arguments as for `loss`.
 */
export function gradient(
  activation: i32,
  width: i32,
  count: i32,
  theta: usize,
  nodes: usize,
  stride: i32,
  base: usize,
  out: usize,
): void {
  const d = unpack(theta, width, base);
  memory.fill(sumCAt, 0, 3 * partBytes);
  const column = <usize>stride << 3;
  let total: f64 = 0;
  let sumD: f64 = 0;
  for (let k: usize = 0; k < <usize>count; k++) {
    const at = nodes + (k << 3);
    const x = load<f64>(at);
    layer(activation, x);
    network(d);
    const n = networkValue;
    const kw = load<f64>(at + column);
    const bw = load<f64>(at + 2 * column);
    const g = load<f64>(at + 3 * column);
    const dg = load<f64>(at + 4 * column);
    const pw = load<f64>(at + 5 * column);
    const u = g * n;
    const du = dg * n + g * networkSlope;
    total += 0.5 * kw * du * du - bw * u + 0.5 * pw * n * n;
    const r = kw * du;
    const a = r * dg - bw * g + pw * n;
    sumD += a;
    accumulate(a, r * g, x);
  }
  writeGradient(width, sumD, out);
  store<f64>(out + ((3 * <usize>width + 1) << 3), total);
}

/** out = (cᵢ·sumWᵢ, cᵢ·sumPᵢ, sumCᵢ, Σ A). */
function writeGradient(width: i32, sumD: f64, out: usize): void {
  const W = <usize>width << 3;
  for (let o: usize = 0; o < W; o += 8) {
    const c = load<f64>(cAt + o);
    store<f64>(out + o, c * load<f64>(sumWAt + o));
    store<f64>(out + W + o, c * load<f64>(sumPAt + o));
    store<f64>(out + 2 * W + o, load<f64>(sumCAt + o));
  }
  store<f64>(out + 3 * W, sumD);
}

/**
 * One of the lane functions of lanes.ts over `count` doubles (even) at
 * `from`, into `to`, for the tests: 0 tanh, 1 exp (clamped), 2 log1p on
 * [0, 1], 3 sin, 4 cos. sin and cos leave the other one at `from`.
 */
export function elementary(fn: i32, from: usize, to: usize, count: i32): void {
  const end = <usize>count << 3;
  for (let o: usize = 0; o < end; o += 16) {
    const x = v128.load(from + o);
    if (fn == 0) v128.store(to + o, tanh(x));
    else if (fn == 1) v128.store(to + o, expClamped(x));
    else if (fn == 2) v128.store(to + o, log1pUnit(x));
    else if (fn == 3) sinCos(x, to + o, from + o);
    else sinCos(x, from + o, to + o);
  }
}
