import { describe, expect, it } from 'vitest';
import { cpu, noGrad, tensor, tidy } from '../../src/index.js';
import { Autoencoder } from '../../src/model/autoencoder.js';
import { planModel, type LayerPlan } from '../../src/model/description.js';
import { networkA, networkB } from '../../src/model/networks.js';

/** "type filters/outputShape" per layer, in table order (encoder then decoder). */
function rows(layers: readonly LayerPlan[]): string[] {
  return layers.map((l) => `${l.layer.type} ${l.outputShape.join('x')}`);
}

describe('network A (Table S1)', () => {
  const plan = planModel(networkA());

  it("has the table's 13 layers with its output shapes", () => {
    expect(rows(plan.layers)).toEqual([
      'conv2d 4x16x48',
      'maxPool2d 4x8x24',
      'conv2d 2x8x24',
      'maxPool2d 2x4x12',
      'conv2d 1x4x12',
      'maxPool2d 1x2x6',
      'conv2d 1x2x6',
      'upsample2d 1x4x12',
      'conv2d 2x4x12',
      'upsample2d 2x8x24',
      'conv2d 4x8x24',
      'upsample2d 4x16x48',
      'conv2d 1x16x48',
    ]);
  });

  it('code is 1x2x6 = 12', () => {
    expect(plan.codeShape).toEqual([1, 2, 6]);
    expect(plan.codeSize).toBe(12);
    expect(plan.layers.filter((l) => l.part === 'encoder')).toHaveLength(6);
  });

  it('uses 3x3 kernels, tanh everywhere but the last (linear) layer', () => {
    const convs = plan.layers.filter((l) => l.layer.type === 'conv2d').map((l) => l.layer);
    expect(convs.map((c) => (c.type === 'conv2d' ? c.kernel : null))).toEqual([3, 3, 3, 3, 3, 3, 3]);
    expect(convs.map((c) => (c.type === 'conv2d' ? c.activation : null))).toEqual(['tanh', 'tanh', 'tanh', 'tanh', 'tanh', 'tanh', 'linear']);
    // 4*1*9+4, 2*4*9+2, 1*2*9+1, 1*1*9+1, 2*1*9+2, 4*2*9+4, 1*4*9+1
    expect(plan.parameterCount).toBe(40 + 74 + 19 + 10 + 20 + 76 + 37);
  });

  it('runs: encoder [N, 12], decoder back to [N, 1, 16, 48]', () => {
    const model = new Autoencoder(networkA(), { seed: 3 });
    const [z, y] = tidy(() =>
      noGrad(() => {
        const x = tensor(
          new Float32Array(2 * 768).map((_, i) => Math.sin(i)),
          [2, 1, 16, 48],
        );
        const code = model.encode(x);
        return [code, model.decode(code)];
      }),
    );
    expect(z.shape).toEqual([2, 12]);
    expect(y.shape).toEqual([2, 1, 16, 48]);
    z.dispose();
    y.dispose();
    model.dispose();
  });
});

describe('network B (Table S2)', () => {
  const plan = planModel(networkB());

  it("has the table's 17 layers with its output shapes", () => {
    expect(rows(plan.layers)).toEqual([
      'conv1d 8x32',
      'maxPool1d 8x16',
      'conv1d 4x16',
      'maxPool1d 4x8',
      'conv1d 2x8',
      'maxPool1d 2x4',
      'conv1d 1x4',
      'maxPool1d 1x2',
      'conv1d 1x2',
      'upsample1d 1x4',
      'conv1d 2x4',
      'upsample1d 2x8',
      'conv1d 4x8',
      'upsample1d 4x16',
      'conv1d 8x16',
      'upsample1d 8x32',
      'conv1d 1x32',
    ]);
  });

  it('code is 1x2 = 2, kernels 11, 9, 3, 3 | 3, 3, 9, 11, 3', () => {
    expect(plan.codeShape).toEqual([1, 2]);
    expect(plan.codeSize).toBe(2);
    const kernels = plan.layers.flatMap((l) => (l.layer.type === 'conv1d' ? [l.layer.kernel] : []));
    expect(kernels).toEqual([11, 9, 3, 3, 3, 3, 9, 11, 3]);
  });
});

describe('Autoencoder parameters', () => {
  it('Glorot-uniform kernels within the Keras limit, zero biases, named by layer', async () => {
    const model = new Autoencoder(networkA(), { seed: 7 });
    const named = model.namedParameters();
    expect(named.map((p) => p.name).slice(0, 4)).toEqual(['encoder.0.weight', 'encoder.0.bias', 'encoder.2.weight', 'encoder.2.bias']);
    expect(named).toHaveLength(14);
    for (const { name, tensor: t } of named) {
      const v = await t.data();
      expect(t.requiresGrad).toBe(true);
      if (name.endsWith('.bias')) {
        expect([...v].every((x) => x === 0)).toBe(true);
      } else {
        const [out, inp, kh, kw] = t.shape as [number, number, number, number];
        const limit = Math.sqrt(6 / ((inp + out) * kh * kw));
        expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(limit);
        // Not degenerate: the draws spread over the interval.
        expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(limit / 3);
      }
    }
    model.dispose();
  });

  it('same seed, same weights; another seed, other weights', async () => {
    const a = new Autoencoder(networkB(), { seed: 1 });
    const b = new Autoencoder(networkB(), { seed: 1 });
    const c = new Autoencoder(networkB(), { seed: 2 });
    const [wa, wb, wc] = await Promise.all([a.weights(), b.weights(), c.weights()]);
    for (const [name, v] of wa) {
      expect(wb.get(name)).toEqual(v);
      if (name.endsWith('.weight')) expect(wc.get(name)).not.toEqual(v);
    }
    for (const m of [a, b, c]) m.dispose();
  });

  it('dispose frees every parameter', () => {
    const before = cpu.stats().live;
    const model = new Autoencoder(networkB());
    expect(cpu.stats().live).toBe(before + 18);
    model.dispose();
    expect(cpu.stats().live).toBe(before);
  });
});
