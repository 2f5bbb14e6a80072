import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { trainSpec } from '../../src/cli/commands/train.js';
import { settingsFrom } from '../../src/cli/commands/training-options.js';
import { defaultNetwork, methodDefaults } from '../../src/pipeline/defaults.js';
import { networkA, networkAWide, networkB, networkBWide } from '../../src/model/networks.js';
import { DEFAULT_METHOD_SETTINGS } from '../../src/pipeline/settings.js';
import { syntheticData } from '../../src/pipeline/sources.js';

describe('the pre-training epochs, target balance and whole-run restarts a run gets by default', () => {
  it("are the paper's 100 epochs, balance 1, a single run and fine-tuning's end always kept for sets prepared with --preset paper and for the synthetic sets, which are", () => {
    expect(methodDefaults({ preset: 'paper' }, 'A')).toEqual({ epochs: 100, targetBalance: 1, restarts: 1, keepFineTuning: 'always' });
    expect(methodDefaults(syntheticData('A', 40, 0).preprocessing, 'A')).toEqual({ epochs: 100, targetBalance: 1, restarts: 1, keepFineTuning: 'always' });
    expect(methodDefaults(syntheticData('B', 40, 0).preprocessing, 'B')).toEqual({ epochs: 100, targetBalance: 1, restarts: 1, keepFineTuning: 'always' });
  });

  it('are 300 epochs for task A, 100 for task B, balance 0.5, 5 runs and fine-tuning kept by silhouette for sets prepared with the default preset or naming none', () => {
    expect(methodDefaults({ preset: 'default' }, 'A')).toEqual({ epochs: 300, targetBalance: 0.5, restarts: 5, keepFineTuning: 'silhouette' });
    expect(methodDefaults({ preset: 'default' }, 'B')).toEqual({ epochs: 100, targetBalance: 0.5, restarts: 5, keepFineTuning: 'silhouette' });
    expect(methodDefaults({}, 'A')).toEqual({ epochs: 300, targetBalance: 0.5, restarts: 5, keepFineTuning: 'silhouette' });
  });
});

describe('the autoencoder a run trains when none is named', () => {
  it("is the paper's network for sets prepared with --preset paper and the synthetic sets", () => {
    expect(defaultNetwork({ preset: 'paper' }, 'A')).toEqual(networkA());
    expect(defaultNetwork(syntheticData('A', 40, 0).preprocessing, 'A')).toEqual(networkA());
    expect(defaultNetwork(syntheticData('B', 40, 0).preprocessing, 'B')).toEqual(networkB());
  });

  it('is network A widened to a 24-number code and network B to a 4-number one for sets prepared with the default preset', () => {
    expect(defaultNetwork({ preset: 'default' }, 'A')).toEqual(networkAWide());
    expect(defaultNetwork({}, 'A')).toEqual(networkAWide());
    expect(defaultNetwork({ preset: 'default' }, 'B')).toEqual(networkBWide());
    expect(defaultNetwork({}, 'B')).toEqual(networkBWide());
  });
});

describe("the library's method defaults", () => {
  it('are what train runs with when no training flag is given', () => {
    const args = parseArgs(trainSpec, ['--data', 'set.scds', '--out', 'run']);
    expect(settingsFrom(args)).toEqual(DEFAULT_METHOD_SETTINGS);
  });
});
