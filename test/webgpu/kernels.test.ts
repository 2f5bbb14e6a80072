import { it } from 'vitest';
import {
  add,
  applyInPlace,
  clamp,
  concatRows,
  conv1d,
  conv2d,
  div,
  equal,
  expand,
  gatherRows,
  kld,
  matmul,
  max,
  maxPool1d,
  maxPool2d,
  mean,
  mse,
  mul,
  pairwiseSqDist,
  rowNormalize,
  sliceRows,
  sub,
  sum,
  tensor,
  unary,
  upsample1d,
  upsample2d,
  binaryOps,
  type UnaryName,
  type Backend,
  type Tensor,
  cpu,
  apply,
} from '../../src/index.js';
import { adamUpdateOp, sgdUpdateOp } from '../../src/optim/kernels.js';
import { FORWARD, describeWebGpu, draw, expectClose, expectParity } from './helpers.js';

/** Unary ops, the domain their inputs are drawn from, and their scalars. */
const unaryCases: [UnaryName, [number, number], number, number][] = [
  ['neg', [-3, 3], 0, 0],
  ['square', [-3, 3], 0, 0],
  ['sqrt', [0.5, 4], 0, 0],
  ['exp', [-3, 3], 0, 0],
  ['log', [0.5, 4], 0, 0],
  ['tanh', [-3, 3], 0, 0],
  ['sigmoid', [-4, 4], 0, 0],
  ['relu', [-2, 2], 0, 0],
  ['clamp', [-2, 2], -0.5, 0.75],
  ['addScalar', [-2, 2], 0.25, 0],
  ['mulScalar', [-2, 2], -1.5, 0],
  ['rsubScalar', [-2, 2], 3, 0],
  ['rdivScalar', [0.5, 3], 2, 0],
  ['powScalar', [0.5, 3], 1.7, 0],
];

describeWebGpu('WebGPU kernels match the CPU backend', (gpu) => {
  for (const [name, range, a, b] of unaryCases) {
    it(`${name} forward and backward match on 3 x 7 (not a multiple of the workgroup)`, async () => {
      await expectParity(gpu, (x) => unary(name, x, a, b), [{ shape: [3, 7], range }]);
    });
  }

  it('step and inRange (the derivative masks) match forward', async () => {
    await expectParity(gpu, (x) => unary('step', x), [{ shape: [5, 13], values: [0, ...draw([{ shape: [64] }], 3)[0]!] }], { backward: false });
    await expectParity(gpu, (x) => unary('inRange', x, -0.5, 0.5), [{ shape: [65], values: [-0.5, 0.5, ...draw([{ shape: [63] }], 4)[0]!] }], {
      backward: false,
    });
  });

  it('tanh and sigmoid stay finite and saturate for large inputs', async () => {
    const values = [-100, -30, -9, 0, 9, 30, 100];
    await expectParity(gpu, (x) => unary('tanh', x), [{ shape: [7], values }]);
    await expectParity(gpu, (x) => unary('sigmoid', x), [{ shape: [7], values }]);
  });

  it('add broadcasts a per-channel bias over 2 x 3 x 5 x 7', async () => {
    await expectParity(gpu, add, [{ shape: [2, 3, 5, 7] }, { shape: [1, 3, 1, 1] }]);
  });

  it('sub broadcasts a column against a row (5 x 1 - 1 x 6)', async () => {
    await expectParity(gpu, sub, [{ shape: [5, 1] }, { shape: [1, 6] }]);
  });

  it('mul broadcasts a lower-rank operand and a scalar tensor', async () => {
    await expectParity(gpu, mul, [{ shape: [4, 3, 9] }, { shape: [9] }]);
    await expectParity(gpu, mul, [{ shape: [] }, { shape: [3, 4] }]);
  });

  it('div matches with same shapes and with broadcasting', async () => {
    await expectParity(gpu, div, [{ shape: [67] }, { shape: [67], range: [0.5, 2] }]);
    await expectParity(gpu, div, [{ shape: [2, 1, 3] }, { shape: [4, 1], range: [0.5, 2] }]);
  });

  it('equal, tanhGrad and sigmoidGrad match forward', async () => {
    const x = [1, 2, 3, 4, 5, 6];
    await expectParity(
      gpu,
      equal,
      [
        { shape: [2, 3], values: x },
        { shape: [3], values: [1, 0, 6] },
      ],
      { backward: false },
    );
    for (const op of [binaryOps.tanhGrad, binaryOps.sigmoidGrad])
      await expectParity(gpu, (g, y) => apply(op, [g, y], {}), [{ shape: [3, 11] }, { shape: [3, 11], range: [-1, 1] }], { backward: false });
  });

  it('sum over the batch and spatial axes (a bias gradient) of 3 x 4 x 5 x 7 keeps dims', async () => {
    await expectParity(gpu, (x) => sum(x, [0, 2, 3], true), [{ shape: [3, 4, 5, 7] }]);
  });

  it('sum of all 1000 elements (more than one workgroup of lanes) and over a middle axis', async () => {
    await expectParity(gpu, (x) => sum(x), [{ shape: [1000], range: [0, 1] }]);
    await expectParity(gpu, (x) => sum(x, [1]), [{ shape: [2, 300, 3] }]);
  });

  it('mean over the last axis of batch 1', async () => {
    await expectParity(gpu, (x) => mean(x, [-1]), [{ shape: [1, 3, 17] }]);
  });

  it('max over the last axis and over everything, ties sharing the gradient', async () => {
    await expectParity(gpu, (x) => max(x, [-1]), [{ shape: [5, 9] }]);
    await expectParity(gpu, (x) => max(x), [{ shape: [3, 3], values: [1, 4, 2, 4, 0, 3, 1, 2, 0] }]);
  });

  it('expand broadcasts 3 x 1 x 5 to 2 x 3 x 4 x 5', async () => {
    await expectParity(gpu, (x) => expand(x, [2, 3, 4, 5]), [{ shape: [3, 1, 5] }]);
  });

  it('matmul matches on 17 x 33 by 33 x 19 (partial tiles)', async () => {
    await expectParity(gpu, (a, b) => matmul(a, b), [{ shape: [17, 33] }, { shape: [33, 19] }]);
  });

  it('matmul matches with each operand transposed', async () => {
    await expectParity(gpu, (a, b) => matmul(a, b, true, false), [{ shape: [9, 5] }, { shape: [9, 7] }]);
    await expectParity(gpu, (a, b) => matmul(a, b, false, true), [{ shape: [5, 9] }, { shape: [7, 9] }]);
    await expectParity(gpu, (a, b) => matmul(a, b, true, true), [{ shape: [9, 5] }, { shape: [7, 9] }]);
  });

  it('batched matmul matches for batch 3 and batch 1', async () => {
    await expectParity(gpu, (a, b) => matmul(a, b), [{ shape: [3, 5, 18] }, { shape: [3, 18, 2] }]);
    await expectParity(gpu, (a, b) => matmul(a, b), [{ shape: [1, 1, 4] }, { shape: [1, 4, 3] }]);
  });

  for (const [n, ci, co] of [
    [1, 1, 4],
    [2, 3, 1],
    [1, 8, 3],
  ] as const) {
    it(`conv2d forward and both gradients match, batch ${n}, ${ci} -> ${co} channels, 7 x 9, 3 x 3 'same'`, async () => {
      await expectParity(gpu, (x, w, b) => conv2d(x, w, b), [{ shape: [n, ci, 7, 9] }, { shape: [co, ci, 3, 3] }, { shape: [co] }]);
    });
  }

  it("conv2d matches with an even kernel (asymmetric 'same' padding) and with 'valid'", async () => {
    await expectParity(gpu, (x, w) => conv2d(x, w), [{ shape: [2, 3, 5, 6] }, { shape: [2, 3, 2, 4] }]);
    await expectParity(gpu, (x, w) => conv2d(x, w, undefined, 'valid'), [{ shape: [2, 3, 5, 6] }, { shape: [4, 3, 2, 4] }]);
  });

  it('conv2d weight gradient sums more terms than a workgroup has lanes (batch 3 of 8 x 24)', async () => {
    await expectParity(gpu, (x, w) => conv2d(x, w), [{ shape: [3, 4, 8, 24] }, { shape: [2, 4, 3, 3] }]);
  });

  it('conv1d matches with kernel 11 on length 13 (taps past both ends)', async () => {
    await expectParity(gpu, (x, w, b) => conv1d(x, w, b), [{ shape: [2, 1, 13] }, { shape: [8, 1, 11] }, { shape: [8] }]);
  });

  it('maxPool2d matches on 2 x 3 x 7 x 9 (windows hanging over the edge)', async () => {
    await expectParity(gpu, (x) => maxPool2d(x, 2), [{ shape: [2, 3, 7, 9] }]);
  });

  it('maxPool2d gives the gradient to the first maximum of tied windows', async () => {
    const values = [1, 3, 3, 0, 2, 2, 2, 2, 5, 1, 5, 0, 4, 4, 4, 4, 1, 1, 0, 0, 7, 7, 7, 7, 7];
    await expectParity(gpu, (x) => maxPool2d(x, 3), [{ shape: [1, 1, 5, 5], values }]);
    await expectParity(gpu, (x) => maxPool2d(x, [1, 2]), [{ shape: [1, 1, 5, 5], values }]);
  });

  it('maxPool1d matches on 3 channels of length 11', async () => {
    await expectParity(gpu, (x) => maxPool1d(x, 2), [{ shape: [2, 3, 11] }]);
  });

  it('upsample2d matches with factor 2 and with factors 3 x 2', async () => {
    await expectParity(gpu, (x) => upsample2d(x, 2), [{ shape: [2, 3, 4, 5] }]);
    await expectParity(gpu, (x) => upsample2d(x, [3, 2]), [{ shape: [1, 1, 3, 3] }]);
  });

  it('upsample1d matches on 8 channels', async () => {
    await expectParity(gpu, (x) => upsample1d(x, 2), [{ shape: [1, 8, 7] }]);
  });

  it('gatherRows matches with repeated indices, and scatterRows sums their gradients', async () => {
    await expectParity(gpu, (x) => gatherRows(x, [4, 0, 4, 2, 4]), [{ shape: [6, 3, 5] }]);
  });

  it('sliceRows (and padRows, its gradient) match', async () => {
    await expectParity(gpu, (x) => sliceRows(x, 2, 3), [{ shape: [7, 5] }]);
  });

  it('concatRows of three tensors matches, gradients split back', async () => {
    await expectParity(gpu, (a, b, c) => concatRows([a, b, c]), [{ shape: [1, 3, 2] }, { shape: [4, 3, 2] }, { shape: [2, 3, 2] }]);
  });

  it('pairwiseSqDist matches for 13 points and 3 centroids, gradients for both', async () => {
    await expectParity(gpu, pairwiseSqDist, [{ shape: [13, 5] }, { shape: [3, 5] }]);
  });

  it('rowNormalize matches on 7 x 3 positive rows', async () => {
    await expectParity(gpu, rowNormalize, [{ shape: [7, 3], range: [0.1, 2] }]);
  });

  it('mse matches, gradients for prediction and target', async () => {
    await expectParity(gpu, mse, [{ shape: [3, 1, 5, 7] }, { shape: [3, 1, 5, 7] }]);
    await expectParity(gpu, mse, [{ shape: [1, 300] }, { shape: [1, 300] }]);
  });

  it('kld matches, including entries clipped at 1e-7 and 1', async () => {
    const p = [0.2, 0.3, 0.5, 0, 0.7, 0.3, 1e-9, 1, 0.25, 0.25, 0.25, 0.25];
    const q = [0.1, 0.6, 0.3, 0.5, 0.5, 0, 0.4, 0.6, 0.1, 0.2, 0.3, 1.2];
    await expectParity(gpu, kld, [
      { shape: [3, 4], values: p },
      { shape: [3, 4], values: q },
    ]);
  });

  it('five fused Adam updates match the CPU in place', async () => {
    await expectOptimiserParity(gpu, 'adam');
  });

  it('five SGD-with-momentum updates match the CPU in place', async () => {
    await expectOptimiserParity(gpu, 'sgd');
  });

  it('ops on a batch of 1 and on empty tensors run', async () => {
    await expectParity(gpu, (x) => add(x, x), [{ shape: [0, 3] }], { backward: false });
    await expectParity(gpu, (x, w) => conv2d(x, w), [{ shape: [1, 1, 1, 1] }, { shape: [1, 1, 3, 3] }]);
    await expectParity(gpu, (x) => clamp(x, 0, 1), [{ shape: [1] }]);
  });
});

async function expectOptimiserParity(gpu: Backend, kind: 'adam' | 'sgd'): Promise<void> {
  const shape = [3, 67];
  const [p0, m0, v0, ...grads] = draw([{ shape }, { shape }, { shape, range: [0, 1] }, { shape }, { shape }, { shape }, { shape }, { shape }], 7);
  const results: Float32Array[][] = [];
  for (const backend of [cpu, gpu]) {
    const state: Tensor[] = [p0!, m0!, v0!].map((v) => tensor(v, shape, { backend }));
    for (let step = 1; step <= grads.length; step++) {
      const g = tensor(grads[step - 1]!, shape, { backend });
      if (kind === 'adam')
        applyInPlace(adamUpdateOp, [g], state, { alpha: (1e-3 * Math.sqrt(1 - 0.999 ** step)) / (1 - 0.9 ** step), beta1: 0.9, beta2: 0.999, eps: 1e-7 });
      else applyInPlace(sgdUpdateOp, [g], state.slice(0, 2), { lr: 0.01, momentum: 0.9 });
      g.dispose();
    }
    results.push(await Promise.all(state.map(async (t) => Float32Array.from(await t.data()))));
    for (const t of state) t.dispose();
  }
  results[0]!.forEach((want, i) => expectClose(`optimiser state ${i}`, results[1]![i]!, want, FORWARD));
}
