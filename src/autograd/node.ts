import type { Tensor } from '../tensor/tensor.js';

/** What the backward pass needs of an op application. */
export interface BackwardContext<A> {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: A;
  /** needsGrad[i]: whether input i wants a gradient (skip the work if not). */
  readonly needsGrad: readonly boolean[];
}

/** Gradients of the inputs from the output's gradient; null where not needed. */
export type BackwardFn<A> = (grad: Tensor, ctx: BackwardContext<A>) => (Tensor | null)[];
