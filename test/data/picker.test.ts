import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifestTraces } from '../../src/data/readers/manifest.js';
import { PICKER_DEFAULTS, aicOnset, liveSegments, pickP, staLta } from '../../src/data/signal/picker.js';
import { TARGET_RATE_HZ, resample } from '../../src/data/signal/resample.js';
import { stressSet } from '../../src/data/stress.js';
import { Rng } from '../../src/tensor/random.js';
import { realDataDir, skipWithoutRealData } from '../helpers/real-data.js';

const noRealData = skipWithoutRealData('pickP on the real analyst picks');

/** Noise, then from `onset` on a decaying 8 Hz arrival `amp` times the noise level. */
function synthetic(seed: number, onset: number, amp: number, n = 6000): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, (_, i) => {
    const t = (i - onset) / 100;
    return rng.normal() + (i >= onset ? amp * Math.exp(-t / 2) * Math.sin(2 * Math.PI * 8 * t) : 0);
  });
}

describe('STA/LTA and AIC', () => {
  it('the STA/LTA ratio of stationary noise stays near 1 and jumps at an arrival', () => {
    const x = synthetic(1, 4000, 20);
    const r = staLta(x, 30, 500);
    let maxNoise = 0;
    for (let i = 600; i < 4000; i++) maxNoise = Math.max(maxNoise, r[i]!);
    expect(maxNoise).toBeLessThan(PICKER_DEFAULTS.triggerOn);
    expect(Math.max(...r.subarray(4000, 4100))).toBeGreaterThan(8);
    expect(() => staLta(x, 50, 50)).toThrow(/nSta=50, nLta=50/);
  });

  it('AIC finds a variance step to within a sample or two', () => {
    const rng = new Rng(2);
    const x = Float64Array.from({ length: 400 }, (_, i) => rng.normal() * (i < 230 ? 1 : 6));
    expect(Math.abs(aicOnset(x, 0, 400) - 230)).toBeLessThanOrEqual(2);
  });

  it('gaps (runs of one value) split the trace into live segments', () => {
    const x = Float64Array.from({ length: 300 }, (_, i) => (i >= 100 && i < 200 ? 7 : Math.sin(i)));
    expect(liveSegments(x, 50)).toEqual([
      [0, 100],
      [200, 300],
    ]);
    expect(liveSegments(x, 150)).toEqual([[0, 300]]);
  });
});

describe('pickP on synthetic onsets', () => {
  it('picks a clear onset within 0.05 s', () => {
    for (const [seed, onset] of [
      [1, 1500],
      [2, 3333],
      [3, 700],
    ] as const) {
      const pick = pickP(synthetic(seed, onset, 10), 100);
      expect(pick, `seed ${seed}`).toBeGreaterThanOrEqual(onset - 5);
      expect(pick, `seed ${seed}`).toBeLessThanOrEqual(onset + 5);
    }
  });

  it('returns undefined on noise alone', () => {
    expect(pickP(synthetic(4, 10_000, 0), 100)).toBeUndefined();
  });

  it('is not fooled by a zero-filled gap in front of the arrival', () => {
    const x = synthetic(5, 4000, 10);
    x.fill(0, 1000, 2000);
    const pick = pickP(x, 100);
    expect(Math.abs(pick! - 4000)).toBeLessThanOrEqual(5);
  });
});

describe('pickP on the stress set, against its true onsets', () => {
  it('the 0.5-5 Hz band finds teleseismic P that the 2-45 Hz band misses, and keeps the local picks', () => {
    const hits = { local: { both: 0, main: 0 }, teleseismic: { both: 0, main: 0 } };
    for (const r of stressSet({ task: 'A', seed: 0, records: 200 }).records()) {
      const x = Float64Array.from(r.samples);
      const within = (pick: number | undefined): number => (pick !== undefined && Math.abs(pick - r.onsetSample) <= 0.5 * r.samplingRate ? 1 : 0);
      const h = hits[r.label as keyof typeof hits];
      h.both += within(pickP(x, r.samplingRate));
      h.main += within(pickP(x, r.samplingRate, { lowBand: null }));
    }
    console.log(`stress set seed 0, 100 + 100 records, within 0.5 s of the true onset (both bands / 2-45 Hz only): ${JSON.stringify(hits)}`);
    // Measured: teleseismic 88 against 42 of 100, local 62 against 65.
    expect(hits.teleseismic.both).toBeGreaterThanOrEqual(80);
    expect(hits.teleseismic.both - hits.teleseismic.main).toBeGreaterThanOrEqual(30);
    expect(hits.local.both).toBeGreaterThanOrEqual(hits.local.main - 5);
  });

  it('rejects a low-band margin below 1', () => {
    expect(() => pickP(synthetic(1, 1500, 10), 100, { lowBandMargin: 0.5 })).toThrow(/lowBandMargin must be a number >= 1, got 0.5/);
  });
});

describe.skipIf(noRealData)('pickP on the analyst-picked real traces', () => {
  it('lands within 0.1 s / 0.5 s of the analyst for most of the 253 picks', async () => {
    // Model and theoretical travel times (Alaska, Illapel, rfmpy) are given picks but no analyst's: left out.
    const traces = [
      ...(await loadManifestTraces(join(realDataDir, 'distance/manifest.csv'))),
      ...(await loadManifestTraces(join(realDataDir, 'polarity/manifest.csv'))),
    ].filter((t) => t.pPickSource === 'pick' && !/theoretical|model/.test(t.meta.p_pick_source ?? ''));
    expect(traces).toHaveLength(204 + 49);

    const groups = new Map<string, { n: number; within01: number; within05: number; none: number }>();
    let within01 = 0;
    let within05 = 0;
    for (const t of traces) {
      // The picker runs where the pipeline runs it: on the 100 Hz trace, before the band-pass and taper.
      const x = resample(t.samples, t.samplingRate, TARGET_RATE_HZ);
      const pick = pickP(x, TARGET_RATE_HZ);
      const group = t.id.includes('stead') ? 'STEAD' : t.id.includes('toc2me') ? 'ToC2ME' : 'NCEDC';
      const g = groups.get(group) ?? { n: 0, within01: 0, within05: 0, none: 0 };
      groups.set(group, g);
      g.n++;
      if (pick === undefined) {
        g.none++;
        continue;
      }
      const err = Math.abs(pick / TARGET_RATE_HZ - t.pArrivalSample! / t.samplingRate);
      if (err <= 0.1) {
        g.within01++;
        within01++;
      }
      if (err <= 0.5) {
        g.within05++;
        within05++;
      }
    }
    const lines = [...groups].map(([name, g]) => `  ${name}: ${g.within01}/${g.n} within 0.1 s, ${g.within05}/${g.n} within 0.5 s, ${g.none} without a pick`);
    console.log(
      `STA/LTA + AIC picker vs analyst picks: ${within01}/${traces.length} within 0.1 s, ` + `${within05}/${traces.length} within 0.5 s\n${lines.join('\n')}`,
    );
    // Measured: 211 and 231 of 253 (83 % and 91 %); the bounds leave a little room.
    expect(within01 / traces.length).toBeGreaterThanOrEqual(0.8);
    expect(within05 / traces.length).toBeGreaterThanOrEqual(0.88);
  });
});
