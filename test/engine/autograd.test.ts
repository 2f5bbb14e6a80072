import { describe, expect, it } from 'vitest';
import {
  Adam,
  Sgd,
  add,
  backward,
  conv2d,
  detach,
  kld,
  matmul,
  mse,
  mul,
  noGrad,
  ShapeError,
  sum,
  tanh,
  tensor,
  tidy,
  zeroGrad,
  type Tensor,
} from '../../src/index.js';

function param(values: number[], shape?: number[]): Tensor {
  const t = tensor(values, shape ?? [values.length], { dtype: 'float64' });
  t.requiresGrad = true;
  return t;
}

async function gradOf(t: Tensor): Promise<number[]> {
  return Array.from(await t.grad!.data());
}

describe('autograd', () => {
  it('a tensor used twice gets the sum of both paths: d(x*x + x)/dx = 2x + 1', async () => {
    const x = param([1, -2, 3]);
    backward(sum(add(mul(x, x), x)));
    expect(await gradOf(x)).toEqual([3, -3, 7]);
  });

  it('gradients accumulate across backward calls until zeroGrad', async () => {
    const x = param([1, 2]);
    backward(sum(mul(x, 3)));
    backward(sum(mul(x, 3)));
    expect(await gradOf(x)).toEqual([6, 6]);
    zeroGrad([x]);
    expect(x.grad).toBeNull();
  });

  it('noGrad records nothing', () => {
    const x = param([1, 2]);
    const y = noGrad(() => mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
  });

  it('detach cuts the tape: d/dx of x * detach(x) is detach(x)', async () => {
    const x = param([2, 5]);
    backward(sum(mul(x, detach(x))));
    expect(await gradOf(x)).toEqual([2, 5]);
  });

  it('backward of a non-scalar needs the output gradient', () => {
    const x = param([1, 2]);
    expect(() => backward(mul(x, 2))).toThrow(/not a scalar/);
  });

  it('backward refuses a result that no parameter reaches', () => {
    expect(() => backward(sum(tensor([1, 2])))).toThrow(/does not require grad/);
  });

  it('the tape is released after backward', () => {
    const x = param([1, 2]);
    const y = tanh(x);
    const l = sum(y);
    backward(l);
    expect(y.node).toBeNull();
    expect(l.node).toBeNull();
  });
});

describe('shape errors name the op and every operand shape', () => {
  it('conv2d with mismatched channels', () => {
    const x = tensor(new Float32Array(2 * 3 * 4 * 4), [2, 3, 4, 4]);
    const w = tensor(new Float32Array(4 * 1 * 9), [4, 1, 3, 3]);
    expect(() => conv2d(x, w)).toThrow(ShapeError);
    expect(() => conv2d(x, w)).toThrow('conv2d: input has 3 channels, weight expects 1 (x [2, 3, 4, 4], weight [4, 1, 3, 3])');
  });
  it('add with shapes that do not broadcast', () => {
    expect(() => add(tensor([1, 2, 3]), tensor([1, 2]))).toThrow('add: shapes do not broadcast (x [3], y [2])');
  });
  it('matmul with inner dimensions that differ', () => {
    expect(() => matmul(tensor([1, 2, 3, 4, 5, 6], [2, 3]), tensor([1, 2, 3, 4], [2, 2]))).toThrow(
      'matmul: inner dimensions 3 and 2 differ (a [2, 3], b [2, 2])',
    );
  });
  it('kld with different shapes', () => {
    expect(() => kld(tensor([0.5, 0.5], [1, 2]), tensor([1], [1, 1]))).toThrow('kld: operands must both be [N, K] (p [1, 2], q [1, 1])');
  });
  it('operands of different dtypes', () => {
    expect(() => add(tensor([1]), tensor([1], [1], { dtype: 'float64' }))).toThrow('add: operand y is float64, x is float32');
  });
  it('creation rejects non-finite values, naming the index', () => {
    expect(() => tensor([1, Number.NaN])).toThrow('tensor: value NaN at index 1 is not finite');
  });
});

describe('optimisers', () => {
  it('Adam follows the Keras update for two steps', async () => {
    // Keras: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    // p -= lr sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps).
    const p = param([1, -1]);
    const opt = new Adam([p], { lr: 0.1 });
    const grads = [
      [0.5, -2],
      [0.25, 1],
    ];
    const expected = [1, -1];
    const m = [0, 0];
    const v = [0, 0];
    for (let t = 1; t <= 2; t++) {
      const g = grads[t - 1]!;
      p.grad = tensor(g, [2], { dtype: 'float64' });
      opt.update();
      const alpha = (0.1 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
      for (let i = 0; i < 2; i++) {
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        v[i] = 0.999 * v[i]! + 0.001 * g[i]! * g[i]!;
        expected[i] = expected[i]! - (alpha * m[i]!) / (Math.sqrt(v[i]!) + 1e-7);
      }
      const got = Array.from(await p.data());
      got.forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 12));
      opt.zeroGrad();
    }
  });

  it('SGD with momentum follows the Keras update', async () => {
    // v = 0.9 v - 0.1 g; p += v. g = 1 twice: v = -0.1, then -0.19; p = 1 - 0.29.
    const p = param([1]);
    const opt = new Sgd([p], { lr: 0.1, momentum: 0.9 });
    for (let i = 0; i < 2; i++) {
      p.grad = tensor([1], [1], { dtype: 'float64' });
      opt.update();
      opt.zeroGrad();
    }
    expect((await p.data())[0]).toBeCloseTo(0.71, 12);
  });

  it('training a linear fit drives the loss down', async () => {
    const w = param([0, 0], [2, 1]);
    const x = tensor([1, 2, 3, 4, 5, 6], [3, 2], { dtype: 'float64' });
    const y = tensor([5, 11, 17], [3, 1], { dtype: 'float64' }); // y = x0 + 2 x1
    const opt = new Adam([w], { lr: 0.1 });
    const losses: number[] = [];
    for (let i = 0; i < 300; i++) {
      const l = tidy(() => {
        const loss = mse(matmul(x, w), y);
        backward(loss);
        return loss;
      });
      opt.update();
      opt.zeroGrad();
      if (i % 100 === 0 || i === 299) losses.push(await l.item());
      l.dispose();
    }
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! / 100);
  });
});
