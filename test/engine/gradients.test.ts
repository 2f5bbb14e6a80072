import { describe, expect, it } from 'vitest';
import { gradCheck, type GradInput } from '../helpers/gradcheck.js';
import {
  apply,
  add,
  clamp,
  concatRows,
  conv1d,
  conv2d,
  defineOp,
  div,
  exp,
  expand,
  gatherRows,
  kld,
  log,
  matmul,
  max,
  maxPool1d,
  maxPool2d,
  mean,
  mse,
  mul,
  neg,
  pairwiseSqDist,
  powScalar,
  relu,
  reshape,
  rowNormalize,
  sigmoid,
  sliceRows,
  sqrt,
  square,
  sub,
  sum,
  tanh,
  unaryOps,
  upsample1d,
  upsample2d,
  type Tensor,
} from '../../src/index.js';

/** Passes when every element is within 1e-7 + 1e-5 |numeric| of its central difference. */
async function expectGradientsMatch(f: (...xs: Tensor[]) => Tensor, inputs: GradInput[]): Promise<void> {
  const r = await gradCheck(f, inputs);
  expect(r.worst, r.where).toBeLessThanOrEqual(1);
}

const positive: [number, number] = [0.2, 2];

describe('float64 gradient checks: elementwise', () => {
  const unary: [string, (x: Tensor) => Tensor, GradInput['range']?][] = [
    ['neg', neg],
    ['square', square],
    ['sqrt', sqrt, positive],
    ['exp', exp],
    ['log', log, positive],
    ['tanh', tanh],
    ['sigmoid', sigmoid],
    ['relu', relu],
    ['clamp', (x) => clamp(x, -0.5, 0.7)],
    ['add scalar', (x) => add(x, 3)],
    ['scalar minus x', (x) => sub(2, x)],
    ['mul scalar', (x) => mul(x, -1.5)],
    ['scalar over x', (x) => div(2, x), positive],
    ['pow scalar', (x) => powScalar(x, -1.5), positive],
  ];
  for (const [name, f, range] of unary) {
    it(`${name} on 3x5`, async () => {
      await expectGradientsMatch(f, [range ? { shape: [3, 5], range } : { shape: [3, 5] }]);
    });
  }

  const binary: [string, (x: Tensor, y: Tensor) => Tensor][] = [
    ['add', add],
    ['sub', sub],
    ['mul', mul],
    ['div', div],
  ];
  for (const [name, f] of binary) {
    it(`${name} with equal shapes 2x3x5`, async () => {
      await expectGradientsMatch(f, [{ shape: [2, 3, 5] }, { shape: [2, 3, 5], range: positive }]);
    });
    it(`${name} broadcasting 2x3x1 against 3x4`, async () => {
      await expectGradientsMatch(f, [{ shape: [2, 3, 1] }, { shape: [3, 4], range: positive }]);
    });
    it(`${name} broadcasting a 1x3x1x1 bias over batch 1`, async () => {
      await expectGradientsMatch(f, [{ shape: [1, 3, 4, 5] }, { shape: [1, 3, 1, 1], range: positive }]);
    });
  }
});

describe('float64 gradient checks: reductions and shape ops', () => {
  it('sum over all and over axes [0, 2] with keepDims', async () => {
    await expectGradientsMatch((x) => sum(x), [{ shape: [3, 4, 5] }]);
    await expectGradientsMatch((x) => sum(x, [0, 2], true), [{ shape: [3, 4, 5] }]);
  });
  it('mean over axis 1', async () => {
    await expectGradientsMatch((x) => mean(x, [1]), [{ shape: [3, 4, 5] }]);
  });
  it('max over the last axis and over all', async () => {
    await expectGradientsMatch((x) => max(x, [-1]), [{ shape: [3, 7] }]);
    await expectGradientsMatch((x) => max(x), [{ shape: [2, 3, 3] }]);
  });
  it('expand 3x1 to 2x3x4', async () => {
    await expectGradientsMatch((x) => expand(x, [2, 3, 4]), [{ shape: [3, 1] }]);
  });
  it('reshape 2x6 to 3x4', async () => {
    await expectGradientsMatch((x) => mul(reshape(x, [3, 4]), reshape(x, [3, 4])), [{ shape: [2, 6] }]);
  });
  it('gatherRows with repeated indices', async () => {
    await expectGradientsMatch((x) => gatherRows(x, [4, 0, 4, 2]), [{ shape: [5, 3] }]);
  });
  it('sliceRows and concatRows', async () => {
    await expectGradientsMatch((x) => sliceRows(x, 1, 3), [{ shape: [5, 2, 3] }]);
    await expectGradientsMatch((x, y) => concatRows([x, y, x]), [{ shape: [1, 3] }, { shape: [4, 3] }]);
  });
});

describe('float64 gradient checks: matmul', () => {
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`2-D 3x5 by 5x4, transA ${ta}, transB ${tb}`, async () => {
      await expectGradientsMatch((a, b) => matmul(a, b, ta, tb), [{ shape: ta ? [5, 3] : [3, 5] }, { shape: tb ? [4, 5] : [5, 4] }]);
    });
  }
  it('batched 2x3x5 by 2x5x1', async () => {
    await expectGradientsMatch((a, b) => matmul(a, b), [{ shape: [2, 3, 5] }, { shape: [2, 5, 1] }]);
  });
});

describe('float64 gradient checks: convolution, pooling, upsampling', () => {
  const convCases: [string, number[], number[], 'same' | 'valid'][] = [
    ['3 channels to 4, 3x3 same, batch 2, odd 5x7', [2, 3, 5, 7], [4, 3, 3, 3], 'same'],
    ['1 channel to 1, 3x3 same, batch 1', [1, 1, 4, 6], [1, 1, 3, 3], 'same'],
    ['1 channel to 3, 5x3 valid', [2, 1, 7, 6], [3, 1, 5, 3], 'valid'],
    ['3 channels to 2, 1x5 same (a 1-D kernel)', [1, 3, 1, 9], [2, 3, 1, 5], 'same'],
    ['2 channels to 2, even 2x2 kernel same', [1, 2, 4, 5], [2, 2, 2, 2], 'same'],
  ];
  for (const [name, xs, ws, padding] of convCases) {
    it(`conv2d ${name}`, async () => {
      await expectGradientsMatch((x, w, b) => conv2d(x, w, b, padding), [{ shape: xs }, { shape: ws }, { shape: [ws[0]!] }]);
    });
  }
  it('conv1d 3 channels to 2, kernel 5, length 9, batch 1', async () => {
    await expectGradientsMatch((x, w, b) => conv1d(x, w, b), [{ shape: [1, 3, 9] }, { shape: [2, 3, 5] }, { shape: [2] }]);
  });
  it('conv1d valid, 1 channel, kernel 3', async () => {
    await expectGradientsMatch((x, w) => conv1d(x, w, undefined, 'valid'), [{ shape: [2, 1, 6] }, { shape: [3, 1, 3] }]);
  });
  it('maxPool2d on odd 5x7 (Keras same)', async () => {
    await expectGradientsMatch((x) => maxPool2d(x), [{ shape: [2, 3, 5, 7] }]);
  });
  it('maxPool2d on batch 1, 1 channel, 4x6', async () => {
    await expectGradientsMatch((x) => maxPool2d(x), [{ shape: [1, 1, 4, 6] }]);
  });
  it('maxPool1d on odd length 9', async () => {
    await expectGradientsMatch((x) => maxPool1d(x), [{ shape: [2, 3, 9] }]);
  });
  it('upsample2d by 2 and by [3, 2]', async () => {
    await expectGradientsMatch((x) => upsample2d(x), [{ shape: [2, 3, 3, 5] }]);
    await expectGradientsMatch((x) => upsample2d(x, [3, 2]), [{ shape: [1, 1, 2, 3] }]);
  });
  it('upsample1d by 2', async () => {
    await expectGradientsMatch((x) => upsample1d(x), [{ shape: [1, 3, 5] }]);
  });
});

describe('float64 gradient checks: clustering head and losses', () => {
  it('pairwise squared distances 7x3 to 2x3', async () => {
    await expectGradientsMatch(pairwiseSqDist, [{ shape: [7, 3] }, { shape: [2, 3] }]);
  });
  it('row normalisation of positive 5x3', async () => {
    await expectGradientsMatch(rowNormalize, [{ shape: [5, 3], range: positive }]);
  });
  it('mean squared error', async () => {
    await expectGradientsMatch(mse, [{ shape: [3, 1, 4, 5] }, { shape: [3, 1, 4, 5] }]);
  });
  it('KL divergence (Keras kld) inside the clip range', async () => {
    await expectGradientsMatch(kld, [
      { shape: [4, 3], range: [0.01, 0.99] },
      { shape: [4, 3], range: [0.01, 0.99] },
    ]);
  });
});

describe('float64 gradient check of a whole model', () => {
  it('a tiny conv autoencoder: conv2d, tanh, maxpool, upsample, mse', async () => {
    await expectGradientsMatch(
      (x, w1, b1, w2, b2) => {
        const code = maxPool2d(tanh(conv2d(x, w1, b1)));
        const y = conv2d(upsample2d(code), w2, b2);
        return mse(y, x);
      },
      [{ shape: [2, 1, 4, 6], grad: false }, { shape: [3, 1, 3, 3] }, { shape: [3] }, { shape: [1, 3, 3, 3] }, { shape: [1] }],
    );
  });
});

describe('the gradient check can fail', () => {
  it('rejects a tanh whose backward forgets the square (1 - y instead of 1 - y^2)', async () => {
    const wrongTanh = defineOp<{ a: number; b: number }>({
      ...unaryOps.tanh,
      name: 'wrongTanh',
      backward: (g, { output }) => [mul(g, sub(1, output))],
    });
    const r = await gradCheck((x) => apply(wrongTanh, [x], { a: 0, b: 0 }), [{ shape: [3, 4] }]);
    expect(r.worst).toBeGreaterThan(100);
  });
});
