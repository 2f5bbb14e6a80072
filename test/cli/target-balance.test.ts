import { describe, expect, it } from 'vitest';
import { defaultTargetBalance } from '../../src/cli/pipeline.js';
import { syntheticData } from '../../src/cli/sources.js';

describe('the fine-tuning target balance a run gets by default', () => {
  it("is the paper's 1 for sets prepared with --preset paper and for the synthetic sets, which are", () => {
    expect(defaultTargetBalance({ preset: 'paper' })).toBe(1);
    expect(defaultTargetBalance(syntheticData('A', 40, 0).preprocessing)).toBe(1);
    expect(defaultTargetBalance(syntheticData('B', 40, 0).preprocessing)).toBe(1);
  });

  it('is 0.5 for sets prepared with the default preset, and for sets that name none', () => {
    expect(defaultTargetBalance({ preset: 'default' })).toBe(0.5);
    expect(defaultTargetBalance({})).toBe(0.5);
  });
});
