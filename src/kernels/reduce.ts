import { apply, defineOp } from '../autograd/op.js';
import { normaliseAxes } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { div, equal, mul, mulScalar } from './elementwise.js';
import { reduceCpu, reduceShape, reduceWebGpu, reducedShape, sum, type ReduceAttrs } from './sum.js';
import { reshape } from './view.js';

/** The reductions whose gradients use elementwise ops: mean and max (sum, which elementwise ops need, is in sum.ts). */

export const maxOp = defineOp<ReduceAttrs>({
  name: 'max',
  inputs: ['x'],
  shape: reduceShape('max'),
  cpu: ([x], [out], { axes }) => reduceCpu(x!, out!, axes, 'max'),
  webgpu: reduceWebGpu('-3.4028234663852886e38', 'max(acc, v)', 'workgroupMax'),
  // Ties share the gradient equally.
  backward: (g, { inputs: [x], output, attrs }) => {
    const kept = reducedShape(x!.shape, attrs.axes, true);
    const mask = equal(x!, reshape(output, kept));
    const count = sum(mask, attrs.axes, true);
    return [div(mul(mask, reshape(g, kept)), count)];
  },
});

/** Mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: readonly number[], keepDims = false): Tensor {
  const ax = normaliseAxes('mean', x.shape, axes);
  const count = ax.reduce((p, a) => p * x.shape[a]!, 1);
  return mulScalar(sum(x, ax, keepDims), 1 / count);
}

/** Max over `axes` (all when omitted). */
export function max(x: Tensor, axes?: readonly number[], keepDims = false): Tensor {
  return apply(maxOp, [x], { axes: normaliseAxes('max', x.shape, axes), keepDims });
}
