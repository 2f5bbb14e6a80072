import { describe, expect, it } from 'vitest';
import { Rng, glorotUniform } from '../../src/index.js';

describe('the seeded generator', () => {
  it('one seed gives one sequence', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    for (let i = 0; i < 100; i++) expect(a.uniform()).toBe(b.uniform());
  });
  it('different seeds give different sequences', () => {
    expect(new Rng(1).nextUint32()).not.toBe(new Rng(2).nextUint32());
  });
  it('uniforms lie in [0, 1) with mean near 1/2; normals have mean 0 and variance 1', () => {
    const r = new Rng(3);
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 1);
    expect(sn2 / n).toBeCloseTo(1, 1);
  });
  it('a permutation holds every index once', () => {
    const p = Array.from(new Rng(5).permutation(50)).sort((a, b) => a - b);
    expect(p).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
  it('Glorot-uniform stays inside sqrt(6 / (fanIn + fanOut)) for a 4x1x3x3 conv kernel', async () => {
    const limit = Math.sqrt(6 / (1 * 9 + 4 * 9));
    const d = await glorotUniform([4, 1, 3, 3], new Rng(9)).data();
    expect(Math.max(...d.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...d.map(Math.abs))).toBeGreaterThan(limit / 2);
  });
});
