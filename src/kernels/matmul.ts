import { apply, defineOp } from '../autograd/op.js';
import { ShapeError, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * C = op(A) op(B), op = transpose when the flag is set. 2-D ([M, K] x [K, N])
 * or batched ([B, M, K] x [B, K, N], same B).
 */
export interface MatmulAttrs {
  readonly transA: boolean;
  readonly transB: boolean;
}

interface Dims {
  batch: number;
  m: number;
  k: number;
  n: number;
}

export function matmulDims(a: Shape, b: Shape, { transA, transB }: MatmulAttrs): Dims {
  const fail = (why: string): never => {
    throw new ShapeError('matmul', { a, b }, why + (transA || transB ? ` (transA ${transA}, transB ${transB})` : ''));
  };
  if (a.length !== b.length || (a.length !== 2 && a.length !== 3)) fail('operands must both be 2-D or both 3-D');
  const batched = a.length === 3;
  if (batched && a[0] !== b[0]) fail('batch sizes differ');
  const [ar, ac] = batched ? [a[1]!, a[2]!] : [a[0]!, a[1]!];
  const [br, bc] = batched ? [b[1]!, b[2]!] : [b[0]!, b[1]!];
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [k2, n] = transB ? [bc, br] : [br, bc];
  if (k !== k2) fail(`inner dimensions ${k} and ${k2} differ`);
  return { batch: batched ? a[0]! : 1, m, k, n };
}

export const matmulOp = defineOp<MatmulAttrs>({
  name: 'matmul',
  inputs: ['a', 'b'],
  shape: ([a, b], attrs) => {
    const { batch, m, n } = matmulDims(a!, b!, attrs);
    return a!.length === 3 ? [batch, m, n] : [m, n];
  },
  cpu: ([a, b], [c], attrs) => {
    const { batch, m, k, n } = matmulDims(a!.shape, b!.shape, attrs);
    const A = a!.data;
    const B = b!.data;
    const C = c!.data;
    // Element (i, p) of op(A) is A[i*ai + p*ap]; (p, j) of op(B) is B[p*bp + j*bj].
    const [ai, ap] = attrs.transA ? [1, m] : [k, 1];
    const [bp, bj] = attrs.transB ? [1, k] : [n, 1];
    C.fill(0);
    for (let t = 0; t < batch; t++) {
      const oa = t * m * k;
      const ob = t * k * n;
      const oc = t * m * n;
      for (let i = 0; i < m; i++) {
        const row = oc + i * n;
        for (let p = 0; p < k; p++) {
          const av = A[oa + i * ai + p * ap]!;
          const bRow = ob + p * bp;
          for (let j = 0; j < n; j++) C[row + j]! += av * B[bRow + j * bj]!;
        }
      }
    }
  },
  webgpu: { kind: 'matmul' },
  backward: (g, { inputs: [a, b], attrs: { transA, transB }, needsGrad }) => [
    needsGrad[0] ? (transA ? matmul(b!, g, transB, true) : matmul(g, b!, false, !transB)) : null,
    needsGrad[1] ? (transB ? matmul(g, a!, true, transA) : matmul(a!, g, !transA, false)) : null,
  ],
});

export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  return apply(matmulOp, [a, b], { transA, transB });
}
