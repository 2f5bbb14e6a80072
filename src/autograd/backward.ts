import { Tensor } from '../tensor/tensor.js';
import { formatShape, sameShape } from '../tensor/shape.js';
import { keep } from '../tensor/scope.js';
import { noGrad } from './mode.js';
import { apply, type OpDef } from './op.js';
import { onesLike } from '../tensor/create.js';

/**
 * The op that sums two gradients of one tensor. Autograd sits below the
 * kernels, so kernels/elementwise.ts hands its add in when it loads.
 */
let gradientSum: OpDef<Record<string, never>> | null = null;

/** Sets the op that adds gradients reaching one tensor (kernels/elementwise.ts sets its add). */
export function setGradientSum(add: OpDef<Record<string, never>>): void {
  gradientSum = add;
}

function sumGradients(a: Tensor, b: Tensor): Tensor {
  if (gradientSum === null) throw new Error('backward: no op to add gradients with (import the kernels, e.g. from the package entry)');
  return apply(gradientSum, [a, b], {});
}

/**
 * Reverse-mode differentiation of `root` (a scalar unless `grad` is given).
 * Nodes are visited in reverse topological order, so each node's backward
 * runs once with the sum of all gradients that reach it, however many times
 * its output was used. Leaves that require grad accumulate into `.grad`
 * (kept beyond any `tidy` scope). The tape is released afterwards.
 */
export function backward(root: Tensor, grad?: Tensor): void {
  if (!root.requiresGrad) throw new Error(`backward: ${root} does not require grad (no parameter reaches it)`);
  if (grad === undefined && root.size !== 1) throw new Error(`backward: ${root} is not a scalar; pass the gradient of the output`);
  if (grad !== undefined && !sameShape(grad.shape, root.shape))
    throw new Error(`backward: gradient ${formatShape(grad.shape)} does not match output ${formatShape(root.shape)}`);

  const order = topologicalOrder(root);
  noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, grad ?? onesLike(root));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      if (g === undefined) continue;
      const node = t.node;
      if (node === null) {
        if (t.grad === null) {
          // A view, so the gradient owns a reference of its own even when
          // `g` is shared with another tensor's gradient.
          t.grad = keep(new Tensor(g.storage, g.shape));
        } else {
          const sum = keep(sumGradients(t.grad, g));
          t.grad.dispose();
          t.grad = sum;
        }
        continue;
      }
      const inputGrads = node.backward(g);
      node.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!input.requiresGrad || gi === null || gi === undefined) return;
        if (!sameShape(gi.shape, input.shape))
          throw new Error(`backward of ${node.op}: gradient ${formatShape(gi.shape)} for operand ${k} of shape ${formatShape(input.shape)}`);
        const prev = grads.get(input);
        grads.set(input, prev === undefined ? gi : sumGradients(prev, gi));
      });
    }
  });
  for (const t of order) if (t.node !== null) t.node = null;
}

/** Tensors reachable from `root` through the tape, each after all of its inputs. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep graphs must not overflow the call stack.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [t, k] = top;
    const inputs = t.node?.inputs ?? [];
    if (k < inputs.length) {
      top[1] = k + 1;
      const next = inputs[k]!;
      if (next.requiresGrad && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}
