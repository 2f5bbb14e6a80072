import type { Backend } from './backend.js';
import type { DType } from './dtype.js';
import type { Rng } from './random.js';
import { ShapeError, formatShape, sizeOf, type Shape } from './shape.js';
import { Tensor } from './tensor.js';

/** Set by setDefaultBackend; null until then. */
let chosen: Backend | null = null;
/**
 * The backend used while none is chosen: the CPU backend, which
 * kernels/cpu.ts provides when it loads (the tensor layer sits below the
 * kernels and cannot import it).
 */
let provided: Backend | null = null;

/** The backend new tensors go to when none is named. CPU unless changed. */
export function defaultBackend(): Backend {
  const backend = chosen ?? provided;
  if (backend === null) throw new Error('no default backend: call setDefaultBackend, or import the CPU backend (kernels/cpu.js, or the package entry)');
  return backend;
}

export function setDefaultBackend(backend: Backend): void {
  chosen = backend;
}

/** Makes `backend` the default while setDefaultBackend has chosen none (kernels/cpu.ts provides the CPU backend). */
export function provideDefaultBackend(backend: Backend): void {
  provided = backend;
}

export interface CreateOptions {
  dtype?: DType;
  backend?: Backend;
}

function checkShape(op: string, shape: Shape): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ShapeError(op, { shape }, 'dimensions must be non-negative integers');
}

/** A tensor with the given values (row-major). */
export function tensor(values: ArrayLike<number>, shape: Shape = [values.length], options: CreateOptions = {}): Tensor {
  checkShape('tensor', shape);
  if (sizeOf(shape) !== values.length) throw new Error(`tensor: ${values.length} values do not fill shape ${formatShape(shape)}`);
  const backend = options.backend ?? defaultBackend();
  const dtype = options.dtype ?? (values instanceof Float64Array ? 'float64' : 'float32');
  if (!backend.dtypes.includes(dtype)) throw new Error(`tensor: backend ${backend.name} has no ${dtype}`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new Error(`tensor: value ${v} at index ${i} is not finite`);
  }
  const storage = backend.allocate(values.length, dtype);
  backend.write(storage, values);
  return new Tensor(storage, shape);
}

export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  checkShape('full', shape);
  return tensor(new Float64Array(sizeOf(shape)).fill(value), shape, { dtype: 'float32', ...options });
}

export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(t: Tensor): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, backend: t.backend });
}

export function onesLike(t: Tensor): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, backend: t.backend });
}

function generated(shape: Shape, options: CreateOptions, draw: () => number): Tensor {
  checkShape('random', shape);
  const values = new Float64Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = draw();
  return tensor(values, shape, { dtype: 'float32', ...options });
}

/** Uniform in [low, high), drawn in row-major order from `rng`. */
export function uniform(shape: Shape, rng: Rng, low = 0, high = 1, options: CreateOptions = {}): Tensor {
  return generated(shape, options, () => low + (high - low) * rng.uniform());
}

/** Normal(mean, std), drawn in row-major order from `rng`. */
export function normal(shape: Shape, rng: Rng, mean = 0, std = 1, options: CreateOptions = {}): Tensor {
  return generated(shape, options, () => mean + std * rng.normal());
}

/**
 * Glorot (Xavier) uniform, as Keras: limit sqrt(6 / (fanIn + fanOut)).
 * Dense [in, out]: fans are in and out. Conv [out, in, ...kernel]:
 * fanIn = in * kernel size, fanOut = out * kernel size.
 */
export function glorotUniform(shape: Shape, rng: Rng, options: CreateOptions = {}): Tensor {
  if (shape.length < 2) throw new ShapeError('glorotUniform', { shape }, 'needs at least 2 dimensions');
  let fanIn: number;
  let fanOut: number;
  if (shape.length === 2) {
    fanIn = shape[0]!;
    fanOut = shape[1]!;
  } else {
    const receptive = sizeOf(shape.slice(2));
    fanIn = shape[1]! * receptive;
    fanOut = shape[0]! * receptive;
  }
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, rng, -limit, limit, options);
}
