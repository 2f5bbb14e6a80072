import type { DType, FloatArray } from './dtype.js';
import type { Shape } from './shape.js';

/**
 * Device memory owned by a backend. The tensor layer counts references
 * (`refs`, 0 when allocated; each Tensor on it holds one) and hands the
 * storage back to the backend's `free` when the count returns to zero.
 */
export interface Storage {
  readonly backend: Backend;
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  refs: number;
}

/** What a kernel sees of a tensor: its storage and its shape (always contiguous). */
export interface Operand {
  readonly storage: Storage;
  readonly shape: Shape;
}

/** Allocation counters, for leak tests and the benchmark table. */
export interface AllocationStats {
  /** Storages handed out and not yet freed. */
  live: number;
  /** Device buffers that exist (on a pooled backend: live plus pooled). */
  allocated: number;
  /** Bytes of `allocated`. */
  allocatedBytes: number;
}

/**
 * The interface every backend implements: allocate, free, write, read
 * (async: WebGPU readback is async only) and run an op's kernel.
 */
export interface Backend {
  readonly name: 'cpu' | 'webgpu';
  readonly dtypes: readonly DType[];
  allocate(size: number, dtype: DType): Storage;
  free(storage: Storage): void;
  write(storage: Storage, data: ArrayLike<number>): void;
  read(storage: Storage): Promise<FloatArray>;
  /**
   * Runs `op`'s kernel for this backend. `outputs` are written; an in-place
   * op (such as the optimiser updates) also reads them.
   */
  run<A>(op: Kernel<A>, inputs: readonly Operand[], outputs: readonly Operand[], attrs: A): void;
  stats(): AllocationStats;
}

/** A CPU kernel works on typed arrays. */
export interface CpuView {
  readonly data: FloatArray;
  readonly shape: Shape;
}
export type CpuKernel<A> = (inputs: readonly CpuView[], outputs: readonly CpuView[], attrs: A) => void;

/**
 * The kernels of an op, one per backend. The WebGPU entry is typed by the
 * WebGPU backend; it is opaque here so the tensor layer knows no device.
 */
export interface Kernel<A> {
  readonly name: string;
  readonly cpu: CpuKernel<A>;
  readonly webgpu?: unknown;
}
