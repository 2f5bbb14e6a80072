import type { Kernel, CpuKernel } from '../tensor/backend.js';
import { ShapeError, formatShape, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './mode.js';
import type { BackwardFn } from './node.js';

/**
 * An op, defined once: its operand names, shape rule, kernels per backend
 * and backward (in terms of other ops). Ops without `backward` are not
 * differentiable (gradient kernels, comparisons, optimiser updates).
 */
export interface OpDef<A> extends Kernel<A> {
  /** Operand names, for error messages; its length is the arity. */
  readonly inputs: readonly string[];
  /** Output shape from the input shapes; throws ShapeError. */
  readonly shape: (shapes: readonly Shape[], attrs: A) => Shape;
  readonly cpu: CpuKernel<A>;
  readonly backward?: BackwardFn<A>;
}

export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  return def;
}

/** Runs `op` on tensors and, when grad is enabled and an input needs one, records it on the tape. */
export function apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  if (inputs.length !== op.inputs.length) throw new Error(`${op.name}: expected ${op.inputs.length} operands (${op.inputs.join(', ')}), got ${inputs.length}`);
  const first = inputs[0]!;
  const backend = first.backend;
  for (let i = 1; i < inputs.length; i++) {
    const t = inputs[i]!;
    if (t.backend !== backend) throw new Error(`${op.name}: operand ${op.inputs[i]} is on ${t.backend.name}, ${op.inputs[0]} on ${backend.name}`);
    if (t.dtype !== first.dtype) throw new Error(`${op.name}: operand ${op.inputs[i]} is ${t.dtype}, ${op.inputs[0]} is ${first.dtype}`);
  }
  const shape = op.shape(
    inputs.map((t) => t.shape),
    attrs,
  );
  const out = new Tensor(backend.allocate(sizeOfChecked(op.name, shape), first.dtype), shape);
  backend.run(op, inputs, [out], attrs);
  const backward = op.backward;
  if (backward !== undefined && isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    const needsGrad = inputs.map((t) => t.requiresGrad);
    out.node = {
      op: op.name,
      inputs,
      backward: (grad) => backward(grad, { inputs, output: out, attrs, needsGrad }),
    };
  }
  return out;
}

/**
 * Runs an in-place op (optimiser updates): `outputs` are existing tensors,
 * read and written by the kernel. For such an op, `inputs` names the inputs
 * then the outputs, and `shape` validates all of them.
 */
export function applyInPlace<A>(op: OpDef<A>, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: A): void {
  const all = [...inputs, ...outputs];
  if (all.length !== op.inputs.length) throw new Error(`${op.name}: expected ${op.inputs.length} operands (${op.inputs.join(', ')}), got ${all.length}`);
  op.shape(
    all.map((t) => t.shape),
    attrs,
  );
  outputs[0]!.backend.run(op, inputs, outputs, attrs);
}

function sizeOfChecked(op: string, shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(op, { out: shape }, `invalid output shape ${formatShape(shape)}`);
    n *= d;
  }
  return n;
}
