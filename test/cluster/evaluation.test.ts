import { describe, expect, it } from 'vitest';
import { trivialCueFeatures } from '../../src/cluster/baselines.js';
import { evaluateClusters } from '../../src/cluster/evaluation.js';
import { evaluateRun } from '../../src/pipeline/evaluation.js';

describe('evaluateClusters, and evaluateRun with accuracy per SNR bin', () => {
  // Classes [0 0 1 1 1], clusters [1 1 0 0 1]: the Hungarian map is 1 -> 0, 0 -> 1,
  // so the mapped clusters are [0 0 1 1 0] and 4 of 5 records are right.
  const labels = [0, 0, 1, 1, 1];
  const clusters = [1, 1, 0, 0, 1];

  it('maps clusters to classes and scores each class', () => {
    const e = evaluateClusters(labels, clusters);
    expect(e.acc).toBeCloseTo(0.8, 12);
    expect(e.mapping).toEqual([
      [0, 1],
      [1, 0],
    ]);
    // Class 0: predicted 3 times, 2 right (precision 2/3), both found (recall 1).
    // Class 1: predicted twice, both right (precision 1), 2 of 3 found (recall 2/3).
    expect(e.perClass.map((c) => [c.label, c.precision, c.recall, c.support])).toEqual([
      [0, 2 / 3, 1, 2],
      [1, 1, 2 / 3, 3],
    ]);
    expect(e.confusion.counts).toEqual([
      [0, 2],
      [2, 1],
    ]);
    expect(evaluateRun(labels, clusters)).toEqual(e);
  });

  it('bins accuracy by SNR, leaving out records of unknown SNR', () => {
    // SNR 0.5 (right), 1.5 (right), unknown, 4.5 (right), 4.2 (wrong).
    const e = evaluateRun(labels, clusters, [0.5, 1.5, null, 4.5, 4.2]);
    expect(e.bySnr).toEqual([
      { bin: '0-1', count: 1, acc: 1 },
      { bin: '1-2', count: 1, acc: 1 },
      { bin: '2-3', count: 0, acc: null },
      { bin: '3-4', count: 0, acc: null },
      { bin: '>4', count: 2, acc: 0.5 },
    ]);
  });

  it('scores per class only the clusters matched to a class when there are more clusters than classes', () => {
    const e = evaluateClusters([0, 0, 1, 1], [0, 1, 2, 2]);
    expect(e.acc).toBeCloseTo(0.75, 12);
    expect(e.perClass.map((c) => c.label)).toEqual([0, 1]);
  });

  it('refuses SNR values that do not match the records', () => {
    expect(() => evaluateRun(labels, clusters, [1, 2])).toThrow('accuracyBySnr: 2 SNR values for 5 records');
  });
});

describe('trivialCueFeatures (spectral centroid and energy)', () => {
  it('puts a spectrogram with energy in higher bins at a higher centroid, and standardises both features', () => {
    const bins = 4;
    const frames = 3;
    const rows = [0, 1, 3].map((bin, r) => {
      const s = new Float32Array(bins * frames);
      for (let t = 0; t < frames; t++) s[bin * frames + t] = r + 1; // energy grows with r too
      return s;
    });
    const inputs = new Float32Array(rows.length * bins * frames);
    rows.forEach((s, r) => inputs.set(s, r * bins * frames));
    const f = trivialCueFeatures(inputs, 3, [bins, frames]);
    const centroid = [f[0]!, f[2]!, f[4]!];
    const energy = [f[1]!, f[3]!, f[5]!];
    expect(centroid[0]).toBeLessThan(centroid[1]!);
    expect(centroid[1]).toBeLessThan(centroid[2]!);
    expect(energy[0]).toBeLessThan(energy[2]!);
    for (const feature of [centroid, energy]) {
      const mean = feature.reduce((a, b) => a + b, 0) / 3;
      const variance = feature.reduce((a, b) => a + (b - mean) ** 2, 0) / 3;
      expect(mean).toBeCloseTo(0, 12);
      expect(variance).toBeCloseTo(1, 12);
    }
  });

  it('gives a 32-sample window of a faster sine a higher centroid', () => {
    const n = 32;
    const inputs = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      inputs[i] = Math.cos((2 * Math.PI * 2 * i) / n);
      inputs[n + i] = Math.cos((2 * Math.PI * 9 * i) / n);
    }
    const f = trivialCueFeatures(inputs, 2, [n]);
    expect(f[0]).toBeLessThan(f[2]!);
  });

  it('rejects inputs that are neither waveforms nor spectrograms, or do not fill the records', () => {
    expect(() => trivialCueFeatures(new Float32Array(8), 1, [2, 2, 2])).toThrow('must be waveforms [L] or spectrograms [bins, frames]');
    expect(() => trivialCueFeatures(new Float32Array(7), 2, [4])).toThrow('7 values for 2 records of 4');
  });
});
