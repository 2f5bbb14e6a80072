import { describe, expect, it } from 'vitest';
import { Adam, Rng, backward, conv2d, cpu, glorotUniform, maxPool2d, mse, tanh, tidy, upsample2d, zeros, type Tensor } from '../../src/index.js';

describe('memory', () => {
  it('10,000 training steps of a small conv autoencoder do not grow the live allocation count', () => {
    const rng = new Rng(7);
    const params: Tensor[] = [glorotUniform([2, 1, 3, 3], rng), zeros([2]), glorotUniform([1, 2, 3, 3], rng), zeros([1])];
    for (const p of params) p.requiresGrad = true;
    const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
    const x = glorotUniform([2, 1, 4, 6], rng);
    const opt = new Adam(params);
    const step = (): void => {
      tidy(() => {
        const y = conv2d(upsample2d(maxPool2d(tanh(conv2d(x, w1, b1)))), w2, b2);
        backward(mse(y, x));
      });
      opt.update();
      opt.zeroGrad();
    };
    step();
    const live = cpu.stats().live;
    for (let i = 0; i < 10_000; i++) step();
    expect(cpu.stats().live).toBe(live);
  });

  it('tidy disposes what it made, keeps what it returns, and cleans up on a throw', () => {
    const before = cpu.stats().live;
    const kept = tidy(() => {
      zeros([3]);
      return zeros([2]);
    });
    expect(cpu.stats().live).toBe(before + 1);
    kept.dispose();
    expect(() =>
      tidy(() => {
        zeros([4]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(cpu.stats().live).toBe(before);
  });

  it('a disposed tensor refuses to be used', () => {
    const t = zeros([2]);
    t.dispose();
    expect(() => tanh(t)).toThrow('used after dispose');
  });
});
