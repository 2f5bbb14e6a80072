import { describe, expect, it } from 'vitest';
import { conv1d, conv2d, maxPool1d, maxPool2d, tensor, upsample1d, upsample2d, type Tensor } from '../../src/index.js';

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describe('conv2d forward, worked by hand', () => {
  // x = 1 2 3     w = 1 0      valid: [1*1 + 2*0 + 4*0 + 5*1, 2 + 6] = [6, 8]
  //     4 5 6         0 1                [4 + 8, 5 + 9]              = [12, 14]
  //     7 8 9
  const x = (): Tensor => tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
  it('valid padding with a 2x2 kernel gives 2x2', async () => {
    const y = conv2d(x(), tensor([1, 0, 0, 1], [1, 1, 2, 2]), undefined, 'valid');
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(await values(y)).toEqual([6, 8, 12, 14]);
  });
  it('same padding keeps 3x3; a 3x3 box filter sums each neighbourhood', async () => {
    // Corner (0,0): 1+2+4+5 = 12; centre: 45; edge (0,1): 1+2+3+4+5+6 = 21.
    const y = conv2d(x(), tensor(new Array(9).fill(1), [1, 1, 3, 3]), undefined, 'same');
    expect(await values(y)).toEqual([12, 21, 16, 27, 45, 33, 24, 39, 28]);
  });
  it('same padding keeps 16x48 and adds the bias per output channel', async () => {
    const y = conv2d(tensor(new Float32Array(2 * 16 * 48), [2, 1, 16, 48]), tensor(new Float32Array(4 * 9), [4, 1, 3, 3]), tensor([1, 2, 3, 4]));
    expect(y.shape).toEqual([2, 4, 16, 48]);
    const d = await y.data();
    expect(d[0]).toBe(1);
    expect(d[3 * 16 * 48]).toBe(4);
  });
  it('sums over input channels: two channels with weights 1 and 10', async () => {
    const xs = tensor([1, 2, 3, 4], [1, 2, 1, 2]); // channel 0: [1, 2]; channel 1: [3, 4]
    const y = conv2d(xs, tensor([1, 10], [1, 2, 1, 1]), undefined, 'valid');
    expect(await values(y)).toEqual([31, 42]);
  });
});

describe('conv1d forward, worked by hand', () => {
  it('kernel [1, 2, 3] with same padding over [1, 1, 1, 1]', async () => {
    // Cross-correlation: y[i] = x[i-1] + 2 x[i] + 3 x[i+1], zeros outside.
    const y = conv1d(tensor([1, 1, 1, 1], [1, 1, 4]), tensor([1, 2, 3], [1, 1, 3]));
    expect(y.shape).toEqual([1, 1, 4]);
    expect(await values(y)).toEqual([5, 6, 6, 3]);
  });
});

describe('max pooling forward (Keras same semantics)', () => {
  it('pools 3x5 to ceil: 2x3, the last row and column windows are partial', async () => {
    const x = tensor([1, 9, 2, 3, 8, 4, 5, 6, 7, 0, -1, -2, -3, -4, -5], [1, 1, 3, 5]);
    const y = maxPool2d(x);
    expect(y.shape).toEqual([1, 1, 2, 3]);
    expect(await values(y)).toEqual([9, 7, 8, -1, -3, -5]);
  });
  it('maxPool1d halves 9 samples to 5', async () => {
    const y = maxPool1d(tensor([3, 1, 4, 1, 5, 9, 2, 6, 5], [1, 1, 9]));
    expect(await values(y)).toEqual([3, 4, 9, 6, 5]);
  });
});

describe('nearest upsampling forward', () => {
  it('upsample2d doubles both axes', async () => {
    const y = upsample2d(tensor([1, 2, 3, 4], [1, 1, 2, 2]));
    expect(y.shape).toEqual([1, 1, 4, 4]);
    expect(await values(y)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });
  it('upsample1d repeats each sample', async () => {
    expect(await values(upsample1d(tensor([1, 2, 3], [1, 1, 3])))).toEqual([1, 1, 2, 2, 3, 3]);
  });
});
