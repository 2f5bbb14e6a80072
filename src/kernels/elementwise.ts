import { setGradientSum } from '../autograd/backward.js';
import { apply, defineOp, type OpDef } from '../autograd/op.js';
import type { CpuView } from '../tensor/backend.js';
import type { FloatArray } from '../tensor/dtype.js';
import { ShapeError, broadcastShapes, broadcastStrides, sameShape, sizeOf, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { sumTo } from './sum.js';
import { collapseAxes, defineWebGpuKernel, type WebGpuKernel } from './webgpu/kernel.js';

/**
 * Elementwise ops. Each is one row: an expression in JavaScript and the same
 * expression in WGSL (both see `x` and the scalars `a`, `b`; binary ops see
 * `x` and `y`), and its backward in terms of other ops. The CPU loop is
 * generated from the JavaScript expression, so each op gets its own
 * monomorphic loop.
 */

/** Scalar parameters of a unary op (unused ones are 0). */
export interface ScalarAttrs {
  readonly a: number;
  readonly b: number;
}

export interface UnarySpec {
  readonly js: string;
  readonly wgsl: string;
  readonly backward?: (g: Tensor, x: Tensor, y: Tensor, s: ScalarAttrs) => Tensor;
}

export interface BinarySpec {
  readonly js: string;
  readonly wgsl: string;
  readonly backward?: (g: Tensor, x: Tensor, y: Tensor) => [Tensor, Tensor];
}

export type UnaryName =
  | 'neg'
  | 'square'
  | 'sqrt'
  | 'exp'
  | 'log'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'clamp'
  | 'addScalar'
  | 'mulScalar'
  | 'rsubScalar'
  | 'rdivScalar'
  | 'powScalar'
  | 'step'
  | 'inRange';

const unarySpecs: Record<UnaryName, UnarySpec> = {
  neg: { js: '-x', wgsl: '-x', backward: (g) => neg(g) },
  square: { js: 'x * x', wgsl: 'x * x', backward: (g, x) => mul(g, mulScalar(x, 2)) },
  sqrt: { js: 'Math.sqrt(x)', wgsl: 'sqrt(x)', backward: (g, _x, y) => div(g, mulScalar(y, 2)) },
  exp: { js: 'Math.exp(x)', wgsl: 'exp(x)', backward: (g, _x, y) => mul(g, y) },
  log: { js: 'Math.log(x)', wgsl: 'log(x)', backward: (g, x) => div(g, x) },
  // WGSL's tanh is NaN beyond |x| ~ 44 on some drivers (SwiftShader: e^2x
  // overflows); in float32 it is +-1 from |x| ~ 9 on, so clamping is exact.
  tanh: { js: 'Math.tanh(x)', wgsl: 'tanh(clamp(x, -20.0, 20.0))', backward: (g, _x, y) => binary('tanhGrad', g, y) },
  sigmoid: {
    js: '1 / (1 + Math.exp(-x))',
    wgsl: '1.0 / (1.0 + exp(-x))',
    backward: (g, _x, y) => binary('sigmoidGrad', g, y),
  },
  relu: { js: 'x > 0 ? x : 0', wgsl: 'max(x, 0.0)', backward: (g, x) => mul(g, unary('step', x)) },
  clamp: {
    js: 'x < a ? a : x > b ? b : x',
    wgsl: 'clamp(x, a, b)',
    backward: (g, x, _y, s) => mul(g, unary('inRange', x, s.a, s.b)),
  },
  addScalar: { js: 'x + a', wgsl: 'x + a', backward: (g) => g },
  mulScalar: { js: 'x * a', wgsl: 'x * a', backward: (g, _x, _y, s) => mulScalar(g, s.a) },
  rsubScalar: { js: 'a - x', wgsl: 'a - x', backward: (g) => neg(g) },
  rdivScalar: { js: 'a / x', wgsl: 'a / x', backward: (g, x, y) => neg(mul(g, div(y, x))) },
  /** x ** a, for x > 0 (WGSL's pow is undefined for negative bases). */
  powScalar: {
    js: 'Math.pow(x, a)',
    wgsl: 'pow(x, a)',
    backward: (g, x, y, s) => mul(g, mulScalar(div(y, x), s.a)),
  },
  /** 1 where x > 0, else 0 (relu's derivative). */
  step: { js: 'x > 0 ? 1 : 0', wgsl: 'select(0.0, 1.0, x > 0.0)' },
  /** 1 where a <= x <= b, else 0 (clamp's derivative). */
  inRange: { js: 'x >= a && x <= b ? 1 : 0', wgsl: 'select(0.0, 1.0, x >= a && x <= b)' },
};

export type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'equal' | 'tanhGrad' | 'sigmoidGrad';

const binarySpecs: Record<BinaryName, BinarySpec> = {
  add: { js: 'x + y', wgsl: 'x + y', backward: (g, x, y) => [sumTo(g, x.shape), sumTo(g, y.shape)] },
  sub: { js: 'x - y', wgsl: 'x - y', backward: (g, x, y) => [sumTo(g, x.shape), sumTo(neg(g), y.shape)] },
  mul: { js: 'x * y', wgsl: 'x * y', backward: (g, x, y) => [sumTo(mul(g, y), x.shape), sumTo(mul(g, x), y.shape)] },
  div: {
    js: 'x / y',
    wgsl: 'x / y',
    backward: (g, x, y) => [sumTo(div(g, y), x.shape), sumTo(neg(div(mul(g, x), square(y))), y.shape)],
  },
  /** 1 where x == y, else 0. */
  equal: { js: 'x === y ? 1 : 0', wgsl: 'select(0.0, 1.0, x == y)' },
  /** Backward of tanh, fused: g (1 - y^2), with x = g and y = tanh's output. */
  tanhGrad: { js: 'x * (1 - y * y)', wgsl: 'x * (1.0 - y * y)' },
  /** Backward of sigmoid, fused: g y (1 - y). */
  sigmoidGrad: { js: 'x * y * (1 - y)', wgsl: 'x * y * (1.0 - y)' },
};

type UnaryLoop = (x: FloatArray, out: FloatArray, n: number, a: number, b: number) => void;
type BinaryLoop = (
  x: FloatArray,
  y: FloatArray,
  out: FloatArray,
  outer: number,
  inner: number,
  sx: number,
  sy: number,
  nextX: (i: number) => number,
  nextY: (i: number) => number,
) => void;

function compileUnary(js: string): UnaryLoop {
  return new Function('X', 'OUT', 'n', 'a', 'b', `for (let i = 0; i < n; i++) { const x = X[i]; OUT[i] = ${js}; }`) as UnaryLoop;
}

/**
 * Binary loop over `outer` rows of `inner` elements; within a row x and y
 * advance by sx, sy (0 for a broadcast axis); nextX / nextY give each row's
 * start offset.
 */
function compileBinary(js: string): BinaryLoop {
  return new Function(
    'X',
    'Y',
    'OUT',
    'outer',
    'inner',
    'sx',
    'sy',
    'nextX',
    'nextY',
    `let o = 0;
     for (let r = 0; r < outer; r++) {
       let ix = nextX(r), iy = nextY(r);
       for (let i = 0; i < inner; i++, o++, ix += sx, iy += sy) { const x = X[ix], y = Y[iy]; OUT[o] = ${js}; }
     }`,
  ) as BinaryLoop;
}

/** Row start offsets of an operand with the given broadcast strides, over the outer dims of `shape`. */
function rowOffsets(shape: Shape, strides: readonly number[]): (r: number) => number {
  const outerDims = shape.slice(0, -1);
  if (outerDims.length === 0) return () => 0;
  const offsets = new Int32Array(outerDims.reduce((p, d) => p * d, 1));
  const idx = new Array<number>(outerDims.length).fill(0);
  let off = 0;
  for (let r = 0; r < offsets.length; r++) {
    offsets[r] = off;
    for (let k = outerDims.length - 1; k >= 0; k--) {
      idx[k]!++;
      off += strides[k]!;
      if (idx[k]! < outerDims[k]!) break;
      off -= strides[k]! * outerDims[k]!;
      idx[k] = 0;
    }
  }
  return (r) => offsets[r]!;
}

function makeUnaryOp(name: UnaryName, spec: UnarySpec): OpDef<ScalarAttrs> {
  const loop = compileUnary(spec.js);
  const backward = spec.backward;
  return defineOp<ScalarAttrs>({
    name,
    inputs: ['x'],
    shape: ([x]) => x!,
    cpu: ([x], [out], s) => loop(x!.data, out!.data, out!.data.length, s.a, s.b),
    webgpu: unaryWebGpu(spec.wgsl),
    ...(backward && {
      backward: (g, { inputs: [x], output, attrs }) => [backward(g, x!, output, attrs)],
    }),
  });
}

function makeBinaryOp(name: BinaryName, spec: BinarySpec): OpDef<Record<string, never>> {
  const loop = compileBinary(spec.js);
  const backward = spec.backward;
  return defineOp<Record<string, never>>({
    name,
    inputs: ['x', 'y'],
    shape: ([x, y]) => {
      const out = broadcastShapes(x!, y!);
      if (out === null) throw new ShapeError(name, { x: x!, y: y! }, 'shapes do not broadcast');
      return out;
    },
    cpu: ([x, y], [out]) => binaryCpu(loop, x!, y!, out!),
    webgpu: binaryWebGpu(spec.wgsl),
    ...(backward && {
      backward: (g, { inputs: [x, y] }) => backward(g, x!, y!),
    }),
  });
}

function binaryCpu(loop: BinaryLoop, x: CpuView, y: CpuView, out: CpuView): void {
  const n = out.data.length;
  if (n === 0) return;
  if (sameShape(x.shape, y.shape)) {
    loop(x.data, y.data, out.data, 1, n, 1, 1, zero, zero);
    return;
  }
  const shape = out.shape;
  const sx = broadcastStrides(x.shape, shape);
  const sy = broadcastStrides(y.shape, shape);
  const inner = shape[shape.length - 1]!;
  loop(x.data, y.data, out.data, n / inner, inner, sx[sx.length - 1]!, sy[sy.length - 1]!, rowOffsets(shape, sx), rowOffsets(shape, sy));
}

const zero = (): number => 0;

/** WebGPU: one thread per element, the table's WGSL expression in `x`, `a`, `b`. */
function unaryWebGpu(expr: string): WebGpuKernel<ScalarAttrs> {
  return defineWebGpuKernel<ScalarAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['xs'],
    outputs: ['out'],
    params: { a: 'f32', b: 'f32' },
    wgsl: /* wgsl */ `
fn run(i: u32) {
  let x = xs[i];
  let a = params.a;
  let b = params.b;
  out[i] = ${expr};
}`,
    plan: (_, [out], { a, b }) => ({ count: sizeOf(out!), params: { a, b } }),
  });
}

/**
 * WebGPU: one thread per output element; each operand is read through its
 * broadcast strides over the output's axes (collapsed, so a same-shape
 * operation loops over a single axis).
 */
function binaryWebGpu(expr: string): WebGpuKernel<Record<string, never>> {
  return defineWebGpuKernel<Record<string, never>>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['xs', 'ys'],
    outputs: ['out'],
    params: { rank: 'u32', shape: 'dims', sx: 'dims', sy: 'dims' },
    wgsl: /* wgsl */ `
fn run(i: u32) {
  var rest = i;
  var ix = 0u;
  var iy = 0u;
  for (var k = params.rank; k > 0u; k--) {
    let v = (k - 1u) / 4u;
    let l = (k - 1u) % 4u;
    let c = rest % params.shape[v][l];
    rest /= params.shape[v][l];
    ix += c * params.sx[v][l];
    iy += c * params.sy[v][l];
  }
  let x = xs[ix];
  let y = ys[iy];
  out[i] = ${expr};
}`,
    plan: ([x, y], [out]) => {
      const c = collapseAxes(out!, [broadcastStrides(x!, out!), broadcastStrides(y!, out!)]);
      return { count: sizeOf(out!), params: { rank: c.shape.length, shape: c.shape, sx: c.strides[0]!, sy: c.strides[1]! } };
    },
  });
}

export const unaryOps = Object.fromEntries(Object.entries(unarySpecs).map(([name, spec]) => [name, makeUnaryOp(name as UnaryName, spec)])) as Record<
  UnaryName,
  OpDef<ScalarAttrs>
>;

export const binaryOps = Object.fromEntries(Object.entries(binarySpecs).map(([name, spec]) => [name, makeBinaryOp(name as BinaryName, spec)])) as Record<
  BinaryName,
  OpDef<Record<string, never>>
>;

// The backward pass sums the gradients that reach one tensor with this add.
setGradientSum(binaryOps.add);

export function unary(name: UnaryName, x: Tensor, a = 0, b = 0): Tensor {
  return apply(unaryOps[name], [x], { a, b });
}

function binary(name: BinaryName, x: Tensor, y: Tensor): Tensor {
  return apply(binaryOps[name], [x, y], {});
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const clamp = (x: Tensor, min: number, max: number): Tensor => unary('clamp', x, min, max);
export const addScalar = (x: Tensor, s: number): Tensor => unary('addScalar', x, s);
export const mulScalar = (x: Tensor, s: number): Tensor => unary('mulScalar', x, s);
/** s - x */
export const rsubScalar = (x: Tensor, s: number): Tensor => unary('rsubScalar', x, s);
/** s / x */
export const rdivScalar = (x: Tensor, s: number): Tensor => unary('rdivScalar', x, s);
/** x ** s for x > 0. */
export const powScalar = (x: Tensor, s: number): Tensor => unary('powScalar', x, s);
export const equal = (x: Tensor, y: Tensor): Tensor => binary('equal', x, y);

/** x + y with broadcasting; either may be a number. */
export function add(x: Tensor | number, y: Tensor | number): Tensor {
  if (typeof x === 'number') return typeof y === 'number' ? scalarOnly('add') : addScalar(y, x);
  return typeof y === 'number' ? addScalar(x, y) : binary('add', x, y);
}

/** x - y with broadcasting; either may be a number. */
export function sub(x: Tensor | number, y: Tensor | number): Tensor {
  if (typeof x === 'number') return typeof y === 'number' ? scalarOnly('sub') : rsubScalar(y, x);
  return typeof y === 'number' ? addScalar(x, -y) : binary('sub', x, y);
}

/** x * y with broadcasting; either may be a number. */
export function mul(x: Tensor | number, y: Tensor | number): Tensor {
  if (typeof x === 'number') return typeof y === 'number' ? scalarOnly('mul') : mulScalar(y, x);
  return typeof y === 'number' ? mulScalar(x, y) : binary('mul', x, y);
}

/** x / y with broadcasting; either may be a number. */
export function div(x: Tensor | number, y: Tensor | number): Tensor {
  if (typeof x === 'number') return typeof y === 'number' ? scalarOnly('div') : rdivScalar(y, x);
  return typeof y === 'number' ? mulScalar(x, 1 / y) : binary('div', x, y);
}

function scalarOnly(op: string): never {
  throw new Error(`${op}: at least one operand must be a tensor`);
}
