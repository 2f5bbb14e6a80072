/**
 * The layout conventions our ops claim (TensorFlow's 'same' padding for odd
 * and even kernels, Keras 'same' max pooling over odd sizes, nearest
 * upsampling, Keras kld with its 1e-7 clip), checked against values TF.js
 * computed once from the inputs in ./tfjs-cases.ts. TF.js is not loaded here:
 * `npx tsx scripts/tfjs-conventions.ts` prints the PINNED object below again.
 */
import { describe, expect, it } from 'vitest';
import { conv1d, conv2d, kld, maxPool1d, maxPool2d, tensor, upsample1d, upsample2d, type Tensor } from '../../src/index.js';
import {
  CONV1D_KERNELS,
  CONV1D_X,
  CONV2D_KERNELS,
  CONV2D_X,
  KLD_P,
  KLD_Q,
  KLD_SHAPE,
  POOL1D_X,
  POOL2D_X,
  UPSAMPLE1D_FACTOR,
  UPSAMPLE1D_X,
  UPSAMPLE2D_FACTOR,
  UPSAMPLE2D_X,
  steps,
} from './tfjs-cases.js';

// TF.js 4.22.0, backend cpu, epsilon 1e-7
const PINNED = {
  conv2d: [
    [
      0.5625, 2.5625, -4.28125, 1.09375, -1.078125, 1.78125, 1.765625, -0.84375, -1.375, -0.171875, 0.671875, 0.4375, -0.875, 2.625, 3.78125, -1.9375, 0.34375,
      0.46875, 0.59375, 3.59375, -0.953125, -0.9375, -3.578125, 0.5, 3.5, -2.84375, 1.234375, -5.609375, 0.578125, -0.515625, -0.453125, -1.109375, -1.046875,
      2.96875, 0.25,
    ],
    [
      4.71875, -2.921875, 0.9375, -1.671875, -2.84375, 4.609375, -0.84375, -0.609375, -1.78125, -2.953125, 4.5, -1.34375, -0.71875, -0.5625, -2.703125,
      4.390625, -1.453125, -2.625, 4.828125, -2.8125, 2.953125, -1.5625, -2.734375, 4.71875, -2.921875, 0.9375, -1.671875, -1.4375, 2.359375, -0.953125,
      -1.03125, -1.109375, -1.1875, 2.328125, 0.109375,
    ],
    [
      -0.765625, -4.640625, 0.828125, 6.65625, -1.53125, 0.453125, -1.296875, 0.453125, 2.078125, -2.75, -0.75, -0.90625, 0.640625, 0.90625, -3.125, 0.625,
      0.46875, 0.3125, 4.828125, -6.046875, 3.078125, 2.71875, -1.5625, -0.796875, -3.625, 0.015625, 4.03125, -0.953125, -3.953125, -0.6875, 0.171875, 0.671875,
      2.609375, -1.28125, -2.375,
    ],
    [
      0.40625, -0.390625, -0.453125, 2, -1.65625, 1.515625, -2.140625, -4.9375, 3.84375, -1.96875, 1.203125, -0.65625, -3.953125, 2.859375, 1.21875, 1.609375,
      -0.96875, -1.03125, 2.140625, -1.875, 2.828125, 2.34375, -1.34375, 1.828125, -0.390625, -0.453125, 2, -2.234375, 0.03125, 1.09375, -1.703125, 3.046875,
      -3.34375, 0.328125, -0.265625,
    ],
  ],
  conv1d: [
    [-1.265625, -2.375, 2.265625, -1.359375, 0.765625, 1.453125, -2.171875, 2.46875, -1.390625],
    [0.984375, 1.140625, -2.03125, 2.703125, -2.265625, -2.203125, 2.890625, -2.078125, 1.96875],
    [4.3125, -2.296875, -0.75, 2.234375, -2.6875, 2.09375, -1.03125, -1.703125, 2.546875],
  ],
  maxPool2d: [0.75, 1.375, 1.25, -0.25, 1.125, 1, 0.625, 1.25, 0.125, 0.75, 1.375, -0.875, 0.875, 1.125, 1, 0.625, 1.25, 0.875, 0.75, 1.375, 1, 0.5, 1.125, 0],
  maxPool1d: [0, 0.625, 1.25, 0.75, -0.375, 1.375, 0.875, -0.25, 0.375, 1],
  upsample2d: [
    0, 0, 0, -1.125, -1.125, -1.125, 0.625, 0.625, 0.625, 0, 0, 0, -1.125, -1.125, -1.125, 0.625, 0.625, 0.625, -0.5, -0.5, -0.5, 1.25, 1.25, 1.25, 0.125,
    0.125, 0.125, -0.5, -0.5, -0.5, 1.25, 1.25, 1.25, 0.125, 0.125, 0.125,
  ],
  upsample1d: [0, 0, 0, -1.125, -1.125, -1.125, 0.625, 0.625, 0.625, -0.5, -0.5, -0.5],
  kld: 5.640368,
};

const TOLERANCE = 1e-5;

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Every element within TOLERANCE (absolute, and relative above 1) of TF.js, naming the first that is not. */
async function expectPinned(what: string, y: Tensor, shape: readonly number[], want: readonly number[]): Promise<void> {
  expect(y.shape, `${what}: shape`).toEqual(shape);
  const got = await y.data();
  expect(got.length, `${what}: length`).toBe(want.length);
  const bad = want.findIndex((w, i) => !(Math.abs(got[i]! - w) <= TOLERANCE * Math.max(1, Math.abs(w))));
  expect(bad, `${what}: element ${bad} is ${got[bad]}, TF.js gives ${want[bad]}`).toBe(-1);
}

describe('our ops reproduce TF.js on the same inputs (values pinned from scripts/tfjs-conventions.ts)', () => {
  it("conv2d 'same', stride 1, on an odd 5 x 7 input: odd (3 x 3), even (2 x 2, 4 x 4) and mixed (2 x 3) kernels", async () => {
    const [n, ci, h, w] = CONV2D_X;
    const x = tensor(steps(size(CONV2D_X), 1), [...CONV2D_X]);
    for (const [i, [kh, kw]] of CONV2D_KERNELS.entries()) {
      const weight = tensor(steps(ci * kh * kw, 2 + i), [1, ci, kh, kw]);
      await expectPinned(`conv2d ${kh} x ${kw}`, conv2d(x, weight), [n, 1, h, w], PINNED.conv2d[i]!);
    }
  });

  it("conv1d 'same' on an odd length 9 with kernels 2, 3 and 4", async () => {
    const [n, ci, l] = CONV1D_X;
    const x = tensor(steps(size(CONV1D_X), 1), [...CONV1D_X]);
    for (const [i, k] of CONV1D_KERNELS.entries()) {
      await expectPinned(`conv1d ${k}`, conv1d(x, tensor(steps(ci * k, 2 + i), [1, ci, k])), [n, 1, l], PINNED.conv1d[i]!);
    }
  });

  it("max pooling 2 'same' over odd sizes: the window hanging over the edge takes its real elements only", async () => {
    const [n, c, h, w] = POOL2D_X;
    await expectPinned(
      'maxPool2d',
      maxPool2d(tensor(steps(size(POOL2D_X), 1), [...POOL2D_X]), 2),
      [n, c, Math.ceil(h / 2), Math.ceil(w / 2)],
      PINNED.maxPool2d,
    );
    const [n1, c1, l1] = POOL1D_X;
    await expectPinned('maxPool1d', maxPool1d(tensor(steps(size(POOL1D_X), 1), [...POOL1D_X]), 2), [n1, c1, Math.ceil(l1 / 2)], PINNED.maxPool1d);
  });

  it('nearest upsampling by unequal factors (UpSampling2D), and 1-D as 2-D with height 1', async () => {
    const [n, c, h, w] = UPSAMPLE2D_X;
    const [fh, fw] = UPSAMPLE2D_FACTOR;
    const x = tensor(steps(size(UPSAMPLE2D_X), 1), [...UPSAMPLE2D_X]);
    await expectPinned('upsample2d', upsample2d(x, UPSAMPLE2D_FACTOR), [n, c, h * fh, w * fw], PINNED.upsample2d);
    const [n1, c1, l1] = UPSAMPLE1D_X;
    const x1 = tensor(steps(size(UPSAMPLE1D_X), 1), [...UPSAMPLE1D_X]);
    await expectPinned('upsample1d', upsample1d(x1, UPSAMPLE1D_FACTOR), [n1, c1, l1 * UPSAMPLE1D_FACTOR], PINNED.upsample1d);
  });

  it('kld: Keras kld with both sides clipped to [1e-7, 1], averaged over the rows', async () => {
    // TF.js multiplies by the unclipped p (Keras by the clipped one): the two differ by p = 0 terms of
    // about 1e-7 log(1e-7 / q), far below the tolerance, so both conventions agree with this value.
    const p = tensor(Float32Array.from(KLD_P), [...KLD_SHAPE]);
    const q = tensor(Float32Array.from(KLD_Q), [...KLD_SHAPE]);
    await expectPinned('kld', kld(p, q), [], [PINNED.kld]);
  });
});
