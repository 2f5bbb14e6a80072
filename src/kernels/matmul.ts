import { apply, defineOp } from '../autograd/op.js';
import { ShapeError, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { defineWebGpuKernel } from './webgpu/kernel.js';

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
  // WebGPU, tiled: a 16 x 16 workgroup computes a 16 x 16 tile of C, staging
  // 16-wide slabs of op(A) and op(B) in workgroup memory. Each thread sums its
  // element over p in increasing order (zero padding past the edges adds 0).
  webgpu: defineWebGpuKernel<MatmulAttrs>({
    grid: 'workgroup',
    workgroupSize: 256,
    inputs: ['a', 'b'],
    outputs: ['c'],
    params: { m: 'u32', k: 'u32', n: 'u32', ar: 'u32', ap: 'u32', bp: 'u32', bc: 'u32' },
    wgsl: /* wgsl */ `
const TILE: u32 = 16u;
var<workgroup> tileA: array<f32, WG>;
var<workgroup> tileB: array<f32, WG>;

// Element (r, p) of op(A) in batch t is a[t m k + r ar + p ap]; (p, col) of op(B) is b[t k n + p bp + col bc].
fn run(group: u32, lane: u32) {
  let tilesN = (params.n + TILE - 1u) / TILE;
  let tilesPerBatch = ((params.m + TILE - 1u) / TILE) * tilesN;
  let t = group / tilesPerBatch;
  let tile = group % tilesPerBatch;
  let ty = lane / TILE;
  let tx = lane % TILE;
  let row = (tile / tilesN) * TILE + ty;
  let col = (tile % tilesN) * TILE + tx;
  let aBase = t * params.m * params.k;
  let bBase = t * params.k * params.n;
  var acc = 0.0;
  for (var p0 = 0u; p0 < params.k; p0 += TILE) {
    var av = 0.0;
    if (row < params.m && p0 + tx < params.k) {
      av = a[aBase + row * params.ar + (p0 + tx) * params.ap];
    }
    var bv = 0.0;
    if (p0 + ty < params.k && col < params.n) {
      bv = b[bBase + (p0 + ty) * params.bp + col * params.bc];
    }
    tileA[lane] = av;
    tileB[lane] = bv;
    workgroupBarrier();
    for (var p = 0u; p < TILE; p++) {
      acc += tileA[ty * TILE + p] * tileB[p * TILE + tx];
    }
    workgroupBarrier();
  }
  if (row < params.m && col < params.n) {
    c[(t * params.m + row) * params.n + col] = acc;
  }
}`,
    plan: ([a, b], _, attrs) => {
      const { batch, m, k, n } = matmulDims(a!, b!, attrs);
      const [ar, ap] = attrs.transA ? [1, m] : [k, 1];
      const [bp, bc] = attrs.transB ? [1, k] : [n, 1];
      return { count: batch * Math.ceil(m / 16) * Math.ceil(n / 16), params: { m, k, n, ar, ap, bp, bc } };
    },
  }),
  backward: (g, { inputs: [a, b], attrs: { transA, transB }, needsGrad }) => [
    needsGrad[0] ? (transA ? matmul(b!, g, transB, true) : matmul(g, b!, false, !transB)) : null,
    needsGrad[1] ? (transB ? matmul(g, a!, true, transA) : matmul(a!, g, !transA, false)) : null,
  ],
});

export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  return apply(matmulOp, [a, b], { transA, transB });
}
