import { isGradEnabled } from '../autograd/mode.js';
import { ShapeError, formatShape, sizeOf, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Views share their input's storage (one more reference), so they cost no
 * kernel: reshape, flatten, detach.
 */
function view(x: Tensor, shape: Shape, differentiable: boolean): Tensor {
  const out = new Tensor(x.storage, shape);
  if (differentiable && x.requiresGrad && isGradEnabled()) {
    out.requiresGrad = true;
    out.node = { op: 'reshape', inputs: [x], backward: (g) => [reshape(g, x.shape)] };
  }
  return out;
}

/** Same elements, new shape; one dimension may be -1 (inferred). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const inferred = shape.indexOf(-1);
  const target = [...shape];
  if (inferred >= 0) {
    const rest = sizeOf(shape.filter((_, i) => i !== inferred));
    if (rest === 0 || x.size % rest !== 0) throw new ShapeError('reshape', { x: x.shape, to: shape }, 'cannot infer the -1 dimension');
    target[inferred] = x.size / rest;
  }
  if (!target.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(target) !== x.size)
    throw new ShapeError('reshape', { x: x.shape, to: shape }, `${x.size} elements do not fit ${formatShape(shape)}`);
  return view(x, target, true);
}

/** [N, ...] to [N, rest]. */
export function flatten(x: Tensor): Tensor {
  if (x.rank < 1) throw new ShapeError('flatten', { x: x.shape }, 'needs a batch axis');
  return reshape(x, [x.shape[0]!, -1]);
}

/** The same values, cut from the tape (no gradient flows through). */
export function detach(x: Tensor): Tensor {
  return view(x, x.shape, false);
}
