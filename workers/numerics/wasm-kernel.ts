/**
 * The WebAssembly (SIMD) form of the Ritz loss and gradient loops: see
 * wasm/assembly/kernel.ts for the code and ritz-kernel.ts for the maths.
 *
 * The module is compiled and instantiated when this file is imported, once
 * per thread. Every call copies θ and the node set into the instance's
 * memory, runs there and copies the results out: nothing is kept between
 * calls, so any number of models in a thread can share the instance, and
 * nothing is allocated per call once the memory is large enough.
 */
import { readFileSync } from 'node:fs';
import type { Activation } from '../run-config.ts';
import type { NodeSet } from './node-set.ts';

/** The built module, committed beside its source (`npm run build:wasm`). */
export const KERNEL_WASM = new URL('./wasm/ritz-kernel.wasm', import.meta.url);

/** Each activation's id in the module (the constants of kernel.ts). */
const ACTIVATION_IDS: Record<Activation, number> = {
  relu: 0,
  'leaky-relu': 1,
  relu2: 2,
  tanh: 3,
  sigmoid: 4,
  swish: 5,
  softplus: 6,
  gelu: 7,
  sin: 8,
};

type Entry = (
  activation: number,
  width: number,
  count: number,
  theta: number,
  nodes: number,
  stride: number,
  scratch: number,
  out: number,
) => void;

interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  loss: Entry;
  gradient: Entry;
  elementary(fn: number, from: number, to: number, count: number): void;
}

/** The part of the WebAssembly API used here (not in the ES2023 lib). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi })
  .WebAssembly;
const kernel = new wasm.Instance(new wasm.Module(readFileSync(KERNEL_WASM)), {})
  .exports as KernelExports;

/** The instance's memory as doubles; replaced whenever memory grows. */
let heap = new Float64Array(kernel.memory.buffer);

/** First double of the caller's area (16-byte aligned). */
const BASE = kernel.heapBase() / 8;

const PAGE_BYTES = 65536;

/** n rounded up to even: arrays start on 16-byte boundaries. */
function even(n: number): number {
  return n + (n & 1);
}

/**
 * Where one call's arrays go, in doubles from the start of memory: θ, the
 * results (gradient then loss), the scratch area, the six node arrays.
 * Grows the memory when they do not fit.
 */
class Layout {
  theta = 0;
  out = 0;
  scratch = 0;
  nodes = 0;
  stride = 0;

  place(width: number, capacity: number): void {
    this.theta = BASE;
    this.out = this.theta + even(3 * width + 1);
    this.scratch = this.out + even(3 * width + 2);
    this.nodes = this.scratch + 10 * even(width);
    this.stride = even(capacity);
    const bytes = 8 * (this.nodes + 6 * this.stride);
    const missing = bytes - kernel.memory.buffer.byteLength;
    if (missing > 0) {
      kernel.memory.grow(Math.ceil(missing / PAGE_BYTES));
      heap = new Float64Array(kernel.memory.buffer);
    }
  }
}

const layout = new Layout();

/** Copies θ and the node set in; returns the activation's id. */
function copyIn(
  nodes: NodeSet,
  theta: Float64Array,
  width: number,
  activation: Activation,
): number {
  layout.place(width, nodes.x.length);
  heap.set(theta, layout.theta);
  const { nodes: at, stride } = layout;
  heap.set(nodes.x, at);
  heap.set(nodes.kw, at + stride);
  heap.set(nodes.bw, at + 2 * stride);
  heap.set(nodes.g, at + 3 * stride);
  heap.set(nodes.dg, at + 4 * stride);
  heap.set(nodes.pw, at + 5 * stride);
  return ACTIVATION_IDS[activation];
}

function call(entry: Entry, id: number, width: number, count: number): void {
  entry(
    id,
    width,
    count,
    8 * layout.theta,
    8 * layout.nodes,
    layout.stride,
    8 * layout.scratch,
    8 * layout.out,
  );
}

/** Where a kernel leaves the loss (a number field: no boxing per call). */
export interface LossHolder {
  loss: number;
}

/** Σₖ Fₖ over the node set at θ (width W), left in `result.loss`. */
export function wasmRitzLoss(
  nodes: NodeSet,
  theta: Float64Array,
  width: number,
  activation: Activation,
  result: LossHolder,
): void {
  const id = copyIn(nodes, theta, width, activation);
  call(kernel.loss, id, width, nodes.count);
  result.loss = heap[layout.out + 3 * width + 1];
}

/**
 * The pointwise chain-rule gradient at θ into `out` (3W + 1 numbers) and
 * the loss into `result.loss`.
 */
export function wasmRitzGradient(
  nodes: NodeSet,
  theta: Float64Array,
  width: number,
  activation: Activation,
  out: Float64Array,
  result: LossHolder,
): void {
  const id = copyIn(nodes, theta, width, activation);
  call(kernel.gradient, id, width, nodes.count);
  const from = layout.out;
  const size = 3 * width + 1;
  for (let j = 0; j < size; j++) out[j] = heap[from + j];
  result.loss = heap[from + size];
}

/** The lane functions the kernel's layers use (wasm/assembly/lanes.ts). */
export const LANE_FUNCTIONS = ['tanh', 'exp', 'log1p', 'sin', 'cos'] as const;

/**
 * One lane function of the kernel applied to every x (for tests): `exp`
 * clamps x to [−708, 708], `log1p` is for 0 ≤ x ≤ 1.
 */
export function wasmElementary(
  fn: (typeof LANE_FUNCTIONS)[number],
  xs: Float64Array,
): Float64Array {
  const count = even(xs.length);
  layout.place(0, 2 * count);
  heap.fill(0, layout.nodes, layout.nodes + 2 * count);
  heap.set(xs, layout.nodes);
  const to = layout.nodes + count;
  kernel.elementary(
    LANE_FUNCTIONS.indexOf(fn),
    8 * layout.nodes,
    8 * to,
    count,
  );
  return heap.slice(to, to + xs.length);
}
