import type { Kernel } from '../../tensor/backend.js';
import type { Shape } from '../../tensor/shape.js';

/**
 * The WebGPU half of an op: a WGSL compute kernel plus the plan that sizes
 * one dispatch of it. Device-free (no import of the `webgpu` package), so
 * op files can state their kernels next to their CPU loops.
 *
 * The binding layout is generated from the kernel's declaration, the same
 * for every kernel, so WGSL texts only hold the computation:
 *
 *   @group(0) @binding(0)  var<uniform> params: Params;       // `count`, then `params` fields in order
 *   @group(0) @binding(1…) var<storage, read> <input>: array<f32>;        // `inputs`, in order
 *   @group(0) @binding(…)  var<storage, read_write> <output>: array<f32>; // `outputs`, in order
 *   @group(0) @binding(…)  var<storage, read> <indices>: array<i32>;      // when `indices` is named
 *
 * with `const WG: u32 = <workgroupSize>;`. Shapes travel in `params` (a
 * uniform), never in the WGSL text, so a new batch size compiles nothing:
 * there is one pipeline per kernel.
 *
 * A kernel that names a `reduction` also gets its workgroup tree reduction
 * (see `WorkgroupReduction`), so that tree is written once.
 */
export interface WebGpuKernel<A> {
  /**
   * 'thread': the WGSL defines `fn run(i: u32)`, called once for each
   * i < count (one thread per output element, in gather form).
   * 'workgroup': the WGSL defines `fn run(group: u32, lane: u32)`, called by
   * every lane 0..WG-1 of workgroups group < count (tree reductions, tiles).
   */
  readonly grid: 'thread' | 'workgroup';
  readonly workgroupSize: number;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Name of the i32 array filled from `KernelPlan.indices` (gathers). */
  readonly indices?: string;
  /** 'workgroup' grid only: the tree reduction helper the WGSL calls. */
  readonly reduction?: WorkgroupReduction;
  /** Uniform fields after `count`, in struct order. */
  readonly params: Readonly<Record<string, ParamType>>;
  readonly wgsl: string;
  /** Sizes one dispatch from the operand shapes and the op's attributes. */
  readonly plan: (inputs: readonly Shape[], outputs: readonly Shape[], attrs: A) => KernelPlan;
}

/**
 * Workgroup tree reductions, by the name of the WGSL helper
 * `fn <name>(lane: u32, value: f32) -> f32` (over `var<workgroup> partial:
 * array<f32, WG>`). Every lane of the workgroup calls it (it holds
 * barriers) and gets the lanes' values folded in a fixed tree, the same
 * order on every run: partial[l] takes in partial[l + half] for half = WG / 2,
 * WG / 4, ..., 1 (a sum or a max), so WG must be a power of two.
 */
export type WorkgroupReduction = 'workgroupSum' | 'workgroupMax';

/**
 * Uniform field types. `dims` holds up to MAX_RANK u32 for rank-generic
 * kernels: an `array<vec4<u32>, 2>` (WGSL alias `Dims`; uniform arrays need
 * 16-byte elements), entry k at `params.f[k / 4u][k % 4u]`.
 */
export type ParamType = 'u32' | 'f32' | 'dims';

/** Rank limit of rank-generic kernels, after collapsing axes. */
export const MAX_RANK = 8;

export interface KernelPlan {
  /** Threads ('thread' grid) or workgroups ('workgroup' grid); 0 dispatches nothing. */
  readonly count: number;
  readonly params: Readonly<Record<string, number | readonly number[]>>;
  readonly indices?: Int32Array;
}

const declared = new WeakSet<object>();

/** Declares a WebGPU kernel (typed identity; the backend accepts only declared kernels). */
export function defineWebGpuKernel<A>(kernel: WebGpuKernel<A>): WebGpuKernel<A> {
  const { reduction, grid, workgroupSize } = kernel;
  if (reduction !== undefined && (grid !== 'workgroup' || (workgroupSize & (workgroupSize - 1)) !== 0))
    throw new Error(`${reduction} needs a 'workgroup' grid whose size is a power of two, got a '${grid}' grid of ${workgroupSize}`);
  declared.add(kernel);
  return kernel;
}

function isWebGpuKernel(k: unknown): k is WebGpuKernel<unknown> {
  return typeof k === 'object' && k !== null && declared.has(k);
}

/** The op's WebGPU kernel: the one place the tensor layer's opaque field is narrowed. */
export function webgpuKernelOf<A>(op: Kernel<A>): WebGpuKernel<A> {
  if (!isWebGpuKernel(op.webgpu)) throw new Error(`${op.name}: no WebGPU kernel`);
  return op.webgpu;
}

/**
 * Drops size-1 axes and merges neighbours that every stride list walks
 * contiguously (stride[k] = stride[k+1] * shape[k+1]), so rank-generic
 * kernels loop over as few axes as possible: a bias add [N, C, H, W] +
 * [1, C, 1, 1] becomes [N, C, H*W] with strides [0, 1, 0].
 */
export function collapseAxes(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let k = 0; k < shape.length; k++) {
    const d = shape[k]!;
    if (d === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, j) => outStrides[j]![last] === s[k]! * d)) {
      outShape[last] = outShape[last]! * d;
      strides.forEach((s, j) => (outStrides[j]![last] = s[k]!));
    } else {
      outShape.push(d);
      strides.forEach((s, j) => outStrides[j]!.push(s[k]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}
