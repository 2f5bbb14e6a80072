import { join } from 'node:path';
import FFT from 'fft.js';
import { describe, expect, it } from 'vitest';
import { loadManifestTraces } from '../../src/data/readers/manifest.js';
import { pickP } from '../../src/data/signal/picker.js';
import { preprocess } from '../../src/data/signal/preprocess.js';
import { mapSampleIndex } from '../../src/data/signal/resample.js';
import { P_WINDOW, SPECTROGRAM, hannWindow, pWindow, spectrogram } from '../../src/data/signal/spectrogram.js';
import { Rng } from '../../src/tensor/random.js';
import { realDataDir, skipWithoutRealData } from '../helpers/real-data.js';

const noRealData = skipWithoutRealData('spectrograms of the real development set');

const { bins, frames, segment, hop, windowSamples, preP } = SPECTROGRAM;
const at = (s: Float32Array, f: number, t: number): number => s[f * frames + t]!;

/**
 * scipy.signal.stft(w, window='hann', nperseg=30, noverlap=17) magnitude,
 * written out the slow way (direct DFT, explicit padding) as an independent
 * reference for the placement of every frame.
 */
function referenceStft(w: Float64Array): Float64Array {
  const half = segment / 2;
  let padded = [...new Array<number>(half).fill(0), ...w, ...new Array<number>(half).fill(0)];
  const extra = (hop - ((padded.length - segment) % hop)) % hop;
  padded = [...padded, ...new Array<number>(extra).fill(0)];
  const nFrames = (padded.length - segment) / hop + 1;
  const win = Array.from({ length: segment }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / segment));
  const winSum = win.reduce((a, b) => a + b, 0);
  const out = new Float64Array(bins * nFrames);
  for (let t = 0; t < nFrames; t++)
    for (let f = 0; f < bins; f++) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < segment; i++) {
        const v = padded[t * hop + i]! * win[i]!;
        re += v * Math.cos((2 * Math.PI * f * i) / segment);
        im -= v * Math.sin((2 * Math.PI * f * i) / segment);
      }
      out[f * nFrames + t] = Math.hypot(re, im) / winSum;
    }
  return out;
}

describe('STFT layout', () => {
  it('600 samples, Hann 30, hop 13, half-window zero padding: 16 bins x 48 frames', () => {
    const padded = windowSamples + 2 * (segment / 2); // 630
    const extra = (hop - ((padded - segment) % hop)) % hop; // 11
    expect(extra).toBe(11);
    expect((padded + extra - segment) / hop + 1).toBe(48);
    expect(segment / 2 + 1).toBe(16);
    expect([bins, frames]).toEqual([16, 48]);
    // The periodic Hann window, as scipy's get_window('hann', 30).
    const w = hannWindow();
    expect(w[0]).toBe(0);
    expect(w[15]).toBeCloseTo(1, 15);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(15, 12);
  });

  it('matches a direct scipy-style STFT value for value (window starts 1 s before P)', () => {
    const rng = new Rng(3);
    const trace = Float64Array.from({ length: 2000 }, () => rng.normal());
    const p = 700;
    const got = spectrogram(trace, p, { normalize: 'none' });
    const ref = referenceStft(trace.slice(p - preP, p - preP + windowSamples));
    expect(ref).toHaveLength(bins * frames);
    let err = 0;
    for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i]! - ref[i]!));
    expect(err).toBeLessThan(1e-6); // float32 output
  });

  it('fft.js satisfies Parseval: sum |x|^2 = sum |X|^2 / N', () => {
    const rng = new Rng(11);
    for (const n of [64, 256, 1024]) {
      const fft = new FFT(n);
      const x = Array.from({ length: n }, () => rng.normal());
      const spectrum = fft.createComplexArray() as number[];
      fft.realTransform(spectrum, x);
      fft.completeSpectrum(spectrum);
      const timeEnergy = x.reduce((a, v) => a + v * v, 0);
      let freqEnergy = 0;
      for (let k = 0; k < n; k++) freqEnergy += spectrum[2 * k]! ** 2 + spectrum[2 * k + 1]! ** 2;
      expect(freqEnergy / n).toBeCloseTo(timeEnergy, 8);
    }
  });
});

describe('spectrogram', () => {
  it('a pure sine puts its energy in the right bin (10 Hz -> bin 3, 20 Hz -> bin 6), amplitude A/2', () => {
    for (const [f, bin] of [
      [10, 3],
      [20, 6],
      [40, 12],
    ] as const) {
      const x = Float64Array.from({ length: 2000 }, (_, i) => 2 * Math.sin((2 * Math.PI * f * i) / 100 + 0.4));
      const s = spectrogram(x, 1000, { normalize: 'none' });
      for (let t = 2; t < 44; t++) {
        // Interior frames only: the first and last frames overlap the zero padding.
        expect(at(s, bin, t)).toBeCloseTo(1, 6);
        for (let k = 0; k < bins; k++) if (Math.abs(k - bin) > 1) expect(at(s, k, t)).toBeLessThan(1e-6);
      }
    }
  });

  it('a chirp moves across the bins over time', () => {
    // 2 Hz to 45 Hz linearly over the 6 s window.
    const f0 = 2;
    const f1 = 45;
    const dur = 6;
    const p = 500;
    const x = new Float64Array(2000);
    for (let i = 0; i < windowSamples; i++) {
      const t = i / 100;
      x[p - preP + i] = Math.sin(2 * Math.PI * (f0 * t + ((f1 - f0) / (2 * dur)) * t * t));
    }
    const s = spectrogram(x, p);
    const peakBin = Array.from({ length: frames }, (_, t) => {
      let best = 0;
      for (let f = 1; f < bins; f++) if (at(s, f, t) > at(s, best, t)) best = f;
      return best;
    });
    // Frame t is centred on window sample 13 t, where the frequency is f0 + (f1 - f0) * 13 t / 600.
    for (let t = 2; t < 45; t++) {
      const fNow = f0 + ((f1 - f0) * hop * t) / windowSamples;
      expect(Math.abs(peakBin[t]! - fNow / (100 / segment)), `frame ${t}`).toBeLessThanOrEqual(1);
    }
    expect(peakBin[2]).toBeLessThan(peakBin[44]!);
  });

  it('is 16 x 48 with values in [0, 1] for every supported input rate (40, 100, 200, 500 Hz)', () => {
    const rng = new Rng(21);
    for (const fs of [40, 100, 200, 500]) {
      const n = fs * 30;
      const pRaw = fs * 10;
      // Noise, then an arrival with energy below 20 Hz (so a 40 Hz station records it too).
      const x = Float64Array.from(
        { length: n },
        (_, i) => rng.normal() + (i >= pRaw ? 10 * Math.exp(-(i - pRaw) / fs) * Math.sin((2 * Math.PI * 6 * i) / fs) : 0),
      );
      const pre = preprocess(x, fs, {}, `test ${fs} Hz`);
      const p = mapSampleIndex(pRaw, fs, pre.samplingRate);
      const s = spectrogram(pre.samples, p);
      expect(s).toHaveLength(16 * 48);
      expect(Math.max(...s)).toBe(1);
      expect(Math.min(...s)).toBeGreaterThanOrEqual(0);
      // The arrival (6 Hz: bins 1-2) starts ~1 s into the window.
      const before = at(s, 2, 3);
      const after = at(s, 2, 12);
      expect(after, `${fs} Hz`).toBeGreaterThan(5 * before);
    }
  });

  it('zero-pads a window that runs past the trace; a pick outside the trace names the record', () => {
    const x = new Float64Array(300).fill(0).map((_, i) => Math.sin(i / 3));
    const s = spectrogram(x, 20, { normalize: 'none' });
    // The window starts 80 samples before the trace: the first frames see only zeros.
    expect(at(s, 2, 0)).toBe(0);
    expect(at(s, 2, 4)).toBe(0);
    expect(() => spectrogram(x, 300, { record: 'CI.PAS.BHZ' })).toThrow(/CI\.PAS\.BHZ: P pick at sample 300 is outside the trace \(0\.\.299\)/);
    expect(() => spectrogram(x, -1, { record: 'CI.PAS.BHZ' })).toThrow(/CI\.PAS\.BHZ: P pick at sample -1/);
    expect(() => spectrogram(new Float64Array(1000), 500, { record: 'dead' })).toThrow(/dead: .*all zeros/);
  });
});

describe('pWindow', () => {
  it('32 samples, the pick at element 10, scaled to max |x| = 1', () => {
    expect(P_WINDOW).toEqual({ length: 32, preP: 10 });
    const x = new Float64Array(1000);
    x[500] = -4;
    x[510] = 2;
    const w = pWindow(x, 500);
    expect(w).toHaveLength(32);
    expect(w[10]).toBe(-1);
    expect(w[20]).toBe(0.5);
    // A fractional pick (after resampling) is rounded.
    expect(pWindow(x, 499.6)[10]).toBe(-1);
  });

  it('zero-pads at the trace edges and rejects a pick outside the trace, naming the record', () => {
    const x = Float64Array.from({ length: 50 }, (_, i) => i + 1);
    const w = pWindow(x, 3);
    for (let i = 0; i < 7; i++) expect(w[i]).toBe(0);
    expect(w[7]).toBeCloseTo(1 / 25, 6);
    const end = pWindow(x, 45);
    for (let i = 15; i < 32; i++) expect(end[i]).toBe(0);
    expect(() => pWindow(x, 50, { record: '5B.1107.DHZ' })).toThrow(/pWindow: 5B\.1107\.DHZ: P pick at sample 50 is outside/);
    expect(() => pWindow(x, Number.NaN, { record: '5B.1107.DHZ' })).toThrow(/5B\.1107\.DHZ: P pick at sample NaN/);
    expect(() => pWindow(new Float64Array(100), 50, { record: 'flat' })).toThrow(/flat: .*all zeros/);
  });

  it('decay: a later swing twice the first motion no longer sets the scale; samples before the pick keep their weight', () => {
    const x = new Float64Array(1000);
    x[498] = 0.1; // noise before the pick
    x[501] = 1; // the first motion, up
    x[508] = -2; // a later, larger swing
    const plain = pWindow(x, 500);
    expect(plain[11]).toBe(0.5);
    expect(plain[18]).toBe(-1);
    const damped = pWindow(x, 500, { decay: 4 });
    expect(damped[11]).toBe(1); // 1 x e^(-1/4) is now the largest
    expect(damped[18]).toBeCloseTo((-2 * Math.exp(-8 / 4)) / Math.exp(-1 / 4), 6);
    expect(damped[8]).toBeCloseTo(0.1 / Math.exp(-1 / 4), 6);
    expect(pWindow(x, 500, { decay: null })).toEqual(plain);
  });
});

describe.skipIf(noRealData)('the real development set', () => {
  it('every trace in both manifests gives a finite 16 x 48 spectrogram and a 32-sample P window', async () => {
    const counts = new Map<string, number>();
    for (const manifest of ['distance/manifest.csv', 'polarity/manifest.csv']) {
      for (const t of await loadManifestTraces(join(realDataDir, manifest))) {
        const pre = preprocess(t.samples, t.samplingRate, {}, t.id);
        // The analyst's pick, else the manifest's estimate, else our own picker.
        const raw = t.pArrivalSample ?? pickP(t.samples, t.samplingRate);
        expect(Number.isFinite(raw) && raw! >= 0 && raw! < t.samples.length, `${t.id}: P at sample ${raw}`).toBe(true);
        const p = mapSampleIndex(raw!, t.samplingRate, pre.samplingRate);
        const s = spectrogram(pre.samples, p, { record: t.id });
        const w = pWindow(pre.samples, p, { record: t.id });
        expect(s).toHaveLength(768);
        expect(w).toHaveLength(32);
        expect(s.every(Number.isFinite) && w.every(Number.isFinite), t.id).toBe(true);
        expect(Math.max(...s)).toBe(1);
        expect(Math.max(...w.map(Math.abs))).toBe(1);
        counts.set(t.label ?? '?', (counts.get(t.label ?? '?') ?? 0) + 1);
      }
    }
    expect(Object.fromEntries(counts)).toEqual({ local: 221, teleseismic: 608, up: 16, down: 34 });
  });
});

describe('spectrogram choices beyond the paper', () => {
  const sine = (hz: number, amplitude = 1): Float64Array => Float64Array.from({ length: 4000 }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / 100));

  it('a 64-sample segment puts 10 Hz in bin 6 or 7 (1.5625 Hz steps), and its 16 bins stop at 23.4 Hz', () => {
    const s = spectrogram(sine(10), 1500, { segment: 64, hop: 42, windowSamples: 2000, preP: 200 });
    const column = Array.from({ length: bins }, (_, f) => at(s, f, 24));
    const strongest = column.indexOf(Math.max(...column));
    expect(strongest).toBe(6); // 6 x 1.5625 = 9.4 Hz is the nearest bin to 10 Hz
    expect(s).toHaveLength(16 * 48);
  });

  it('decibels: the peak reads 1, anything floorDb or more below it reads 0, in between linearly in dB', () => {
    const x = sine(5);
    for (let i = 0; i < 1500; i++) x[i]! *= 1e-4; // 80 dB quieter before P
    const s = spectrogram(x, 1500, { scale: 'db', floorDb: 60 });
    expect(Math.max(...s)).toBe(1);
    expect(Math.min(...s)).toBe(0);
    const linear = spectrogram(x, 1500);
    for (let i = 0; i < s.length; i++) {
      const db = 20 * Math.log10(linear[i]!);
      expect(s[i]!).toBeCloseTo(Math.max(db, -60) / 60 + 1, 4);
    }
  });

  it('standardize: each spectrogram has zero mean and unit standard deviation', () => {
    const rng = new Rng(5);
    const x = Float64Array.from({ length: 3000 }, () => rng.normal());
    for (const scale of ['linear', 'db'] as const) {
      const s = spectrogram(x, 1000, { scale, normalize: 'standardize' });
      const mean = s.reduce((a, v) => a + v, 0) / s.length;
      const sd = Math.sqrt(s.reduce((a, v) => a + (v - mean) ** 2, 0) / s.length);
      expect(mean).toBeCloseTo(0, 5);
      expect(sd).toBeCloseTo(1, 5);
    }
  });

  it('explicit options equal to the paper give the paper spectrogram bit for bit', () => {
    const rng = new Rng(9);
    const x = Float64Array.from({ length: 3000 }, () => rng.normal());
    expect(spectrogram(x, 1000, { preP, windowSamples, segment, hop, scale: 'linear', normalize: 'max' })).toEqual(spectrogram(x, 1000));
  });
});
