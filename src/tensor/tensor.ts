import type { Backend, Storage } from './backend.js';
import type { DType, FloatArray } from './dtype.js';
import { formatShape, sizeOf, type Shape } from './shape.js';
import { track } from './tracking.js';

/**
 * How a tensor was made, as the backward pass reads it: autograd records one
 * per differentiable op application (autograd/op.ts). Declared here, below
 * autograd, so that a tensor can hold its node without the tensor layer
 * importing autograd.
 */
export interface TapeNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: (grad: Tensor) => (Tensor | null)[];
}

/**
 * A tensor: a shape, a dtype and a handle to storage owned by a backend.
 * Storage is contiguous and row-major; a view (reshape, detach) shares it
 * and holds a reference.
 */
export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  private _storage: Storage | null;
  /** True for parameters and for results of ops on them (while grad is enabled). */
  requiresGrad = false;
  /** Accumulated gradient of a leaf that requires grad. */
  grad: Tensor | null = null;
  /** How this tensor was made, for the backward pass; null for leaves. */
  node: TapeNode | null = null;

  constructor(storage: Storage, shape: Shape) {
    if (sizeOf(shape) !== storage.size) throw new Error(`Tensor: shape ${formatShape(shape)} does not hold ${storage.size} elements`);
    this._storage = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = storage.dtype;
    storage.refs++;
    track(this);
  }

  get storage(): Storage {
    if (this._storage === null) throw new Error(`Tensor ${formatShape(this.shape)} used after dispose`);
    return this._storage;
  }

  get backend(): Backend {
    return this.storage.backend;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get disposed(): boolean {
    return this._storage === null;
  }

  /** A copy of the elements (async: device readback). */
  async data(): Promise<FloatArray> {
    return this.storage.backend.read(this.storage);
  }

  /** The single element of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item: tensor ${formatShape(this.shape)} has ${this.size} elements, not 1`);
    return (await this.data())[0]!;
  }

  /** Drops this tensor's reference to its storage (and its gradient's). Idempotent. */
  dispose(): void {
    const s = this._storage;
    if (s === null) return;
    this._storage = null;
    this.node = null;
    this.grad?.dispose();
    this.grad = null;
    if (--s.refs === 0) s.backend.free(s);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}, ${this._storage?.backend.name ?? 'disposed'})`;
  }
}
